"""The review queue's default view, kept in tables and recounted only where flags changed.

Grouping every open flag of a province by household per view grew with the registry
(235,000 open flags at a million households: 715 ms for the queue's first page). Instead
every write to `flags` (a flag raised, decided, superseded, reopened) appends a mark
naming the flag's household and village; the queue recounts the marked households and
villages (`refresh`), then reads a row per household from `queue_households`, in the
order a supervisor works (an index on rank, oldest), and the counts per village and rule
from `queue_village_rules`.

Why marks are only ever inserted, and why `refresh` deletes exactly the marks it read
under an advisory lock: as in `server.store.progress` (writers never wait on each other;
a mark committed after the count began survives for the next refresh; an older count
never overwrites a newer one).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, case, func, insert, select, text

from server.store import bulk
from server.store.tables import flags, queue_households, queue_marks, queue_village_rules

_CHUNK = 500
# Two-key advisory lock: (22085, 2) is the dashboard's (store/progress.py).
_REFRESH_LOCK = text("SELECT pg_advisory_xact_lock(22085, 3)")


def _severity_count(severity: str) -> Any:
    return func.sum(case((flags.c.severity == severity, 1), else_=0))


def mark(conn: Connection, places: Iterable[tuple[str, str]]) -> None:
    """These (household_id, region_code) may have changed open flags: one insert."""
    bulk.insert_rows(conn, queue_marks, ("household_id", "region_code"), sorted(set(places)))


def mark_all(conn: Connection) -> None:
    """Every household with flags (after rows were written around the store's writers)."""
    conn.execute(insert(queue_marks).from_select(
        ["household_id", "region_code"],
        select(flags.c.household_id, flags.c.region_code).distinct()))


def refresh(conn: Connection) -> int:
    """Recount the marked households and villages; returns how many marks were read."""
    if conn.dialect.name == "postgresql":
        conn.execute(_REFRESH_LOCK)
    marks = conn.execute(
        select(queue_marks.c.mark_id, queue_marks.c.household_id, queue_marks.c.region_code)
    ).all()
    household_ids = sorted({m.household_id for m in marks})
    for start in range(0, len(household_ids), _CHUNK):
        _recount_households(conn, household_ids[start:start + _CHUNK])
    codes = sorted({m.region_code for m in marks})
    for start in range(0, len(codes), _CHUNK):
        _recount_villages(conn, codes[start:start + _CHUNK])
    ids = [m.mark_id for m in marks]
    for start in range(0, len(ids), _CHUNK):
        conn.execute(queue_marks.delete()
                     .where(queue_marks.c.mark_id.in_(ids[start:start + _CHUNK])))
    return len(marks)


def household_counts() -> Any:
    """The open flags grouped by household, in `queue_households`' columns (unfiltered)."""
    errors, warnings, notes = (_severity_count(s) for s in ("error", "warning", "info"))
    return (
        select(flags.c.household_id, func.min(flags.c.region_code),
               func.max(flags.c.region_code), errors, warnings, notes,
               func.min(flags.c.created_at),
               case((errors > 0, 0), (warnings > 0, 1), else_=2))
        .where(flags.c.status == "open")
        .group_by(flags.c.household_id)
    )


_HOUSEHOLD_COLUMNS = ["household_id", "region_code", "region_max", "errors", "warnings",
                      "notes", "oldest", "rank"]


def _recount_households(conn: Connection, household_ids: list[str]) -> None:
    conn.execute(queue_households.delete()
                 .where(queue_households.c.household_id.in_(household_ids)))
    conn.execute(insert(queue_households).from_select(
        _HOUSEHOLD_COLUMNS, household_counts().where(flags.c.household_id.in_(household_ids))))


def _recount_villages(conn: Connection, codes: list[str]) -> None:
    conn.execute(queue_village_rules.delete()
                 .where(queue_village_rules.c.region_code.in_(codes)))
    conn.execute(insert(queue_village_rules).from_select(
        ["region_code", "rule", "open_flags"],
        select(flags.c.region_code, flags.c.rule, func.count())
        .where(flags.c.status == "open", flags.c.region_code.in_(codes))
        .group_by(flags.c.region_code, flags.c.rule)))
