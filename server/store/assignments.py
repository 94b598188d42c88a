"""Which enumerator visits which household.

An assignment change goes on the pull feed twice over: the assignment itself, and the
household's current version so the laptop holds what it must verify.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, select

from server.store import feed, progress
from server.store.among import ByDialect
from server.store.tables import assignments, households
from server.timeutil import now_iso

# Only the household ids narrow this in SQL: given the enumerator too, SQLite (no table
# statistics) walks all of that enumerator's assignments instead.
_HOLDERS_OF = select(
    assignments.c.household_id, assignments.c.enumerator_id, assignments.c.status
).where(assignments.c.household_id.in_(bindparam("household_ids", expanding=True)))
_BY_IDS = select(
    assignments.c.assignment_id, assignments.c.household_id, assignments.c.status,
    assignments.c.note,
).where(assignments.c.assignment_id.in_(bindparam("ids", expanding=True)))
_EVER_ASSIGNED = ByDialect(lambda among: select(assignments.c.household_id).distinct().where(
    assignments.c.enumerator_id == bindparam("enumerator_id"),
    among(assignments.c.household_id, "ids"),
))


def assign_households(
    conn: Connection,
    enumerator_id: int,
    household_ids: list[str],
    *,
    status: str = "open",
    note: str | None = None,
) -> int:
    """Open an assignment for each household not already open for this enumerator."""
    at = now_iso()
    created = 0
    touched: list[str] = []
    for household_id in household_ids:
        existing = conn.execute(
            select(assignments.c.assignment_id, assignments.c.status).where(
                assignments.c.household_id == household_id,
                assignments.c.enumerator_id == enumerator_id,
                assignments.c.status != "cancelled",
            )
        ).first()
        if existing is not None and (existing.status == status or status == "open"):
            continue
        if existing is not None:
            assignment_id = existing.assignment_id
            conn.execute(
                assignments.update()
                .where(assignments.c.assignment_id == assignment_id)
                .values(status=status, note=note, updated_at=at)
            )
        else:
            assignment_id = str(uuid.uuid4())
            conn.execute(
                assignments.insert().values(
                    assignment_id=assignment_id,
                    household_id=household_id,
                    enumerator_id=enumerator_id,
                    status=status,
                    note=note,
                    created_at=at,
                    updated_at=at,
                )
            )
        feed.emit(conn, "assignment", assignment_id, household_id, enumerator_id)
        feed.emit(conn, "household", household_id, household_id)
        touched.append(household_id)
        created += 1
    progress.mark_villages_of(conn, touched)
    return created


def households_in_regions(conn: Connection, prefixes: list[str]) -> list[str]:
    ids: list[str] = []
    for prefix in prefixes:
        ids.extend(
            conn.execute(
                select(households.c.household_id)
                .where(households.c.region_code.startswith(prefix, autoescape=True))
                .order_by(households.c.household_id)
            ).scalars()
        )
    return ids


def cancel(conn: Connection, assignment_id: str) -> None:
    row = conn.execute(
        select(assignments).where(assignments.c.assignment_id == assignment_id)
    ).mappings().first()
    if row is None:
        return
    conn.execute(
        assignments.update()
        .where(assignments.c.assignment_id == assignment_id)
        .values(status="cancelled", updated_at=now_iso())
    )
    feed.emit(conn, "assignment", assignment_id, row["household_id"], row["enumerator_id"])
    progress.mark_villages_of(conn, [row["household_id"]])


def cancel_household(conn: Connection, household_id: str) -> int:
    """Cancel every live assignment of the household (it left the registry's enrolment):
    each enumerator's next pull takes it off the device. The number cancelled."""
    ids = list(conn.execute(
        select(assignments.c.assignment_id).where(
            assignments.c.household_id == household_id,
            assignments.c.status != "cancelled",
        ).order_by(assignments.c.assignment_id)
    ).scalars())
    for assignment_id in ids:
        cancel(conn, assignment_id)
    return len(ids)


def is_assigned(conn: Connection, enumerator_id: int, household_id: str, *, ever: bool) -> bool:
    """`ever=True` also counts cancelled assignments: a survey of a household reassigned
    after the visit is still accepted from the enumerator it was assigned to.

    Looked up by household (a handful of rows) and filtered here: by enumerator, SQLite
    would walk every assignment of a busy enumerator.
    """
    rows = conn.execute(
        select(assignments.c.enumerator_id, assignments.c.status).where(
            assignments.c.household_id == household_id
        )
    )
    return any(
        row.enumerator_id == enumerator_id and (ever or row.status != "cancelled") for row in rows
    )


def ever_assigned(conn: Connection, enumerator_id: int, household_ids: list[str]) -> set[str]:
    """Those of `household_ids` ever assigned to the enumerator (`is_assigned(ever=True)`)."""
    if not household_ids:
        return set()
    return set(conn.execute(
        _EVER_ASSIGNED.of(conn), {"enumerator_id": enumerator_id, "ids": household_ids}
    ).scalars())


def assigned_villages(conn: Connection, enumerator_id: int, *, ever: bool = False) -> set[str]:
    """Villages where the enumerator holds an assignment (for new-household proposals);
    with `ever`, also the cancelled ones, where pushes are still taken."""
    query = (
        select(households.c.region_code)
        .join(assignments, assignments.c.household_id == households.c.household_id)
        .where(assignments.c.enumerator_id == enumerator_id)
        .distinct()
    )
    if not ever:
        query = query.where(assignments.c.status != "cancelled")
    rows = conn.execute(query)
    return {r.region_code for r in rows}


def get(conn: Connection, assignment_id: str) -> dict[str, Any] | None:
    row = conn.execute(
        select(assignments).where(assignments.c.assignment_id == assignment_id)
    ).mappings().first()
    return dict(row) if row else None


def for_enumerator(conn: Connection, enumerator_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(assignments)
        .where(assignments.c.enumerator_id == enumerator_id)
        .order_by(assignments.c.created_at)
    ).mappings()
    return [dict(r) for r in rows]


def holders_of(conn: Connection, household_ids: list[str]) -> Sequence[Any]:
    """Every assignment (household_id, enumerator_id, status) of these households."""
    if not household_ids:
        return []
    return conn.execute(_HOLDERS_OF, {"household_ids": household_ids}).all()


def get_many(conn: Connection, assignment_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Assignments as a pull carries them (id, household, status, note), by id."""
    if not assignment_ids:
        return {}
    rows = conn.execute(_BY_IDS, {"ids": assignment_ids}).mappings()
    return {r["assignment_id"]: dict(r) for r in rows}
