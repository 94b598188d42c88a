"""The append-only change log behind `GET /sync/pull`.

Rows only say *that* something changed; the pull reads the entity's state as it is at
pull time, so a page never carries a stale copy.

Why a cursor can be unsafe on PostgreSQL: writers run side by side, and a `seq` is taken
when the row is inserted, not when its transaction commits. A slow transaction may hold
seq 41 while a quick one commits seq 42; a pull that then hands out a cursor at 42 would
skip 41 for ever once it commits. So every write transaction, as it begins, announces the
highest seq already handed out (a transaction-scoped advisory lock keyed by the sequence's
current value, see `hold_position`); all seqs it takes later are above that key. A pull
passes no key still held (`position`'s high-water mark): it waits, it never skips.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    bindparam,
    func,
    literal,
    literal_column,
    null,
    select,
    text,
    true,
    union_all,
)

from server.store.tables import assignments, changes, meta
from server.timeutil import now_iso

# The sequence behind the BIGSERIAL `changes.seq` (PostgreSQL names it table_column_seq).
_SEQUENCE = "changes_seq_seq"

_HOLD = text(
    "SELECT pg_advisory_xact_lock_shared("
    f"coalesce(pg_sequence_last_value(to_regclass('{_SEQUENCE}')), 0))"
)

# Keys of the single-bigint advisory locks (objsubid 1) held in this database; the
# two-int form (objsubid 2) is left to other uses, such as `migrate.upgrade`.
_OLDEST_HELD = text(
    "SELECT min((classid::bigint << 32) | objid::bigint) FROM pg_locks "
    "WHERE locktype = 'advisory' AND objsubid = 1 AND granted "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)

_INSERT = changes.insert()
_LATEST = select(func.max(changes.c.seq))
_NEWEST_AT_OR_BELOW = (
    select(changes.c.seq, changes.c.at, changes.c.kind, changes.c.entity_id)
    .where(changes.c.seq <= bindparam("seq"))
    .order_by(changes.c.seq.desc())
    .limit(1)
)
_WINDOW = (
    select(changes.c.seq, changes.c.kind, changes.c.entity_id, changes.c.household_id,
           changes.c.enumerator_id)
    .where(changes.c.seq > bindparam("after"), changes.c.seq <= bindparam("high"))
    .order_by(changes.c.seq)
    .limit(bindparam("size"))
)
_LATER = select(changes.c.seq, changes.c.entity_id, changes.c.enumerator_id).where(
    changes.c.kind == bindparam("kind"),
    changes.c.entity_id.in_(bindparam("ids", expanding=True)),
    changes.c.seq > bindparam("end"),
    changes.c.seq <= bindparam("high"),
)

# The caller's share of (after, high], each entity once at its last change: changes of the
# households they are assigned (through their assignments, then the log by household),
# and assignment and flag changes addressed to them (the log by enumerator). Two indexed
# reads whose cost follows what the caller holds, not the length of the log.
_RANGE = (changes.c.seq > bindparam("after"), changes.c.seq <= bindparam("high"))
# Grouped by household_id (a household change names its household twice): grouped by
# (kind, entity_id), SQLite walked every household change in the log through the kind
# index to get that order for free, instead of starting from the caller's assignments.
_ASSIGNED_HOUSEHOLD_CHANGES = (
    select(func.max(changes.c.seq).label("seq"), changes.c.kind,
           changes.c.household_id.label("entity_id"))
    .select_from(assignments)
    .join(changes, changes.c.household_id == assignments.c.household_id)
    .where(assignments.c.enumerator_id == bindparam("user_id"),
           assignments.c.status != "cancelled", changes.c.kind == "household", *_RANGE)
    .group_by(changes.c.household_id, changes.c.kind)
)
_ADDRESSED_CHANGES = (
    select(func.max(changes.c.seq).label("seq"), changes.c.kind, changes.c.entity_id)
    .where(changes.c.enumerator_id == bindparam("user_id"), changes.c.kind != "household",
           *_RANGE)
    .group_by(changes.c.kind, changes.c.entity_id)
)
_CALLER_CHANGES = union_all(_ASSIGNED_HOUSEHOLD_CHANGES, _ADDRESSED_CHANGES).subquery()
_CALLER_PAGE = (
    select(_CALLER_CHANGES.c.seq, _CALLER_CHANGES.c.kind, _CALLER_CHANGES.c.entity_id)
    .order_by(_CALLER_CHANGES.c.seq)
    .limit(bindparam("size"))
)


def emit(
    conn: Connection,
    kind: str,
    entity_id: str,
    household_id: str,
    enumerator_id: int | None = None,
) -> None:
    # Parameters, not `.values()`: the statement stays the same object and compiles once
    # (a push emits a change per flag; building the statement cost 4x the insert).
    conn.execute(
        _INSERT,
        {
            "kind": kind,
            "entity_id": entity_id,
            "household_id": household_id,
            "enumerator_id": enumerator_id,
            "at": now_iso(),
        },
    )


def emit_households(conn: Connection, household_ids: list[str], at: str | None = None) -> None:
    """`emit(conn, "household", id, id)` for many households in one round trip (bulk import)."""
    from server.store.bulk import insert_rows

    at = at or now_iso()
    insert_rows(conn, changes, ("kind", "entity_id", "household_id", "enumerator_id", "at"),
                [("household", hid, hid, None, at) for hid in household_ids])


def emit_many(
    conn: Connection, rows: list[tuple[str, str, str, int | None]], at: str | None = None
) -> None:
    """`emit` for many (kind, entity_id, household_id, enumerator_id) in one driver call."""
    from server.store.bulk import insert_rows

    at = at or now_iso()
    insert_rows(conn, changes, ("kind", "entity_id", "household_id", "enumerator_id", "at"),
                [(*row, at) for row in rows])


def hold_position(conn: Connection) -> None:
    """PostgreSQL, first thing in every write transaction: keep pulls behind our changes.

    The key is the last seq handed out before this transaction could take one, so every
    seq it inserts is above it. Shared locks never wait on each other; the lock goes with
    the transaction (commit or rollback), never leaks. A transaction that writes no change
    holds pulls back only while it runs.
    """
    conn.execute(_HOLD)


# --- reading the log, for the pull ----------------------------------------------------

# Where the log stands, in one round trip (a pull with nothing new is all this): the
# database's instance id, the committed maximum, on PostgreSQL the oldest key still held,
# and the newest change at or below the caller's seq (the cursor's anchor). One statement
# reads one snapshot, and `pg_locks` is read live while it runs, after the snapshot was
# taken. That order is what makes the high-water mark safe: the committed maximum first,
# the held keys after, and the rows read in a later statement (READ COMMITTED: a fresh
# snapshot), so a writer that commits in between is either seen as held or as committed.
# On SQLite writers are serialised (BEGIN IMMEDIATE): seq order is commit order and
# every committed seq may be passed.
_ANCHOR = _NEWEST_AT_OR_BELOW.subquery("anchor")
_ONE = select(literal(1).label("one")).subquery("one")


def _position(held: bool) -> Any:
    instance = select(meta.c.value).where(meta.c.key == "instance_id").scalar_subquery()
    oldest = (literal_column(f"({_OLDEST_HELD.text})", BigInteger()) if held
              else null()).label("oldest_held")
    return (
        select(instance.label("instance_id"), _LATEST.scalar_subquery().label("latest"),
               oldest, _ANCHOR.c.seq, _ANCHOR.c.at, _ANCHOR.c.kind, _ANCHOR.c.entity_id)
        .select_from(_ONE.outerjoin(_ANCHOR, true()))
    )


_POSITION = {True: _position(True), False: _position(False)}


@dataclass(frozen=True, slots=True)
class Position:
    """Where the log stands for one pull: see `position`."""

    instance_id: str | None
    latest: int  # the highest seq committed, held or not
    high: int  # the highest seq a pull may pass: `latest`, kept below every held key
    anchor: Any | None  # (seq, at, kind, entity_id) of the newest change at or below `seq`


def position(conn: Connection, seq: int) -> Position:
    """The instance id, the committed maximum, the visible high-water mark and the anchor
    row of `seq`, in one statement; the same answers as `instance_id`, `latest_seq` and
    `newest_at_or_below(seq)` asked one after another."""
    postgres = conn.dialect.name == "postgresql"
    row = conn.execute(_POSITION[postgres], {"seq": seq}).one()
    latest = row.latest or 0
    high = latest if row.oldest_held is None else min(latest, row.oldest_held)
    anchor = None if row.seq is None else row
    return Position(row.instance_id, latest, high, anchor)



def latest_seq(conn: Connection) -> int:
    """The highest seq committed (0 for an empty log), held or not."""
    return conn.execute(_LATEST).scalar() or 0


def newest_at_or_below(conn: Connection, seq: int) -> Any | None:
    """The change row (seq, at, kind, entity_id) with the highest seq not above `seq`."""
    return conn.execute(_NEWEST_AT_OR_BELOW, {"seq": seq}).first()


def window(conn: Connection, after: int, high: int, size: int) -> Sequence[Any]:
    """Up to `size` change rows in (after, high], in seq order, whoever they concern."""
    return conn.execute(_WINDOW, {"after": after, "high": high, "size": size}).all()


def caller_changes(
    conn: Connection, user_id: int, after: int, high: int, size: int
) -> Sequence[Any]:
    """The first `size` of the enumerator's changes in (after, high], in seq order, each
    entity once at its last change there: (seq, kind, entity_id).

    What walking the log and picking the caller's rows gives, read through the indexes
    instead (assignments by enumerator, the log by household and by enumerator).
    """
    return conn.execute(
        _CALLER_PAGE, {"user_id": user_id, "after": after, "high": high, "size": size}
    ).all()


def later(conn: Connection, kind: str, entity_ids: list[str], end: int, high: int) -> Sequence[Any]:
    """The changes (seq, entity_id, enumerator_id) of these entities in (end, high]."""
    return conn.execute(
        _LATER, {"kind": kind, "ids": entity_ids, "end": end, "high": high}
    ).all()
