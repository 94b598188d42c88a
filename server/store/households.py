"""Households: the current version, every past version, and the NIK index of members."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import BindParameter, Connection, RowMapping, bindparam, select

from server.store import feed, jsoncol
from server.store.tables import household_versions, households, members
from server.timeutil import now_iso

# Built once: every pushed survey reads its household through these, and building a
# statement per call cost more than executing it.
_ID: BindParameter[str] = bindparam("id_")
_BY_ID = select(households).where(households.c.household_id == _ID)
_BODY = select(households.c.body, households.c.version).where(households.c.household_id == _ID)
_BODY_LOCKED = _BODY.with_for_update()
_LOCK = select(households.c.household_id).where(households.c.household_id == _ID).with_for_update()
_VERSION_BODY = select(household_versions.c.body).where(
    household_versions.c.household_id == _ID,
    household_versions.c.version == bindparam("version_"),
)
_REGION = select(households.c.region_code).where(households.c.household_id == _ID)
_SET_VERIFICATION = (
    households.update()
    .where(households.c.household_id == _ID)
    .values(
        verification_state=bindparam("state_"),
        verification_survey_id=bindparam("survey_id_"),
        verification_at=bindparam("at_"),
    )
)
# A member who moved out may already stand on another family card: not a duplicate.
_BY_IDS = select(households).where(
    households.c.household_id.in_(bindparam("ids_", expanding=True))
)
_NIK_HOLDERS = select(members.c.household_id, members.c.member_id).where(
    members.c.nik == bindparam("nik_"), members.c.status != "moved_out"
)
_NIK_HOLDERS_MANY = select(members.c.nik, members.c.household_id, members.c.member_id).where(
    members.c.nik.in_(bindparam("niks_", expanding=True)), members.c.status != "moved_out"
)


def get(conn: Connection, household_id: str) -> dict[str, Any] | None:
    """The current household with `version` and `verification`, or None."""
    row = conn.execute(_BY_ID, {"id_": household_id}).mappings().first()
    return _view(row) if row else None


def get_many(conn: Connection, household_ids: list[str]) -> dict[str, dict[str, Any]]:
    """`get` of many households in one query (a pull page), by id; missing ones left out."""
    if not household_ids:
        return {}
    rows = conn.execute(_BY_IDS, {"ids_": household_ids}).mappings()
    return {row["household_id"]: _view(row) for row in rows}


def get_body(
    conn: Connection, household_id: str, *, for_update: bool = False
) -> tuple[dict[str, Any], int] | None:
    """The current body and version; `for_update` also locks the row (see `lock`)."""
    row = conn.execute(_BODY_LOCKED if for_update else _BODY, {"id_": household_id}).first()
    return (jsoncol.loads(row.body), row.version) if row else None


def lock(conn: Connection, household_id: str) -> None:
    """Hold one household until the transaction ends.

    Whoever reads a household to write on it (a survey reconciled against its current
    version, a supervisor's decision applied to it) takes this first, so two writers on
    one household on PostgreSQL queue instead of both building on the same version: no
    lost update, no duplicate version number. On SQLite the writer's database lock
    already covers it (FOR UPDATE is not rendered there).
    """
    conn.execute(_LOCK, {"id_": household_id})


def get_version(conn: Connection, household_id: str, version: int) -> dict[str, Any] | None:
    body = conn.execute(_VERSION_BODY, {"id_": household_id, "version_": version}).scalar()
    return jsoncol.loads(body)


def region_of(conn: Connection, household_id: str) -> str | None:
    return conn.execute(_REGION, {"id_": household_id}).scalar()


def _view(row: RowMapping) -> dict[str, Any]:
    household = jsoncol.loads(row["body"])
    household["version"] = row["version"]
    household["verification"] = {
        "state": row["verification_state"],
        "survey_id": row["verification_survey_id"],
        "at": row["verification_at"],
    }
    return household


def save_version(
    conn: Connection,
    household: dict[str, Any],
    *,
    source: str,
    source_id: str | None = None,
    actor: str | None = None,
) -> int | None:
    """Store `household` as its next version; None when it equals the current one.

    Also keeps the members' NIK index current and tells the pull feed.
    """
    body = {k: v for k, v in household.items() if k not in ("version", "verification")}
    digest = jsoncol.content_hash(body)
    household_id = body["household_id"]
    current = conn.execute(
        select(households.c.version, households.c.content_hash).where(
            households.c.household_id == household_id
        )
    ).first()
    if current is not None and current.content_hash == digest:
        return None
    at = now_iso()
    text = jsoncol.dumps(body)
    if current is None:
        version = 1
        conn.execute(
            households.insert().values(
                household_id=household_id,
                region_code=body["region_code"],
                version=version,
                body=text,
                content_hash=digest,
                verification_state="unverified",
                updated_at=at,
            )
        )
    else:
        version = current.version + 1
        conn.execute(
            households.update()
            .where(households.c.household_id == household_id)
            .values(
                region_code=body["region_code"],
                version=version,
                body=text,
                content_hash=digest,
                updated_at=at,
            )
        )
        conn.execute(members.delete().where(members.c.household_id == household_id))
    conn.execute(
        household_versions.insert().values(
            household_id=household_id,
            version=version,
            source=source,
            source_id=source_id,
            actor=actor,
            at=at,
            body=text,
        )
    )
    conn.execute(
        members.insert(),
        [
            {
                "household_id": household_id,
                "member_id": m["member_id"],
                "nik": m.get("nik"),
                "status": m.get("status", "alive"),
            }
            for m in body["members"]
        ],
    )
    feed.emit(conn, "household", household_id, household_id)
    return version


def set_verification(
    conn: Connection, household_id: str, state: str, survey_id: str | None, at: str | None
) -> None:
    conn.execute(
        _SET_VERIFICATION,
        {"id_": household_id, "state_": state, "survey_id_": survey_id, "at_": at},
    )


def set_verification_many(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """`set_verification` for many households (dicts of household_id, state, survey_id, at)."""
    from server.store.bulk import update_rows

    update_rows(
        conn, households, ("verification_state", "verification_survey_id", "verification_at"),
        "household_id",
        [(r["state"], r["survey_id"], r["at"], r["household_id"]) for r in rows],
    )


def history(conn: Connection, household_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(household_versions)
        .where(household_versions.c.household_id == household_id)
        .order_by(household_versions.c.version)
    ).mappings()
    return [
        {
            "version": r["version"],
            "source": r["source"],
            "source_id": r["source_id"],
            "actor": r["actor"],
            "at": r["at"],
            "household": jsoncol.loads(r["body"]),
        }
        for r in rows
    ]


def nik_holders(conn: Connection, nik: str) -> list[tuple[str, str]]:
    """Every (household_id, member_id) whose current version holds this NIK, moved-out
    members aside."""
    rows = conn.execute(_NIK_HOLDERS, {"nik_": nik})
    return [(r.household_id, r.member_id) for r in rows]


def nik_holders_many(conn: Connection, niks: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
    """`nik_holders` of several NIKs in one query; every NIK asked about is a key."""
    found: dict[str, list[tuple[str, str]]] = {nik: [] for nik in niks}
    if found:
        for row in conn.execute(_NIK_HOLDERS_MANY, {"niks_": list(found)}):
            found[row.nik].append((row.household_id, row.member_id))
    return found
