"""Bulk writes of the registry import: many households per round trip.

`households.save_version` stores one household at a time, which is right for a survey
or a review but costs several statements per household. The import writes a chunk of
households with one `executemany` per table and otherwise keeps `save_version`'s
meaning exactly: the same canonical JSON (`jsoncol`), the same content hash, version 1
for a new household and +1 for a changed one, the members' NIK index replaced, one
pull-feed change per stored version. The caller holds the transaction, so each chunk,
and with it every household in it, lands whole or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, select

from server.store import bulk, feed, jsoncol
from server.store.tables import household_versions, households, members

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


@dataclass(frozen=True, slots=True)
class Current:
    version: int
    digest: str


# SQLite settings for the import's own connection. Each chunk fills several megabytes
# of pages: with the default 2 MB page cache and a checkpoint every 4 MB of log, the
# import spends more time copying pages than inserting them (measured: 4,300 → 9,600
# raw inserts of households a second). Per connection, and safe: durability is unchanged
# (WAL, synchronous=NORMAL); the log just grows to ~80 MB before it is folded back.
BULK_PRAGMAS = ("PRAGMA cache_size=-65536", "PRAGMA wal_autocheckpoint=20000")
NORMAL_PRAGMAS = ("PRAGMA cache_size=-2000", "PRAGMA wal_autocheckpoint=1000")


def bulk_settings(conn: Connection, *, on: bool = True) -> None:
    """Tune (or restore) the connection for bulk writes; nothing to do on PostgreSQL."""
    if conn.dialect.name != "sqlite":
        return
    for pragma in BULK_PRAGMAS if on else NORMAL_PRAGMAS:
        conn.exec_driver_sql(pragma)


# Built once: a statement made per chunk would coerce a thousand literals each time.
_CURRENT = select(
    households.c.household_id, households.c.version, households.c.content_hash
).where(households.c.household_id.in_(bindparam("ids", expanding=True)))


def current_state(conn: Connection, household_ids: Sequence[str]) -> dict[str, Current]:
    """Version and content hash of each household the registry already holds (one query)."""
    if not household_ids:
        return {}
    rows = conn.execute(_CURRENT, {"ids": list(household_ids)})
    return {r.household_id: Current(r.version, r.content_hash) for r in rows}


def current_bodies(conn: Connection, household_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The current household bodies (without `version`), for matching members on re-import."""
    if not household_ids:
        return {}
    rows = conn.execute(
        select(households.c.household_id, households.c.body)
        .where(households.c.household_id.in_(list(household_ids)))
    )
    return {r.household_id: jsoncol.loads(r.body) for r in rows}


def member_ids_ever(conn: Connection, household_ids: Sequence[str]) -> dict[str, set[str]]:
    """Every member_id each household has held in any version: ids are never reused."""
    held: dict[str, set[str]] = {hid: set() for hid in household_ids}
    if not household_ids:
        return held
    rows = conn.execute(
        select(household_versions.c.household_id, household_versions.c.body)
        .where(household_versions.c.household_id.in_(list(household_ids)))
    )
    for row in rows:
        body = jsoncol.loads(row.body)
        held[row.household_id].update(m["member_id"] for m in body.get("members", []))
    return held


def write_versions(
    conn: Connection,
    new: Iterable[StoredForm],
    changed: Iterable[tuple[StoredForm, int]],
    *,
    at: str,
    source: str = "import",
    source_id: str | None = None,
    actor: str | None = None,
) -> None:
    """Store `new` households as version 1 and `changed` ones as (form, current version) + 1.

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
