"""The review queue's default view read from the kept tables (`server.store.flag_counts`).

A row per household, already ranked, walked in the (rank, oldest, household_id) index:
the first page of a province reads 50 rows, not its 235,000 open flags. Each answer is
the one `server.store.pages.queue` groups from the flags (its `grouped_` functions).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from server.store.regions import in_prefix, in_scope, in_scope_by_value, next_prefix
from server.store.tables import queue_households, queue_village_rules

_HOUSEHOLDS = queue_households.c
_RULES = queue_village_rules.c


def counts_by_rule(conn: Connection, prefixes: list[str] | None,
                   village: str | None) -> dict[str, int]:
    """Open flags per rule in the scope (and village), most first."""
    conditions = [in_scope(_RULES.region_code, prefixes)]
    if village:
        conditions.append(in_prefix(_RULES.region_code, village))
    rows = [(rule, int(n)) for rule, n in conn.execute(
        select(_RULES.rule, func.sum(_RULES.open_flags))
        .where(*conditions).group_by(_RULES.rule))]
    return dict(sorted(rows, key=lambda r: (-r[1], r[0])))


def villages(conn: Connection, prefixes: list[str] | None) -> list[tuple[str, int]]:
    """Villages of the scope with open flags, with how many, by code."""
    rows = conn.execute(
        select(_RULES.region_code, func.sum(_RULES.open_flags))
        .where(in_scope(_RULES.region_code, prefixes))
        .group_by(_RULES.region_code)
        .order_by(_RULES.region_code))
    return [(code, int(n)) for code, n in rows]


def straddles_scope(conn: Connection, prefixes: list[str] | None) -> bool:
    """Whether some household's open flags lie partly inside the scope, partly outside.

    Such a household's kept row (all its open flags) is not what grouping the scope's
    flags gives, so the view groups the flags instead. Each prefix is a range of codes,
    so a household whose least and greatest region lie in one prefix lies wholly in it;
    the households with flags in two villages are few (moved ones) and partially indexed.
    """
    if prefixes is None:
        return False
    for low, high in conn.execute(select(_HOUSEHOLDS.region_code, _HOUSEHOLDS.region_max)
                                  .where(_HOUSEHOLDS.region_code != _HOUSEHOLDS.region_max)):
        for prefix in prefixes:
            upper = next_prefix(prefix)
            touches = high >= prefix and (upper is None or low < upper)
            inside = low >= prefix and (upper is None or high < upper)
            if touches and not inside:
                return True
    return False


def households_page(conn: Connection, prefixes: list[str] | None, *,
                    offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    """(household_id, region_code, errors, warnings, notes, oldest) of one page, most
    severe then oldest first, and how many households in all.

    Walked in rank order with the region tested per row, unless the scope is villages
    (their few rows are best found by their region range).
    """
    walk = prefixes is not None and all(len(p) < 10 for p in prefixes)
    scope = (in_scope_by_value if walk else in_scope)(_HOUSEHOLDS.region_code, prefixes)
    rows = conn.execute(
        select(_HOUSEHOLDS.household_id, _HOUSEHOLDS.region_code, _HOUSEHOLDS.errors,
               _HOUSEHOLDS.warnings, _HOUSEHOLDS.notes, _HOUSEHOLDS.oldest)
        .where(scope).order_by(_HOUSEHOLDS.rank, _HOUSEHOLDS.oldest, _HOUSEHOLDS.household_id)
        .offset(offset).limit(limit)
    ).mappings().all()
    total = conn.execute(select(func.count()).select_from(queue_households)
                         .where(in_scope(_HOUSEHOLDS.region_code, prefixes))).scalar()
    return [dict(r) for r in rows], total or 0
