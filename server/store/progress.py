"""The dashboard's counts per village, kept in tables and recounted only where they changed.

Counting a regency's households per view grows with the registry (a province of a
million households took seconds a view). Instead every write that can change a village's
counts (a household stored or moved, its verification set, an assignment opened or
cancelled, a survey received) appends a mark naming the village; the dashboard recounts
the marked villages of its region (`refresh`), then reads a row per village.

Why marks are only ever inserted: writers of one village never wait on each other (an
upsert of a shared counter row would queue every push of a village behind the others on
PostgreSQL). Why `refresh` deletes exactly the marks it read, after counting: each of
those marks was committed before the count began, so the count includes its write; a
mark committed later survives for the next refresh. Refreshes queue on an advisory lock,
so an older count never overwrites a newer one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, case, func, insert, literal, select, text

from server.store import bulk
from server.store.among import ByDialect
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
_CHUNK = 500
# Two-key advisory lock (the one-key form is the pull feed's, see store/feed.py).
_REFRESH_LOCK = text("SELECT pg_advisory_xact_lock(22085, 2)")


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
    for start in range(0, len(ids), _CHUNK):
        conn.execute(_MARK_VILLAGES_OF.of(conn), {"ids": ids[start:start + _CHUNK]})


def mark_all(conn: Connection) -> None:
    """Every village of the registry (after rows were written around the store's writers)."""
    conn.execute(insert(progress_marks).from_select(
        ["region_code"], select(households.c.region_code).distinct()))


def refresh(conn: Connection, prefix: str) -> int:
    """Recount the marked villages under `prefix`; returns how many were recounted."""
    if conn.dialect.name == "postgresql":
        conn.execute(_REFRESH_LOCK)
    marks = conn.execute(
        select(progress_marks.c.mark_id, progress_marks.c.region_code)
        .where(in_prefix(progress_marks.c.region_code, prefix))
    ).all()
    codes = sorted({m.region_code for m in marks})
    for start in range(0, len(codes), _CHUNK):
        _recount(conn, codes[start:start + _CHUNK])
    ids = [m.mark_id for m in marks]
    for start in range(0, len(ids), _CHUNK):
        conn.execute(progress_marks.delete()
                     .where(progress_marks.c.mark_id.in_(ids[start:start + _CHUNK])))
    return len(codes)


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
