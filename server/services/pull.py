"""The pull feed, by cursor: what changed for one enumerator since they last asked.

A cursor is `<database instance id>.<last change seq>.<anchor>`. One from another
database (a rebuilt server) or from the future is unknown: `cursor_expired`, and the
agent starts over while keeping its outbox. Changes say only *that* something changed;
each is answered with the entity as it is now, once per page.

The anchor fingerprints the newest change at or below the seq. It catches a restore to
an older backup of the same database: the instance id is the same, and once new writes
have pushed the seq past the agent's cursor the number alone looks valid, but the rows
behind it are other rows, so the fingerprint differs and the agent starts over instead of
silently skipping what was written after the restore.

Finding the caller's changes: close to the high-water mark (the usual incremental pull)
the log is walked from the cursor; far from it (a first pull, a pull after
`cursor_expired`, a cursor behind a big import) the caller's share is read through the
indexes, so the cost follows what the enumerator receives, not the log's length. Both
answer alike (tests/server/services/test_pull_paths.py); the cursor is computed the same
way for both, so the in-flight-writer guarantee of `feed.position` holds.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Connection

from server.errors import CursorExpired
from server.store import assignments as assignment_store
from server.store import feed
from server.store import flags as flag_store
from server.store import households as household_store
from server.store.schema import instance_id

MIN_WINDOW = 500  # change rows read per step, however small the page
# Above this many change rows between the cursor and the high-water mark, a pull reads the
# caller's share through the indexes instead of walking the log (the two answer alike).
WALK_LIMIT = 5000


def _cursor_seq(conn: Connection, cursor: str | None) -> int:
    """The seq the cursor names, from its text alone (checked against the log by `_check`)."""
    if not cursor:
        return 0
    parts = cursor.split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        raise CursorExpired()
    return int(parts[1])


def _check(cursor: str | None, seq: int, where: feed.Position) -> None:
    if where.instance_id is None:
        raise RuntimeError("database not initialised: run `verivali-server init`")
    if not cursor:
        return
    instance, _seq, anchor = cursor.split(".")
    if instance != where.instance_id or seq > where.latest or anchor != _fingerprint(where.anchor):
        raise CursorExpired()


def make_cursor(conn: Connection, seq: int) -> str:
    return f"{instance_id(conn)}.{seq}.{_anchor(conn, seq)}"


def _anchor(conn: Connection, seq: int) -> str:
    """A short fingerprint of the newest change row at or below `seq` ("0": none)."""
    return _fingerprint(feed.newest_at_or_below(conn, seq))


def _fingerprint(row: Any | None) -> str:
    if row is None:
        return "0"
    text = f"{row.seq}|{row.at}|{row.kind}|{row.entity_id}"
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def pull(conn: Connection, user_id: int, cursor: str | None, limit: int) -> dict[str, Any]:
    after = _cursor_seq(conn, cursor)
    # The cursor's checks and the high-water mark in one statement (feed.position).
    where = feed.position(conn, after)
    _check(cursor, after, where)
    high = where.high
    if cursor and high <= after:
        # Nothing visible after the cursor (the usual pull of a laptop that is up to
        # date): the same answer the walk gives, without walking; the cursor stays.
        return {"changes": [], "cursor": cursor, "has_more": False}
    first = after == 0
    walked = high - after <= WALK_LIMIT
    rows = (_walked_rows if walked else _indexed_rows)(conn, user_id, after, high, limit)
    has_more = len(rows) > limit
    rows = rows[:limit]
    # Past the page's last row when more remain; else everything up to `high` was seen.
    end = rows[-1].seq if has_more else max(high, after)
    if walked:
        rows = _last_changes(conn, user_id, rows, end, high, has_more)
    current = _current(conn, rows)
    out: list[dict[str, Any]] = []
    for row in rows:
        change = _render(current[row.kind].get(row.entity_id), row.kind, first)
        if change is not None:
            out.append({"seq": row.seq, "kind": row.kind, row.kind: change})
    return {"changes": out, "cursor": _cursor(conn, where, after, end), "has_more": has_more}


def _cursor(conn: Connection, where: feed.Position, after: int, seq: int) -> str:
    """`make_cursor(conn, seq)`, reusing what `where` read when `seq` is still `after`."""
    anchor = _fingerprint(where.anchor) if seq == after else _anchor(conn, seq)
    return f"{where.instance_id}.{seq}.{anchor}"


def _last_changes(
    conn: Connection, user_id: int, rows: list[Any], end: int, high: int, has_more: bool
) -> list[Any]:
    """Each entity of a walked page once, at the position of its last change: in this page,
    or in a later page when it changes again before `high` (so a first pull carries a
    household once, not once for its import and again for its assignment)."""
    last_seq = {(r.kind, r.entity_id): r.seq for r in rows}
    if has_more:
        last_seq.update(_changed_later(conn, user_id, rows, end, high))
    return [r for r in rows if last_seq[(r.kind, r.entity_id)] == r.seq]


def _indexed_rows(conn: Connection, user_id: int, after: int, high: int, limit: int) -> list[Any]:
    """The first `limit + 1` of the caller's changes in (after, high], each entity at its
    last change, read through the indexes: the cost follows what the caller holds (a first
    pull, or a cursor far behind a big import), not the length of the log."""
    return list(feed.caller_changes(conn, user_id, after, high, limit + 1))


def _walked_rows(conn: Connection, user_id: int, after: int, high: int, limit: int) -> list[Any]:
    """The first `limit + 1` changes in (after, high] for this enumerator, in seq order.

    The change log is walked by its primary key a window at a time and the caller's rows
    picked out here: households assigned to them, and assignments and flags addressed to
    them. Cheap when the cursor is close to `high` (the usual incremental pull); asked as
    one OR in SQL, SQLite fetched every household change in the log through the kind index
    and sorted them, on every page.
    """
    picked: list[Any] = []
    while len(picked) <= limit and after < high:
        size = max(limit + 1, MIN_WINDOW)
        window = feed.window(conn, after, high, size)
        if not window:
            break
        assigned = _assigned_among(
            conn, user_id, {row.household_id for row in window if row.kind == "household"}
        )
        for row in window:
            if (row.household_id in assigned if row.kind == "household"
                    else row.enumerator_id == user_id):
                picked.append(row)
                if len(picked) > limit:
                    break
        after = window[-1].seq
    return picked


def _assigned_among(conn: Connection, user_id: int, household_ids: set[str]) -> set[str]:
    """Which of these households the enumerator holds an open or revisit assignment for."""
    rows = assignment_store.holders_of(conn, list(household_ids))
    return {r.household_id for r in rows if r.enumerator_id == user_id and r.status != "cancelled"}


def _changed_later(
    conn: Connection, user_id: int, rows: list[Any], end: int, high: int
) -> dict[tuple[str, str], int]:
    """Entities of this page that change again in (end, high], where this caller will get
    them: a household's later change concerns the same household (assigned to them, or it
    would not be on this page), an assignment's or flag's must be addressed to them."""
    ids: dict[str, set[str]] = {}
    for row in rows:
        ids.setdefault(row.kind, set()).add(row.entity_id)
    later: dict[tuple[str, str], int] = {}
    for kind, entity_ids in ids.items():
        for r in feed.later(conn, kind, list(entity_ids), end, high):
            if kind == "household" or r.enumerator_id == user_id:
                later[(kind, r.entity_id)] = max(r.seq, later.get((kind, r.entity_id), 0))
    return later


def _current(conn: Connection, rows: list[Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """The page's entities as they are now, by kind and id: one query per kind, not per row."""
    ids: dict[str, list[str]] = {"household": [], "assignment": [], "flag": []}
    for row in rows:
        ids[row.kind].append(row.entity_id)
    found = {
        "household": household_store.get_many(conn, ids["household"]),
        "flag": flag_store.get_many(conn, ids["flag"]),
        "assignment": assignment_store.get_many(conn, ids["assignment"]),
    }
    return found


def _render(entity: dict[str, Any] | None, kind: str, first: bool) -> dict[str, Any] | None:
    """The change's payload; a first pull leaves out cancelled assignments and closed flags."""
    if entity is None or kind == "household":
        return entity
    if kind == "assignment":
        return None if first and entity["status"] == "cancelled" else entity
    return None if first and entity["status"] not in flag_store.OPEN_STATES else entity
