"""The review queue's reads: open flags in a scope, oldest first, by keyset pages.

Keyset paging (`created_at`, `flag_id`) costs the same on page 1 and page 400 of a
regency's 20,000 open flags, where OFFSET would read and drop every earlier row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Select, and_, func, or_, select

from ...store import flags as flag_store
from ...store.tables import flags
from ..regions import in_prefix, in_scope

QUEUE_STATUSES = ("open", "revisit")


@dataclass(frozen=True)
class QueueFilter:
    village: str | None = None  # any region prefix inside the user's scope
    rule: str | None = None
    severity: str | None = None
    min_age_days: int | None = None
    status: str = "open"


@dataclass
class QueuePage:
    rows: list[dict[str, Any]]
    next_cursor: str | None = None
    prev_cursor: str | None = None
    counts: dict[str, int] = field(default_factory=dict)


def _cutoff(days: int, now: datetime | None = None) -> str:
    moment = (now or datetime.now(UTC)) - timedelta(days=days)
    return moment.isoformat(timespec="microseconds")


def _conditions(prefixes: list[str] | None, flt: QueueFilter, *, with_rule: bool = True) -> list[Any]:
    conditions: list[Any] = [flags.c.status == flt.status, in_scope(flags.c.region_code, prefixes)]
    if flt.village:
        conditions.append(in_prefix(flags.c.region_code, flt.village))
    if with_rule and flt.rule:
        conditions.append(flags.c.rule == flt.rule)
    if flt.severity:
        conditions.append(flags.c.severity == flt.severity)
    if flt.min_age_days:
        conditions.append(flags.c.created_at <= _cutoff(flt.min_age_days))
    return conditions


def walk_in_order(stmt: Select[Any], rule: str | None, village: str | None) -> Select[Any]:
    """On SQLite, walk the (status, [rule,] created_at) index unless one village is asked for.

    Without statistics SQLite prefers the region range and then sorts every open flag of
    a regency (20,000) to return 51; walking in order stops after 51. A single village
    has few flags, and its range is the better path there.
    """
    if village is not None and len(village) == 10:
        return stmt
    index = "ix_flags_rule_order" if rule else "ix_flags_queue_order"
    return stmt.with_hint(flags, f"INDEXED BY {index}", "sqlite")


def _row(mapping: Any) -> dict[str, Any]:
    return {**flag_store.to_dict(mapping), "region_code": mapping["region_code"]}


def page(
    conn: Connection,
    prefixes: list[str] | None,
    flt: QueueFilter,
    *,
    after: tuple[str, str] | None = None,
    before: tuple[str, str] | None = None,
    limit: int = 50,
) -> QueuePage:
    """One page of the queue, oldest first; `after`/`before` are keyset cursors."""
    conditions = _conditions(prefixes, flt)
    order = (flags.c.created_at, flags.c.flag_id)
    if before is not None:
        created_at, flag_id = before
        conditions.append(or_(flags.c.created_at < created_at,
                              and_(flags.c.created_at == created_at, flags.c.flag_id < flag_id)))
        order = (flags.c.created_at.desc(), flags.c.flag_id.desc())
    elif after is not None:
        created_at, flag_id = after
        conditions.append(or_(flags.c.created_at > created_at,
                              and_(flags.c.created_at == created_at, flags.c.flag_id > flag_id)))
    stmt = select(flags).where(*conditions).order_by(*order).limit(limit + 1)
    fetched = conn.execute(walk_in_order(stmt, flt.rule, flt.village)).mappings().all()
    more = len(fetched) > limit
    rows = [_row(r) for r in fetched[:limit]]
    if before is not None:
        rows.reverse()
        has_prev, has_next = more, True
    else:
        has_prev, has_next = after is not None, more
    result = QueuePage(rows)
    if rows and has_next:
        result.next_cursor = flag_store.encode_cursor(rows[-1]["created_at"], rows[-1]["flag_id"])
    if rows and has_prev:
        result.prev_cursor = flag_store.encode_cursor(rows[0]["created_at"], rows[0]["flag_id"])
    return result


def counts_by_rule(conn: Connection, prefixes: list[str] | None, flt: QueueFilter) -> dict[str, int]:
    """Open flags per rule under every filter but the rule itself (the rule chooser)."""
    rows = conn.execute(
        select(flags.c.rule, func.count())
        .where(*_conditions(prefixes, flt, with_rule=False))
        .group_by(flags.c.rule)
    )
    return {r[0]: r[1] for r in sorted(rows, key=lambda r: (-r[1], r[0]))}


def villages(conn: Connection, prefixes: list[str] | None, status: str = "open") -> list[tuple[str, int]]:
    """Villages of the scope that have flags in `status`, with how many."""
    rows = conn.execute(
        select(flags.c.region_code, func.count())
        .where(flags.c.status == status, in_scope(flags.c.region_code, prefixes))
        .group_by(flags.c.region_code)
        .order_by(flags.c.region_code)
    )
    return [(r[0], r[1]) for r in rows]
