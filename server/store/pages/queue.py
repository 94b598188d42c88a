"""The review queue's reads: open flags in a scope, oldest first, by keyset pages.

Keyset paging (`created_at`, `flag_id`) costs the same on page 1 and page 400 of a
regency's 20,000 open flags, where OFFSET would read and drop every earlier row.

The default view (open flags, no other filter) by household, its counts per rule and its
village list read the tables `server.store.flag_counts` keeps (`queue_kept`), recounted
by the caller (`flag_counts.refresh`) before reading; any other filter groups the flags
themselves (the `grouped_` functions, which give the same answer on the default view).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, RowMapping, and_, case, func, or_, select

from server.store import flags as flag_store
from server.store import jsoncol
from server.store.pages import queue_kept as kept
from server.store.regions import in_prefix, in_scope, in_scope_by_value
from server.store.tables import flags, households

QUEUE_STATUSES = ("open", "revisit")


@dataclass(frozen=True)
class QueueFilter:
    village: str | None = None  # any region prefix inside the user's scope
    rule: str | None = None
    severity: str | None = None
    min_age_days: int | None = None
    status: str = "open"
    hide_notes: bool = False  # leave out the low-priority notes (severity info)


@dataclass
class QueuePage:
    rows: list[dict[str, Any]]
    next_cursor: str | None = None
    prev_cursor: str | None = None
    counts: dict[str, int] = field(default_factory=dict)


def _cutoff(days: int, now: datetime | None = None) -> str:
    moment = (now or datetime.now(UTC)) - timedelta(days=days)
    return moment.isoformat(timespec="microseconds")


def walks_in_order(village: str | None) -> bool:
    """List oldest first by walking the (status, [rule,] created_at) index, unless one
    village is asked for: its few flags are best found by their region range.

    Given a region range, SQLite (without statistics) reads and sorts every open flag of
    a regency (20,000) to return 51; walking in order stops after 51.
    """
    return village is None or len(village) < 10


def region_conditions(prefixes: list[str] | None, village: str | None, walk: bool) -> list[Any]:
    """The user's scope and the village filter, as index ranges or as plain tests."""
    scope_test = in_scope_by_value if walk else in_scope
    conditions = [scope_test(flags.c.region_code, prefixes)]
    if village:
        conditions.append(scope_test(flags.c.region_code, [village]) if walk
                          else in_prefix(flags.c.region_code, village))
    return conditions


def _conditions(prefixes: list[str] | None, flt: QueueFilter, *, with_rule: bool = True,
                walk: bool = False) -> list[Any]:
    conditions: list[Any] = [flags.c.status == flt.status,
                             *region_conditions(prefixes, flt.village, walk)]
    if with_rule and flt.rule:
        conditions.append(flags.c.rule == flt.rule)
    if flt.severity:
        conditions.append(flags.c.severity == flt.severity)
    if flt.min_age_days:
        conditions.append(flags.c.created_at <= _cutoff(flt.min_age_days))
    if flt.hide_notes:
        conditions.append(flags.c.severity != "info")
    return conditions


def _row(mapping: RowMapping) -> dict[str, Any]:
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
    conditions = _conditions(prefixes, flt, walk=walks_in_order(flt.village))
    order: tuple[ColumnElement[Any], ...] = (flags.c.created_at, flags.c.flag_id)
    if before is not None:
        created_at, flag_id = before
        conditions.append(or_(flags.c.created_at < created_at,
                              and_(flags.c.created_at == created_at, flags.c.flag_id < flag_id)))
        order = (flags.c.created_at.desc(), flags.c.flag_id.desc())
    elif after is not None:
        created_at, flag_id = after
        conditions.append(or_(flags.c.created_at > created_at,
                              and_(flags.c.created_at == created_at, flags.c.flag_id > flag_id)))
    fetched = conn.execute(
        select(flags).where(*conditions).order_by(*order).limit(limit + 1)
    ).mappings().all()
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


def is_default(flt: QueueFilter) -> bool:
    """Open flags of the whole scope, nothing else asked: the view the kept tables hold."""
    return flt == QueueFilter()


def counts_are_kept(flt: QueueFilter) -> bool:
    """The rule chooser ignores the rule; the kept counts answer any village too."""
    return (flt.status == "open" and not flt.severity and not flt.min_age_days
            and not flt.hide_notes)


def counts_by_rule(conn: Connection, prefixes: list[str] | None, flt: QueueFilter) -> dict[str, int]:
    """Open flags per rule under every filter but the rule itself (the rule chooser)."""
    if counts_are_kept(flt):
        return kept.counts_by_rule(conn, prefixes, flt.village)
    return grouped_counts_by_rule(conn, prefixes, flt)


def grouped_counts_by_rule(conn: Connection, prefixes: list[str] | None,
                           flt: QueueFilter) -> dict[str, int]:
    """`counts_by_rule` counted from the flags themselves (any filter)."""
    rows = conn.execute(
        select(flags.c.rule, func.count())
        .where(*_conditions(prefixes, flt, with_rule=False))
        .group_by(flags.c.rule)
    )
    return {r[0]: r[1] for r in sorted(rows, key=lambda r: (-r[1], r[0]))}


def villages(conn: Connection, prefixes: list[str] | None, status: str = "open") -> list[tuple[str, int]]:
    """Villages of the scope that have flags in `status`, with how many."""
    if status == "open":
        return kept.villages(conn, prefixes)
    return grouped_villages(conn, prefixes, status)


def grouped_villages(conn: Connection, prefixes: list[str] | None,
                     status: str = "open") -> list[tuple[str, int]]:
    """`villages` counted from the flags themselves (any status)."""
    rows = conn.execute(
        select(flags.c.region_code, func.count())
        .where(flags.c.status == status, in_scope(flags.c.region_code, prefixes))
        .group_by(flags.c.region_code)
        .order_by(flags.c.region_code)
    )
    return [(r[0], r[1]) for r in rows]


def _severity_count(severity: str) -> ColumnElement[Any]:
    return func.sum(case((flags.c.severity == severity, 1), else_=0))


def households_page(conn: Connection, prefixes: list[str] | None, flt: QueueFilter, *,
                    offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    """One page of the households with flags under the filter, and how many there are.

    Most severe first (any error, then any warning), then the oldest finding first: the
    household a supervisor should open next is on top. Paged by offset, since a regency
    has a few thousand such households and the page number is what a supervisor reads.
    """
    if is_default(flt) and not kept.straddles_scope(conn, prefixes):
        rows, total = kept.households_page(conn, prefixes, offset=offset, limit=limit)
        heads = head_names(conn, [r["household_id"] for r in rows])
        return [{**r, "head_name": heads.get(r["household_id"])} for r in rows], total
    return grouped_households_page(conn, prefixes, flt, offset=offset, limit=limit)


def grouped_households_page(conn: Connection, prefixes: list[str] | None, flt: QueueFilter,
                            *, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    """`households_page` grouped from the flags themselves (any filter)."""
    conditions = _conditions(prefixes, flt)
    errors, warnings, notes = (_severity_count(s) for s in ("error", "warning", "info"))
    oldest = func.min(flags.c.created_at)
    rank = case((errors > 0, 0), (warnings > 0, 1), else_=2)
    # One pass over the flags: the window count gives the number of households with the
    # page (a separate COUNT would group every open flag of the regency a second time).
    rows = conn.execute(
        select(flags.c.household_id, func.min(flags.c.region_code).label("region_code"),
               errors.label("errors"), warnings.label("warnings"), notes.label("notes"),
               oldest.label("oldest"), func.count().over().label("total"))
        .where(*conditions).group_by(flags.c.household_id)
        .order_by(rank, oldest, flags.c.household_id).offset(offset).limit(limit)
    ).mappings().all()
    if rows:
        total = rows[0]["total"]
    else:  # past the last page: count on its own
        counted = select(flags.c.household_id).where(*conditions).group_by(flags.c.household_id)
        total = conn.execute(select(func.count()).select_from(counted.subquery())).scalar() or 0
    heads = head_names(conn, [r["household_id"] for r in rows])
    return [{**{k: v for k, v in r.items() if k != "total"},
             "head_name": heads.get(r["household_id"])} for r in rows], total


def head_names(conn: Connection, household_ids: list[str]) -> dict[str, str]:
    """The name of each household's head in the registry (a proposal has none yet)."""
    return {household_id: people[""] for household_id, people in
            member_names(conn, household_ids).items() if "" in people}


def member_names(conn: Connection, household_ids: list[str]) -> dict[str, dict[str, str]]:
    """household_id → member_id → name in the registry, the head also under ""."""
    if not household_ids:
        return {}
    rows = conn.execute(
        select(households.c.household_id, households.c.body)
        .where(households.c.household_id.in_(household_ids))
    )
    names: dict[str, dict[str, str]] = {}
    for household_id, body in rows:
        people = names.setdefault(household_id, {})
        for member in jsoncol.loads(body).get("members") or []:
            if member.get("name"):
                people[member["member_id"]] = member["name"]
                if member.get("relationship") == "head":
                    people.setdefault("", member["name"])
    return names


def matching_flags(conn: Connection, prefixes: list[str] | None, flt: QueueFilter, *,
                   household_ids: list[str] | None = None,
                   limit: int) -> tuple[list[str], int]:
    """(up to `limit` ids, how many in all) of the flags under the filter: a bulk
    decision's selection, optionally only those of some households. Ordered by
    household, so a decision takes each household's lock once and in one order."""
    conditions = _conditions(prefixes, flt)
    if household_ids is not None:
        conditions.append(flags.c.household_id.in_(household_ids))
    total = conn.execute(select(func.count()).select_from(flags).where(*conditions)).scalar()
    ids = conn.execute(
        select(flags.c.flag_id).where(*conditions)
        .order_by(flags.c.household_id, flags.c.created_at, flags.c.flag_id).limit(limit)
    ).scalars().all()
    return list(ids), total or 0
