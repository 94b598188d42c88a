"""Households: the current version, every past version, and the NIK index of members."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BindParameter, Connection, bindparam, func, select, tuple_

from server.store import bulk, feed, jsoncol, progress
from server.store.among import ByDialect
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
_VERSION_HASH = select(households.c.version, households.c.content_hash).where(
    households.c.household_id == _ID
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
_NIK_HOLDERS_MANY = ByDialect(lambda among: select(
    members.c.nik, members.c.household_id, members.c.member_id
).where(among(members.c.nik, "niks_"), members.c.status != "moved_out"))
_LOCK_BODIES = ByDialect(lambda among: select(
    households.c.household_id, households.c.body, households.c.version
).where(among(households.c.household_id, "ids_")).order_by(households.c.household_id)
    .with_for_update())


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


def lock_bodies(
    conn: Connection, household_ids: list[str]
) -> dict[str, tuple[dict[str, Any], int]]:
    """`get_body(for_update=True)` of many households, locked in household_id order so two
    transactions locking overlapping sets queue instead of deadlocking."""
    if not household_ids:
        return {}
    rows = conn.execute(_LOCK_BODIES.of(conn), {"ids_": household_ids})
    return {r.household_id: (jsoncol.loads(r.body), r.version) for r in rows}


def get_versions(
    conn: Connection, wanted: Iterable[tuple[str, int]]
) -> dict[tuple[str, int], dict[str, Any]]:
    """`get_version` of many (household_id, version) pairs in one query; missing ones left out."""
    pairs = sorted(set(wanted))
    if not pairs:
        return {}
    rows = conn.execute(
        select(household_versions.c.household_id, household_versions.c.version,
               household_versions.c.body)
        .where(tuple_(household_versions.c.household_id, household_versions.c.version)
               .in_(pairs))
    )
    return {(r.household_id, r.version): jsoncol.loads(r.body) for r in rows}


def get_version(conn: Connection, household_id: str, version: int) -> dict[str, Any] | None:
    body = conn.execute(_VERSION_BODY, {"id_": household_id, "version_": version}).scalar()
    return jsoncol.loads(body)


def region_of(conn: Connection, household_id: str) -> str | None:
    return conn.execute(_REGION, {"id_": household_id}).scalar()


def _view(row: Any) -> dict[str, Any]:
    household = jsoncol.loads(row["body"])
    household["version"] = row["version"]
    household["verification"] = {
        "state": row["verification_state"],
        "survey_id": row["verification_survey_id"],
        "at": row["verification_at"],
    }
    return household


# A member as the NIK index holds it: (member_id, nik, status).
MemberRow = tuple[str, str | None, str]


@dataclass(slots=True)
class StoredForm:
    """A validated household in the form it is stored: canonical text, hash, NIK index."""

    household_id: str
    region_code: str
    text: str
    digest: str
    members: list[MemberRow]

    def __reduce__(self) -> tuple[type[StoredForm], tuple[Any, ...]]:
        # A plain tuple of fields: the import's validating processes send a form per
        # household, and the default pickling of a slotted dataclass cost 4x as much.
        return (StoredForm, (self.household_id, self.region_code, self.text, self.digest,
                             self.members))


def stored_form(body: dict[str, Any]) -> StoredForm:
    """The canonical JSON, its hash and the NIK index rows of a household body (pure)."""
    text = jsoncol.dumps(body)
    return StoredForm(
        household_id=body["household_id"],
        region_code=body["region_code"],
        text=text,
        digest=jsoncol.text_hash(text),
        members=[(m["member_id"], m.get("nik"), m.get("status", "alive"))
                 for m in body["members"]],
    )


def save_version(
    conn: Connection,
    household: dict[str, Any],
    *,
    source: str,
    source_id: str | None = None,
    actor: str | None = None,
) -> int | None:
    """Store `household` as its next version; None when it equals the current one."""
    form = stored_form({k: v for k, v in household.items() if k not in ("version", "verification")})
    current = conn.execute(_VERSION_HASH, {"id_": form.household_id}).first()
    if current is not None and current.content_hash == form.digest:
        return None
    new, changed = ([form], []) if current is None else ([], [(form, current.version)])
    write_versions(conn, new, changed, at=now_iso(), source=source, source_id=source_id,
                   actor=actor)
    return 1 if current is None else current.version + 1


def write_versions(
    conn: Connection,
    new: Iterable[StoredForm],
    changed: Iterable[tuple[StoredForm, int]],
    *,
    at: str,
    source: str,
    source_id: str | None = None,
    actor: str | None = None,
) -> None:
    """Store `new` households as version 1 and `changed` ones as (form, current version) + 1.

    The one writer of household versions, for a review's one household and an import's
    thousand alike: the row, its history entry, the members' NIK index (replaced) and
    one pull-feed change per stored version, with one driver call per table.

    Rows go in key order: the B-tree pages an insert touches are then mostly the ones the
    previous insert touched (measured: a tenth off the time of a 100,000-household import).
    """
    new = sorted(new, key=lambda f: f.household_id)
    changed = sorted(changed, key=lambda item: item[0].household_id)
    bulk.insert_rows(
        conn, households,
        ("household_id", "region_code", "version", "body", "content_hash",
         "verification_state", "updated_at"),
        [(f.household_id, f.region_code, 1, f.text, f.digest, "unverified", at) for f in new],
    )
    if changed:
        # The villages they lie in before the update: a moved household leaves one.
        progress.mark_villages_of(conn, [f.household_id for f, _ in changed])
        bulk.update_rows(
            conn, households, ("region_code", "version", "body", "content_hash", "updated_at"),
            "household_id",
            [(f.region_code, version + 1, f.text, f.digest, at, f.household_id)
             for f, version in changed],
        )
        conn.execute(
            members.delete().where(
                members.c.household_id.in_([f.household_id for f, _ in changed])
            )
        )
    stored = [(f, 1) for f in new] + [(f, version + 1) for f, version in changed]
    bulk.insert_rows(
        conn, household_versions,
        ("household_id", "version", "source", "source_id", "actor", "at", "body"),
        [(f.household_id, version, source, source_id, actor, at, f.text) for f, version in stored],
    )
    bulk.insert_rows(
        conn, members, ("household_id", "member_id", "nik", "status"),
        [(f.household_id, *member) for f, _ in stored for member in f.members],
    )
    feed.emit_households(conn, [f.household_id for f, _ in stored], at)
    progress.mark_villages(conn, (f.region_code for f, _ in stored))


def set_verification(
    conn: Connection, household_id: str, state: str, survey_id: str | None, at: str | None
) -> None:
    conn.execute(
        _SET_VERIFICATION,
        {"id_": household_id, "state_": state, "survey_id_": survey_id, "at_": at},
    )
    progress.mark_villages_of(conn, [household_id])


def set_verification_many(
    conn: Connection, rows: list[dict[str, Any]], *, marked: bool = False
) -> None:
    """`set_verification` for many households (dicts of household_id, state, survey_id, at).

    `marked`: the caller has already marked these households' villages in this
    transaction (a batched push marks them with its surveys): no second mark.
    """
    bulk.update_rows(
        conn, households, ("verification_state", "verification_survey_id", "verification_at"),
        "household_id",
        [(r["state"], r["survey_id"], r["at"], r["household_id"]) for r in rows],
    )
    if not marked:
        progress.mark_villages_of(conn, [r["household_id"] for r in rows])


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
        for row in conn.execute(_NIK_HOLDERS_MANY.of(conn), {"niks_": list(found)}):
            found[row.nik].append((row.household_id, row.member_id))
    return found


# --- whole-registry reads: the scan and the demo --------------------------------------


def repeated_nik_holders(conn: Connection) -> Iterator[tuple[str, str, str]]:
    """(nik, household_id, member_id) of every NIK held more than once, moved-out aside.

    Counted in the database: a NIK held once can be no duplicate, and building a dict of
    every member cost a fifth of a 100,000-household scan. The count takes every holder,
    moved-out ones too, so it reads the NIK index alone (counting only the others read
    each member's row: 2.5 of 2.8 CPU seconds at 300,000 households); a NIK that is left
    with one holder once moved-out members are set aside is dropped here.
    """
    repeated = (
        select(members.c.nik).where(members.c.nik.is_not(None))
        .group_by(members.c.nik).having(func.count() > 1)
    )
    rows = conn.execute(
        select(members.c.nik, members.c.household_id, members.c.member_id)
        .where(members.c.status != "moved_out", members.c.nik.in_(repeated))
        .order_by(members.c.nik)
    )
    held: list[tuple[str, str, str]] = []
    for row in rows:
        if held and held[0][0] != row.nik:
            if len(held) > 1:
                yield from held
            held = []
        held.append((row.nik, row.household_id, row.member_id))
    if len(held) > 1:
        yield from held


_IDS_IN_ORDER = select(households.c.household_id).order_by(households.c.household_id)
_STORED = select(households.c.household_id, households.c.region_code, households.c.body)
_STORED_BETWEEN = _STORED.where(
    households.c.household_id > bindparam("after_"), households.c.household_id <= bindparam("last_")
).order_by(households.c.household_id)
_STORED_AFTER = _STORED.where(households.c.household_id > bindparam("after_")).order_by(
    households.c.household_id)


def slices(conn: Connection, size: int) -> list[tuple[str, str | None]]:
    """The registry cut into slices of `size` households in household_id order, as
    (after, last) bounds for `stored_between`; the last slice has no upper bound, so a
    household added since is read too. Reads the primary key's index alone."""
    bounds: list[tuple[str, str | None]] = []
    after = ""  # sorts before every household_id
    held = 0
    for household_id in conn.execution_options(yield_per=10_000).execute(
            _IDS_IN_ORDER).scalars():
        held += 1
        if held == size:
            bounds.append((after, household_id))
            after, held = household_id, 0
    bounds.append((after, None))
    return bounds


def stored_between(conn: Connection, after: str, last: str | None) -> list[tuple[str, str, str]]:
    """(household_id, region_code, body as stored) of the current households whose id is
    above `after` and up to `last` (None: no upper bound), in id order. Bodies stay JSON
    text so the scan decodes them where the rules run (`decode_body`)."""
    if last is None:
        result = conn.execute(_STORED_AFTER, {"after_": after})
    else:
        result = conn.execute(_STORED_BETWEEN, {"after_": after, "last_": last})
    return [(household_id, region, body) for household_id, region, body in result.all()]


def decode_body(text: str) -> dict[str, Any]:
    """A body of `stored_between`, decoded."""
    body: dict[str, Any] = jsoncol.loads(text)
    return body


def count(conn: Connection) -> int:
    """How many households the registry holds."""
    return int(conn.execute(select(func.count()).select_from(households)).scalar_one())


def busiest_regions(conn: Connection, count: int) -> list[str]:
    """The `count` region codes holding the most households (ties by code)."""
    rows = conn.execute(
        select(households.c.region_code, func.count().label("n"))
        .group_by(households.c.region_code)
        .order_by(func.count().desc(), households.c.region_code)
        .limit(count)
    )
    return [r.region_code for r in rows]
