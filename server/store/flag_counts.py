"""The review queue's default view, kept in tables and recounted only where flags changed.

Grouping every open flag of a province by household per view grew with the registry
(235,000 open flags at a million households: 715 ms for the queue's first page). Instead
every write to `flags` (a flag raised, decided, superseded, reopened) appends a mark
naming the flag's household and village; the queue recounts the marked households and
villages (`refresh`), then reads a row per household from `queue_households`, in the
order a supervisor works (an index on rank, oldest), and the counts per village and rule
from `queue_village_rules`.

Why marks are only ever inserted, and why `refresh` deletes exactly the marks it read
under an advisory lock: `server.store.marks`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Row, case, func, insert, select

from server.store import bulk
from server.store.marks import chunks, recount_marked
from server.store.tables import flags, queue_households, queue_marks, queue_village_rules

# The recount lock's kind (store/marks.py); 2 is the dashboard's (store/progress.py).
_LOCK_KIND = 3
# Past this many marked households one grouping of every open flag is cheaper than
# recounting them 500 at a time (at a million households, after a first scan marked
# 232,000: 4 s against 33 s on the 2-core machine; the grouping reads one index in order,
# the chunks probe the flags household by household).
REBUILD_ABOVE = 50_000


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

    def recount(marks: list[Row[Any]]) -> None:
        household_ids = sorted({m.household_id for m in marks})
        if len(household_ids) > REBUILD_ABOVE:
            _rebuild(conn)
            return
        for chunk in chunks(household_ids):
            _recount_households(conn, chunk)
        for codes in chunks(sorted({m.region_code for m in marks})):
            _recount_villages(conn, codes)

    return len(recount_marked(conn, queue_marks, _LOCK_KIND, recount))


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
_VILLAGE_COLUMNS = ["region_code", "rule", "open_flags"]


def _recount_households(conn: Connection, household_ids: list[str]) -> None:
    conn.execute(queue_households.delete()
                 .where(queue_households.c.household_id.in_(household_ids)))
    conn.execute(insert(queue_households).from_select(
        _HOUSEHOLD_COLUMNS, household_counts().where(flags.c.household_id.in_(household_ids))))


def _village_rule_counts() -> Any:
    return (select(flags.c.region_code, flags.c.rule, func.count())
            .where(flags.c.status == "open")
            .group_by(flags.c.region_code, flags.c.rule))


def _recount_villages(conn: Connection, codes: list[str]) -> None:
    conn.execute(queue_village_rules.delete()
                 .where(queue_village_rules.c.region_code.in_(codes)))
    conn.execute(insert(queue_village_rules).from_select(
        _VILLAGE_COLUMNS, _village_rule_counts().where(flags.c.region_code.in_(codes))))


def _rebuild(conn: Connection) -> None:
    """Every household's and village's counts again, from one grouping each."""
    conn.execute(queue_households.delete())
    conn.execute(insert(queue_households).from_select(_HOUSEHOLD_COLUMNS, household_counts()))
    conn.execute(queue_village_rules.delete())
    conn.execute(insert(queue_village_rules).from_select(_VILLAGE_COLUMNS,
                                                         _village_rule_counts()))
