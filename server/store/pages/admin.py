"""Reads behind the admin pages: enumerators, their work per village, what to move."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, or_, select

from server.store.regions import in_prefix, in_scope
from server.store.tables import assignments, households, users


def enumerators(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(users.c.user_id, users.c.name, users.c.active)
        .where(users.c.role == "enumerator")
        .order_by(users.c.name)
    ).mappings()
    return [dict(r) for r in rows]


def summary(conn: Connection, prefixes: list[str] | None) -> list[dict[str, Any]]:
    """Open and revisit assignments per enumerator and village, in the admin's scope."""
    rows = conn.execute(
        select(users.c.name, households.c.region_code, assignments.c.status, func.count())
        .select_from(
            assignments.join(households, households.c.household_id == assignments.c.household_id)
            .join(users, users.c.user_id == assignments.c.enumerator_id)
        )
        .where(assignments.c.status != "cancelled", in_scope(households.c.region_code, prefixes))
        .group_by(users.c.name, households.c.region_code, assignments.c.status)
        .order_by(users.c.name, households.c.region_code)
    )
    table: dict[tuple[str, str], dict[str, Any]] = {}
    for name, region, status, n in rows:
        entry = table.setdefault((name, region), {"enumerator": name, "region_code": region,
                                                  "open": 0, "revisit": 0})
        entry[status] = entry.get(status, 0) + n
    return list(table.values())


def regions_of(conn: Connection, household_ids: list[str]) -> dict[str, str]:
    """household_id → region for the ids the registry holds (unknown ids are absent)."""
    found: dict[str, str] = {}
    for start in range(0, len(household_ids), 500):
        chunk = household_ids[start:start + 500]
        for household_id, region in conn.execute(
            select(households.c.household_id, households.c.region_code)
            .where(households.c.household_id.in_(chunk))
        ):
            found[household_id] = region
    return found


def live_assignments(conn: Connection, enumerator_id: int, region_prefixes: list[str],
                     household_ids: list[str]) -> list[dict[str, Any]]:
    """The enumerator's open or revisit assignments in these regions or households."""
    choices = [in_prefix(households.c.region_code, p) for p in region_prefixes]
    if household_ids:
        choices.append(assignments.c.household_id.in_(household_ids))
    if not choices:
        return []
    rows = conn.execute(
        select(assignments.c.assignment_id, assignments.c.household_id, assignments.c.status)
        .select_from(assignments.join(households,
                                      households.c.household_id == assignments.c.household_id))
        .where(assignments.c.enumerator_id == enumerator_id,
               assignments.c.status != "cancelled", or_(*choices))
        .order_by(assignments.c.household_id)
    ).mappings()
    return [dict(r) for r in rows]
