"""The dashboard's counts per village, kept in tables and recounted only where they changed.

Counting a regency's households per view grows with the registry (a province of a
million households took seconds a view). Instead every write that can change a village's
counts (a household stored or moved, its verification set, an assignment opened or
cancelled, a survey received) appends a mark naming the village; the dashboard recounts
the marked villages of its region (`refresh`), then reads a row per village.

Why marks are only ever inserted, and why `refresh` deletes exactly the marks it read
under an advisory lock: `server.store.marks`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Row, case, func, insert, literal, select

from server.store import bulk
from server.store.among import ByDialect
from server.store.marks import chunks, recount_marked
from server.store.regions import in_prefix
from server.store.tables import (
    assignments,
    households,
    progress_marks,
    surveys,
    village_enumerators,
    village_progress,
)

COUNTS = ("households", "assigned", "visited", "verified", "flagged", "not_found")
# The recount lock's kind (store/marks.py); 3 is the review queue's (store/flag_counts.py).
_LOCK_KIND = 2


_MARK_VILLAGES_OF = ByDialect(lambda among: insert(progress_marks).from_select(
    ["region_code"],
    select(households.c.region_code).distinct().where(among(households.c.household_id, "ids")),
))


def mark_villages(conn: Connection, region_codes: Iterable[str]) -> None:
    """These villages' counts may have changed."""
    bulk.insert_rows(conn, progress_marks, ("region_code",),
                     [(code,) for code in sorted(set(region_codes))])


def mark_villages_of(conn: Connection, household_ids: Iterable[str]) -> None:
    """The villages these households lie in now may have changed counts."""
    ids = sorted(set(household_ids))
    for chunk in chunks(ids):
        conn.execute(_MARK_VILLAGES_OF.of(conn), {"ids": chunk})


def mark_all(conn: Connection) -> None:
    """Every village of the registry (after rows were written around the store's writers)."""
    conn.execute(insert(progress_marks).from_select(
        ["region_code"], select(households.c.region_code).distinct()))


def refresh(conn: Connection, prefix: str | None) -> int:
    """Recount the marked villages under `prefix` (None: every village); returns how
    many were recounted."""
    recounted: list[str] = []

    def recount(marks: list[Row[Any]]) -> None:
        recounted.extend(sorted({m.region_code for m in marks}))
        for codes in chunks(recounted):
            _recount(conn, codes)

    recount_marked(conn, progress_marks, _LOCK_KIND, recount,
                   where=None if prefix is None
                   else in_prefix(progress_marks.c.region_code, prefix))
    return len(recounted)


def _recount(conn: Connection, codes: list[str]) -> None:
    progress = count_villages(conn, codes)
    conn.execute(village_progress.delete().where(village_progress.c.region_code.in_(codes)))
    if progress:
        conn.execute(village_progress.insert(),
                     [{"region_code": code, **dict(zip(COUNTS, row, strict=True))}
                      for code, row in progress.items()])
    conn.execute(village_enumerators.delete()
                 .where(village_enumerators.c.region_code.in_(codes)))
    per_enumerator = conn.execute(
        select(households.c.region_code, assignments.c.enumerator_id, func.count())
        .select_from(households.join(
            assignments, assignments.c.household_id == households.c.household_id))
        .where(households.c.region_code.in_(codes), assignments.c.status != "cancelled")
        .group_by(households.c.region_code, assignments.c.enumerator_id)
    ).all()
    if per_enumerator:
        conn.execute(village_enumerators.insert(),
                     [{"region_code": code, "enumerator_id": who, "assigned": n}
                      for code, who, n in per_enumerator])


def count_villages(conn: Connection, codes: list[str]) -> dict[str, list[int]]:
    """(households, assigned, visited, verified, flagged, not_found) per village, counted
    from the households themselves: one pass over the (region, state, id) index, probing
    assignments and surveys by household id."""
    assigned = select(literal(1)).where(assignments.c.household_id == households.c.household_id,
                                        assignments.c.status != "cancelled").exists()
    visited = select(literal(1)).where(surveys.c.household_id == households.c.household_id).exists()
    result: dict[str, list[int]] = {}
    for code, state, n, n_assigned, n_visited in conn.execute(
        select(households.c.region_code, households.c.verification_state, func.count(),
               func.sum(case((assigned, 1), else_=0)),
               # A verification state other than `unverified` is set by a received visit:
               # only unverified households need the probe into surveys (a refusal).
               func.sum(case((households.c.verification_state != "unverified", 1),
                             (visited, 1), else_=0)))
        .where(households.c.region_code.in_(codes))
        .group_by(households.c.region_code, households.c.verification_state)
    ):
        row = result.setdefault(code, [0] * len(COUNTS))
        row[0] += n
        row[1] += int(n_assigned or 0)
        row[2] += int(n_visited or 0)
        if state in ("verified", "flagged", "not_found"):
            row[COUNTS.index(state)] += n
    return result


def known_villages(conn: Connection) -> list[str]:
    """Every village the server keeps counts for or has marked since: where it holds
    households, without reading the households themselves (the region pickers' scope)."""
    kept = select(village_progress.c.region_code).where(village_progress.c.households > 0)
    marked = select(progress_marks.c.region_code)
    return sorted({r[0] for r in conn.execute(kept.union(marked))})


def villages(conn: Connection, prefix: str) -> dict[str, dict[str, int]]:
    """The kept counts of every village under `prefix` (as of the last `refresh`)."""
    rows = conn.execute(select(village_progress)
                        .where(in_prefix(village_progress.c.region_code, prefix))).mappings()
    return {r["region_code"]: {key: r[key] for key in COUNTS} for r in rows}


def enumerators(conn: Connection, prefix: str) -> list[Any]:
    """(enumerator_id, region_code, assigned) of every village under `prefix`."""
    return list(conn.execute(
        select(village_enumerators.c.enumerator_id, village_enumerators.c.region_code,
               village_enumerators.c.assigned)
        .where(in_prefix(village_enumerators.c.region_code, prefix))
    ))
