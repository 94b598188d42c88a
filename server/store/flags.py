"""Flags: rows ↔ the contract's Flag shape, queries and status changes.

Every status change goes on the pull feed, addressed to the enumerator whose survey
raised the flag, so laptops learn what the supervisor decided.
"""

from __future__ import annotations

import base64
import os
import time
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Connection, and_, bindparam, or_, select, update

from server.store import bulk, feed, flag_counts, jsoncol
from server.store.among import ByDialect
from server.store.tables import flags, surveys
from server.timeutil import now_iso

OPEN_STATES = ("open", "revisit")

_JSON_COLUMNS = ("registry_value", "field_value", "other_value")
_PUBLIC = (
    "flag_id", "household_id", "survey_id", "rule", "severity", "path", "registry_value",
    "field_value", "other_value", "message", "status", "created_at", "resolved_by",
    "resolved_at", "resolution_note",
)

# Built once: every pushed survey reads its household's open flags (building the
# statement per call cost more than running it). Sorted in Python: with ORDER BY
# created_at, SQLite walks the review queue's (status, created_at) index through every
# open flag in the registry instead of the household's few.
_OPEN_FOR_HOUSEHOLD = (
    select(flags, surveys.c.device_id)
    .outerjoin(surveys, surveys.c.survey_id == flags.c.survey_id)
    .where(flags.c.household_id == bindparam("household_id_"), flags.c.status == "open")
)
_INSERT = flags.insert()
_BY_IDS = select(flags).where(flags.c.flag_id.in_(bindparam("ids_", expanding=True)))


def to_dict(row: Any) -> dict[str, Any]:
    flag = {key: row[key] for key in _PUBLIC}
    for key in _JSON_COLUMNS:
        flag[key] = jsoncol.loads(row[key])
    return flag


# A flag row's columns in the order of `new_values`.
COLUMNS = (
    "flag_id", "household_id", "region_code", "survey_id", "rule", "severity", "path",
    "registry_value", "field_value", "other_value", "message", "status", "created_at",
    "resolved_by", "resolved_at", "resolution_note",
)


_RANDOM_62 = (1 << 62) - 1
_VERSION_7 = 0x7 << 76 | 0b10 << 62  # the version and variant bits of a UUID version 7


def new_flag_id() -> str:
    """A UUID laid out as version 7: the time in milliseconds, then 74 random bits.

    Ids made one after another sort one after another, so each new flag lands at the
    end of the primary key's index. With random ids every write transaction of a scan
    touched pages all over that index, and rewrote them: the more flags stored, the more
    pages each batch rewrote (1.6 GB written for a first scan of 1,000,000 households).
    """
    rand = int.from_bytes(os.urandom(10), "big")
    value = (time.time_ns() // 1_000_000) << 80 | _VERSION_7 | (rand >> 68) << 64 \
        | rand & _RANDOM_62
    return str(uuid.UUID(int=value))


def _json(value: Any) -> str:
    return "null" if value is None else jsoncol.dumps(value)


def new_values(
    drafts: Iterable[Any], *, household_id: str, region_code: str, survey_id: str | None,
    at: str,
) -> list[tuple[Any, ...]]:
    """`new_rows` as tuples in `COLUMNS` order, created at `at`: what the scan's worker
    processes send back (a tuple pickles for a fraction of a dict)."""
    return [
        (new_flag_id(), household_id, region_code, survey_id, draft.rule, draft.severity,
         draft.path, _json(draft.registry_value), _json(draft.field_value),
         _json(draft.other_value), draft.message, "open", at, None, None, None)
        for draft in drafts
    ]


def new_rows(
    drafts: Iterable[Any], *, household_id: str, region_code: str, survey_id: str | None
) -> list[dict[str, Any]]:
    """Table rows for new open flags made from reconciliation drafts."""
    return [dict(zip(COLUMNS, values, strict=True)) for values in new_values(
        drafts, household_id=household_id, region_code=region_code, survey_id=survey_id,
        at=now_iso())]


def insert_drafts(
    conn: Connection,
    drafts: Iterable[Any],
    *,
    household_id: str,
    region_code: str,
    survey_id: str | None,
    enumerator_id: int | None,
) -> list[dict[str, Any]]:
    """Store new open flags from reconciliation drafts; returns them in contract shape."""
    rows = new_rows(drafts, household_id=household_id, region_code=region_code,
                    survey_id=survey_id)
    if rows:
        conn.execute(_INSERT, rows)
        flag_counts.mark(conn, [(household_id, region_code)])
        if enumerator_id is not None:
            for row in rows:
                feed.emit(conn, "flag", row["flag_id"], household_id, enumerator_id)
    return [to_dict(row) for row in rows]


def insert_many(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Store `new_rows` in one driver call (a batched push, a scan); the caller tells the feed."""
    if rows:
        columns = list(rows[0])
        bulk.insert_rows(conn, flags, columns, [tuple(r[c] for c in columns) for r in rows])
        flag_counts.mark(conn, [(r["household_id"], r["region_code"]) for r in rows])


def insert_values(conn: Connection, values: list[tuple[Any, ...]]) -> None:
    """`insert_many` of `new_values` tuples (the scan); the caller tells the feed."""
    if values:
        bulk.insert_rows(conn, flags, COLUMNS, values)
        flag_counts.mark(conn, [(v[1], v[2]) for v in values])


def get(conn: Connection, flag_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(flags).where(flags.c.flag_id == flag_id)).mappings().first()
    return to_dict(row) if row else None


def get_many(conn: Connection, flag_ids: list[str]) -> dict[str, dict[str, Any]]:
    """`get` of many flags in one query (a pull page), by id; missing ones left out."""
    if not flag_ids:
        return {}
    rows = conn.execute(_BY_IDS, {"ids_": flag_ids}).mappings()
    return {row["flag_id"]: to_dict(row) for row in rows}


def region_of(conn: Connection, flag_id: str) -> str | None:
    return conn.execute(select(flags.c.region_code).where(flags.c.flag_id == flag_id)).scalar()


def summaries(conn: Connection, flag_ids: list[str]) -> list[dict[str, Any]]:
    """flag_id, household_id, region_code, rule, status of each of `flag_ids` that
    exists, by household then age: what a bulk decision checks before deciding."""
    if not flag_ids:
        return []
    rows = conn.execute(
        select(flags.c.flag_id, flags.c.household_id, flags.c.region_code, flags.c.rule,
               flags.c.status, flags.c.survey_id)
        .where(flags.c.flag_id.in_(bindparam("ids_", expanding=True)))
        .order_by(flags.c.household_id, flags.c.created_at, flags.c.flag_id),
        {"ids_": flag_ids},
    ).mappings()
    return [dict(r) for r in rows]


def open_for_household(conn: Connection, household_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(_OPEN_FOR_HOUSEHOLD, {"household_id_": household_id}).mappings()
    found = [{**to_dict(r), "device_id": r["device_id"]} for r in rows]
    return sorted(found, key=lambda flag: (flag["created_at"], flag["flag_id"]))


DECIDED_STATES = ("accepted", "rejected")
_DECIDED_FOR_HOUSEHOLDS = ByDialect(lambda among: select(flags).where(
    among(flags.c.household_id, "ids_"), flags.c.status.in_(DECIDED_STATES)
).order_by(flags.c.household_id, flags.c.created_at, flags.c.flag_id))


def decided_for_households(
    conn: Connection, household_ids: list[str]
) -> dict[str, list[dict[str, Any]]]:
    """The accepted and rejected flags of each household, by household_id: what a later
    visit must not raise again (`server.reconcile.decided`)."""
    found: dict[str, list[dict[str, Any]]] = {}
    if not household_ids:
        return found
    rows = conn.execute(_DECIDED_FOR_HOUSEHOLDS.of(conn), {"ids_": household_ids}).mappings()
    for row in rows:
        found.setdefault(row["household_id"], []).append(to_dict(row))
    return found


_OPEN_AND_DECIDED = ByDialect(lambda among: select(flags, surveys.c.device_id)
    .outerjoin(surveys, surveys.c.survey_id == flags.c.survey_id)
    .where(among(flags.c.household_id, "ids_"),
           flags.c.status.in_(("open", *DECIDED_STATES)))
    .order_by(flags.c.household_id, flags.c.created_at, flags.c.flag_id))


def open_and_decided_for_households(
    conn: Connection, household_ids: list[str]
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    """By household_id: the open flags, each with the `device_id` of its survey (as
    `open_for_household`), and the decided ones (as `decided_for_households`), in one
    query: a batched push reads both for the same households."""
    open_flags: dict[str, list[dict[str, Any]]] = {}
    decided: dict[str, list[dict[str, Any]]] = {}
    if not household_ids:
        return open_flags, decided
    rows = conn.execute(_OPEN_AND_DECIDED.of(conn), {"ids_": household_ids}).mappings()
    for row in rows:
        if row["status"] == "open":
            open_flags.setdefault(row["household_id"], []).append(
                {**to_dict(row), "device_id": row["device_id"]})
        else:
            decided.setdefault(row["household_id"], []).append(to_dict(row))
    return open_flags, decided


def decided_for_household(conn: Connection, household_id: str) -> list[dict[str, Any]]:
    return decided_for_households(conn, [household_id]).get(household_id, [])


def for_survey(conn: Connection, survey_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(flags).where(flags.c.survey_id == survey_id).order_by(flags.c.created_at)
    ).mappings()
    return [to_dict(r) for r in rows]


def change_status(
    conn: Connection,
    flag_id: str,
    status: str,
    *,
    from_states: tuple[str, ...] = OPEN_STATES,
    by: str | None = None,
    note: str | None = None,
) -> bool:
    """Move a flag out of `from_states`; False when another decision got there first.

    The condition is in the UPDATE itself, so of two concurrent decisions exactly one
    wins, on SQLite and PostgreSQL alike.
    """
    result = conn.execute(
        update(flags)
        .where(flags.c.flag_id == flag_id, flags.c.status.in_(from_states))
        .values(status=status, resolved_by=by, resolved_at=now_iso(), resolution_note=note)
    )
    if result.rowcount != 1:
        return False
    _announce(conn, flag_id)
    return True


def _announce(conn: Connection, flag_id: str) -> None:
    """Tell the enumerator (pull feed) and the review queue's counts (a mark)."""
    row = conn.execute(
        select(flags.c.household_id, flags.c.region_code, surveys.c.enumerator_id)
        .outerjoin(surveys, surveys.c.survey_id == flags.c.survey_id)
        .where(flags.c.flag_id == flag_id)
    ).first()
    if row is not None:
        flag_counts.mark(conn, [(row.household_id, row.region_code)])
    if row is not None and row.enumerator_id is not None:
        feed.emit(conn, "flag", flag_id, row.household_id, row.enumerator_id)


def supersede_survey_flags(conn: Connection, survey_id: str) -> int:
    ids = conn.execute(
        select(flags.c.flag_id).where(flags.c.survey_id == survey_id, flags.c.status == "open")
    ).scalars().all()
    for flag_id in ids:
        change_status(conn, flag_id, "superseded", from_states=("open",), by=None)
    return len(ids)


def open_scan_flags(conn: Connection, household_id: str) -> list[dict[str, Any]]:
    """Open flags raised by the registry scan (no survey) on one household."""
    rows = conn.execute(
        select(flags).where(
            flags.c.household_id == household_id,
            flags.c.survey_id.is_(None),
            flags.c.status == "open",
        )
    ).mappings()
    return [to_dict(r) for r in rows]


def open_scan_flag_ids(conn: Connection) -> Iterator[tuple[str, str, str | None, str]]:
    """(household_id, rule, path, flag_id) of every open flag the registry scan raised."""
    rows = conn.execute(
        select(flags.c.household_id, flags.c.rule, flags.c.path, flags.c.flag_id).where(
            flags.c.survey_id.is_(None), flags.c.status == "open"
        )
    )
    for row in rows:
        yield row.household_id, row.rule, row.path, row.flag_id


def decided_scan_findings(conn: Connection) -> Iterator[tuple[str, str, str | None, str]]:
    """(household_id, rule, path, evidence) of every scan flag a supervisor decided.

    `evidence` is the canonical JSON of the values the finding was about, so the scan can
    tell the same finding on unchanged data (stays decided) from new evidence.
    """
    rows = conn.execute(
        select(flags.c.household_id, flags.c.rule, flags.c.path, flags.c.registry_value,
               flags.c.field_value, flags.c.other_value).where(
            flags.c.survey_id.is_(None), flags.c.status.in_(DECIDED_STATES)
        )
    )
    for row in rows:
        yield row.household_id, row.rule, row.path, evidence_key(
            jsoncol.loads(row.registry_value), jsoncol.loads(row.field_value),
            jsoncol.loads(row.other_value))


def evidence_key(registry_value: Any, field_value: Any, other_value: Any) -> str:
    """One string for the values a finding was about (equal values, equal strings)."""
    return jsoncol.dumps([registry_value, field_value, other_value])


# --- listing with keyset paging -------------------------------------------------------


def encode_cursor(created_at: str, flag_id: str) -> str:
    return base64.urlsafe_b64encode(f"{created_at}|{flag_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str] | None:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created_at, flag_id = base64.urlsafe_b64decode(padded).decode().split("|", 1)
    except (ValueError, UnicodeDecodeError):
        return None
    return created_at, flag_id


def query(
    conn: Connection,
    *,
    status: str | None = None,
    rule: str | None = None,
    region: str | None = None,
    allowed_regions: list[str] | None = None,
    household_id: str | None = None,
    after: tuple[str, str] | None = None,
    limit: int = 100,
) -> tuple[list[dict[str, Any]], bool]:
    """Flags oldest first; `allowed_regions` (prefixes) confines a supervisor."""
    conditions = []
    if status:
        conditions.append(flags.c.status == status)
    if rule:
        conditions.append(flags.c.rule == rule)
    if region:
        conditions.append(flags.c.region_code.startswith(region, autoescape=True))
    if allowed_regions is not None:
        conditions.append(
            or_(*[flags.c.region_code.startswith(p, autoescape=True) for p in allowed_regions])
            if allowed_regions
            else flags.c.flag_id.is_(None)
        )
    if household_id:
        conditions.append(flags.c.household_id == household_id)
    if after is not None:
        created_at, flag_id = after
        conditions.append(
            or_(
                flags.c.created_at > created_at,
                and_(flags.c.created_at == created_at, flags.c.flag_id > flag_id),
            )
        )
    rows = conn.execute(
        select(flags)
        .where(*conditions)
        .order_by(flags.c.created_at, flags.c.flag_id)
        .limit(limit + 1)
    ).mappings().all()
    return [to_dict(r) for r in rows[:limit]], len(rows) > limit
