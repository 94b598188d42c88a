"""Bulk writes of the registry import: many households per round trip.

The import compares a chunk of households with what the registry holds (one query
each for versions, bodies and member ids ever used) and writes the new and changed
ones with `households.write_versions`, the same writer a review's `save_version`
uses. The caller holds the transaction, so each chunk, and with it every household
in it, lands whole or not at all.

A first import into an empty registry is a bulk load instead (`start_empty_load`,
`insert_new`, `finish_empty_load`), all in the caller's one transaction: the secondary
indexes of the tables it fills are dropped and built again once at the end (a sorted
build, not a random insert per row), and the history, change log and progress marks
are written set-wise from the loaded rows rather than row by row from Python.

On PostgreSQL (DDL is transactional there too) the rows go in with COPY, and the foreign
keys of the filled tables are dropped as well and checked again once at the end, one
join instead of a lookup and a row lock per row. The change log keeps its indexes: it is
appended in key order, so they only grow at their right edge, and a pull reading the log
meanwhile never waits on the load's locks (it sees the load's held position, see
`feed.hold_position`, and passes nothing until the load commits).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, insert, literal, null, select, text

from server.store import bulk, jsoncol, progress

# The import writes through the one version writer; named here too for its caller.
from server.store.households import StoredForm as StoredForm
from server.store.households import write_versions as write_versions
from server.store.tables import changes, household_versions, households, members


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


# Every index of the tables a bulk load fills except the primary keys (SQLite's own
# `sqlite_autoindex_…`, which have no SQL): read from the database, so an index a
# migration made comes back exactly as it was.
_FILLED_TABLES = ("households", "household_versions", "members", "changes")
_SECONDARY_INDEXES = text(
    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
    f"AND tbl_name IN ({', '.join(repr(t) for t in _FILLED_TABLES)}) ORDER BY name"
)
_ANY_HOUSEHOLD = select(households.c.household_id).limit(1)

# PostgreSQL: the same, less the change log (see the module docstring), and without the
# indexes behind constraints (primary keys, unique constraints). `pg_get_indexdef` and
# `pg_get_constraintdef` give the statements that make them again as they were.
_POSTGRES_FILLED = "('households', 'household_versions', 'members')"
_POSTGRES_INDEXES = text(
    "SELECT i.relname AS name, pg_get_indexdef(i.oid) AS sql FROM pg_index x "
    "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
    "WHERE t.relnamespace = current_schema()::regnamespace "
    f"AND t.relname IN {_POSTGRES_FILLED} "
    "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) "
    "ORDER BY i.relname"
)
_POSTGRES_FOREIGN_KEYS = text(
    "SELECT t.relname AS table_name, c.conname AS name, "
    "pg_get_constraintdef(c.oid) AS definition FROM pg_constraint c "
    "JOIN pg_class t ON t.oid = c.conrelid WHERE c.contype = 'f' "
    f"AND t.relnamespace = current_schema()::regnamespace AND t.relname IN {_POSTGRES_FILLED} "
    "ORDER BY t.relname, c.conname"
)
# Taken before the registry is found empty: a second import (or any other writer of
# households) waits until this one commits, instead of loading beside it. Readers go on.
_POSTGRES_LOCK = text("LOCK TABLE households IN SHARE ROW EXCLUSIVE MODE")
# The index builds at the end sort in memory rather than in temporary files.
_POSTGRES_BUILD_MEMORY = text("SET LOCAL maintenance_work_mem = '256MB'")


@dataclass(frozen=True, slots=True)
class EmptyLoad:
    """A bulk load under way: the indexes (name, SQL) and, on PostgreSQL, the foreign keys
    (table, name, definition) to make again when it is finished."""

    indexes: tuple[tuple[str, str], ...]
    foreign_keys: tuple[tuple[str, str, str], ...] = ()


def start_empty_load(conn: Connection) -> EmptyLoad | None:
    """Inside the caller's write transaction: when the registry holds no household, drop
    the secondary indexes (and on PostgreSQL the foreign keys) of the tables the import
    fills and return the load; otherwise None and nothing done.

    The caller's transaction must last until `finish_empty_load`: a crash or an error
    before its commit leaves the registry empty with every index, as it was.
    """
    postgres = conn.dialect.name == "postgresql"
    if not postgres and conn.dialect.name != "sqlite":
        return None
    if postgres:
        conn.execute(_POSTGRES_LOCK)
    if conn.execute(_ANY_HOUSEHOLD).first() is not None:
        return None
    quote = conn.dialect.identifier_preparer.quote
    if not postgres:
        indexes = tuple((row.name, row.sql) for row in conn.execute(_SECONDARY_INDEXES))
        for name, _ in indexes:
            conn.exec_driver_sql(f"DROP INDEX {quote(name)}")
        return EmptyLoad(indexes)
    indexes = tuple((row.name, row.sql) for row in conn.execute(_POSTGRES_INDEXES))
    foreign_keys = tuple((row.table_name, row.name, row.definition)
                         for row in conn.execute(_POSTGRES_FOREIGN_KEYS))
    for table, name, _ in foreign_keys:
        conn.exec_driver_sql(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
    for name, _ in indexes:
        conn.exec_driver_sql(f"DROP INDEX {quote(name)}")
    return EmptyLoad(indexes, foreign_keys)


def insert_new(conn: Connection, forms: Sequence[StoredForm], at: str) -> None:
    """A chunk of new households as version 1 with their NIK rows, during an empty load."""
    forms = sorted(forms, key=lambda f: f.household_id)
    bulk.insert_rows(
        conn, households,
        ("household_id", "region_code", "version", "body", "content_hash",
         "verification_state", "updated_at"),
        [(f.household_id, f.region_code, 1, f.text, f.digest, "unverified", at) for f in forms],
    )
    bulk.insert_rows(conn, members, ("household_id", "member_id", "nik", "status"),
                   [(f.household_id, *member) for f in forms for member in f.members])


def finish_empty_load(
    conn: Connection, load: EmptyLoad, *, source: str, source_id: str | None,
    actor: str | None,
) -> None:
    """What `write_versions` writes beside the rows, for every loaded household at once:
    its history entry (version 1), one pull-feed change, the progress marks of its
    village; then the dropped indexes are built again. Still in the caller's transaction.
    """
    conn.execute(insert(household_versions).from_select(
        ["household_id", "version", "source", "source_id", "actor", "at", "body"],
        select(households.c.household_id, literal(1), literal(source), literal(source_id),
               literal(actor), households.c.updated_at, households.c.body),
    ))
    conn.execute(insert(changes).from_select(
        ["kind", "entity_id", "household_id", "enumerator_id", "at"],
        select(literal("household"), households.c.household_id, households.c.household_id,
               null(), households.c.updated_at).order_by(households.c.household_id),
    ))
    progress.mark_all(conn)
    if conn.dialect.name == "postgresql":
        conn.execute(_POSTGRES_BUILD_MEMORY)
    for _, sql in load.indexes:
        conn.exec_driver_sql(sql)
    quote = conn.dialect.identifier_preparer.quote
    for table, name, definition in load.foreign_keys:
        conn.exec_driver_sql(
            f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")


def refresh_statistics(conn: Connection) -> None:
    """PostgreSQL, after a bulk load: the planner's row counts of the tables it filled.

    Until autovacuum comes round, a table loaded in one transaction still looks empty to
    the planner, which then walks the whole change log for a first pull instead of
    starting from the caller's assignments (measured: 74 ms instead of under 1 ms at
    30,000 households, 0.38 s at a million). SQLite plans without these statistics.
    """
    if conn.dialect.name != "postgresql":
        return
    conn.exec_driver_sql("ANALYZE households, household_versions, members, changes")


def fold_log(conn: Connection) -> None:
    """SQLite: fold the write-ahead log back into the database and truncate it.

    After a bulk load in one transaction the log is as large as the data loaded; a
    checkpoint (durability unchanged: it only copies committed pages) gives the disk back.
    Call it outside a transaction; inside one it does nothing.
    """
    if conn.dialect.name != "sqlite" or conn.in_transaction():
        return
    # On the driver's connection: SQLAlchemy would begin a transaction first, and SQLite
    # refuses a checkpoint inside one.
    driver = conn.connection.driver_connection
    assert driver is not None
    driver.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
