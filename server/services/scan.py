"""The registry-wide scan: data-quality rules over every stored household.

Runs without a survey (nightly under `serve`, or `verivali-server scan`). It raises a
flag only where no open scan flag already says the same thing (rule and place) and no
supervisor already decided the same finding on the same values (a decision sticks until
the data changes), and closes open scan flags the registry no longer bears out. Reads
go a slice of households at a time, each in its own short read (no read held open for
the whole scan, so SQLite can checkpoint its log meanwhile); writes go in short
transactions so field pushes are not held up behind a long scan.

The work on a slice (reading and decoding its bodies, the rules, comparing with the
open and decided flags, making the rows of new flags) is most of a scan's CPU and
needs nothing from the other slices, so `verivali-server scan` on a large registry
runs it in a small pool of forked worker processes, a few slices ahead. Each worker
reads its own slice from the database (sending the bodies from this process cost as
much as the rules) and compares with the open and decided flags this process read
before the pool forked; results come back in registry order and every write stays in
this process. A scan without a pool runs the very same function on each slice, so the
findings do not depend on the pool.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections import defaultdict, deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import Engine

from schemas import known_village
from server.reconcile.engine import RuleContext, scan_household
from server.services import kept_counts
from server.store import flags as flag_store
from server.store import households as household_store
from server.store.db import engine_like, reading, transaction
from server.timeutil import now_iso

CHUNK = 2000  # households in a slice
FLUSH = 2000  # flags raised or closed per write transaction
# Below this many households a pool costs more to start than it saves.
POOL_MIN_HOUSEHOLDS = 50_000

OpenFlags = dict[str, dict[tuple[str, str | None], str]]  # household -> (rule, path) -> id
Decided = dict[str, set[tuple[str, str | None, str]]]  # household -> (rule, path, evidence)


@dataclass
class ScanReport:
    households: int = 0
    raised: int = 0
    closed: int = 0
    kept: int = 0
    decided: int = 0


def _nik_index(engine: Engine) -> dict[str, list[tuple[str, str]]]:
    """The holders of every NIK held more than once (a NIK held once is no duplicate)."""
    index: dict[str, list[tuple[str, str]]] = {}
    with reading(engine) as conn:
        for nik, household_id, member_id in household_store.repeated_nik_holders(conn):
            index.setdefault(nik, []).append((household_id, member_id))
    return index


def _open_scan_flags(engine: Engine) -> OpenFlags:
    found: OpenFlags = defaultdict(dict)
    with reading(engine) as conn:
        for household_id, rule, path, flag_id in flag_store.open_scan_flag_ids(conn):
            found[household_id][(rule, path)] = flag_id
    return found


def _decided_scan_findings(engine: Engine) -> Decided:
    found: Decided = defaultdict(set)
    with reading(engine) as conn:
        for household_id, rule, path, evidence in flag_store.decided_scan_findings(conn):
            found[household_id].add((rule, path, evidence))
    return found


def default_workers(households: int) -> int:
    """Two rule-running processes on a machine with two cores or more, for a large
    registry, where processes fork (Linux); else none (the rules run in this process)."""
    if (households < POOL_MIN_HOUSEHOLDS or (os.cpu_count() or 1) < 2
            or not sys.platform.startswith("linux")):
        return 0
    return 2


@dataclass(frozen=True)
class _Scan:
    """What every slice is checked against: read once, before any pool forks."""

    engine: Engine
    ctx: RuleContext
    existing: OpenFlags
    decided: Decided


@dataclass
class _Checked:
    """One slice's outcome: the rows of the flags it raises, the flags it closes, counts."""

    rows: list[tuple[Any, ...]] = field(default_factory=list)
    close: list[str] = field(default_factory=list)
    households: int = 0
    kept: int = 0
    decided: int = 0


def _check_slice(scan: _Scan, after: str, last: str | None) -> _Checked:
    """Read one slice, run the rules on each household and compare with the flags."""
    with reading(scan.engine) as conn:
        stored = household_store.stored_between(conn, after, last)
    out = _Checked(households=len(stored))
    at = now_iso()
    ctx, existing, decided = scan.ctx, scan.existing, scan.decided
    for household_id, region_code, body in stored:
        drafts = scan_household(household_store.decode_body(body), ctx)
        seen = existing.get(household_id)
        if seen:
            fresh = [d for d in drafts if (d.rule, d.path) not in seen]
            out.kept += len(drafts) - len(fresh)
            still = {(d.rule, d.path) for d in drafts}
            out.close.extend(fid for key, fid in seen.items() if key not in still)
        else:
            fresh = drafts
        if not fresh:
            continue
        settled = decided.get(household_id)
        if settled:
            undecided = [d for d in fresh if (d.rule, d.path, flag_store.evidence_key(
                d.registry_value, d.field_value, d.other_value)) not in settled]
            out.decided += len(fresh) - len(undecided)
            fresh = undecided
        out.rows.extend(flag_store.new_values(fresh, household_id=household_id,
                                              region_code=region_code, survey_id=None, at=at))
    return out


# What the forked workers inherit (set before the pool forks; never pickled).
_worker_scan: _Scan | None = None
# A worker's reference to the engine it inherited, kept so that its pooled connections
# are never closed in the worker: SQLite forbids using a connection across fork().
_inherited_engine: Engine | None = None


def _start_worker() -> None:
    """In a new worker: an engine of its own on the same database for its reads."""
    global _worker_scan, _inherited_engine
    assert _worker_scan is not None
    _inherited_engine = _worker_scan.engine
    _worker_scan = replace(_worker_scan, engine=engine_like(_inherited_engine))


def _check_slice_in_worker(after: str, last: str | None) -> _Checked:
    assert _worker_scan is not None
    return _check_slice(_worker_scan, after, last)


def _checked(scan: _Scan, workers: int) -> Iterator[_Checked]:
    """Every slice's outcome, in registry order; with workers, a few slices ahead of
    the caller."""
    global _worker_scan
    with reading(scan.engine) as conn:
        bounds = household_store.slices(conn, CHUNK)
    if workers <= 0:
        for after, last in bounds:
            yield _check_slice(scan, after, last)
        return
    _worker_scan = scan
    try:
        todo = iter(bounds)
        pending: deque[Future[_Checked]] = deque()
        with ProcessPoolExecutor(max_workers=workers, initializer=_start_worker,
                                 mp_context=multiprocessing.get_context("fork")) as pool:
            while True:
                while len(pending) < 3 * workers and (bound := next(todo, None)):
                    pending.append(pool.submit(_check_slice_in_worker, *bound))
                if not pending:
                    break
                yield pending.popleft().result()
    finally:
        _worker_scan = None


def scan_registry(engine: Engine, as_of: date | None = None,
                  workers: int | None = 0) -> ScanReport:
    """Scan every household; `workers`: rule-running processes (0: none, in this
    process, as the nightly scan inside `serve` runs; None: decide by the size)."""
    as_of = as_of or date.today()
    if workers is None:
        with reading(engine) as conn:
            workers = default_workers(household_store.count(conn))
    nik_index = _nik_index(engine)
    # One context for the whole scan: NIK_DUPLICATE itself sets aside holders in the
    # household being checked, and the date cut-offs are then worked out once.
    ctx = RuleContext(as_of=as_of, nik_holders=nik_index.get, known_village=known_village)
    scan = _Scan(engine, ctx, _open_scan_flags(engine), _decided_scan_findings(engine))
    report = ScanReport()
    pending_rows: list[tuple[Any, ...]] = []
    pending_close: list[str] = []

    def flush() -> None:
        if not pending_rows and not pending_close:
            return
        with transaction(engine) as conn:
            flag_store.insert_values(conn, pending_rows)
            for flag_id in pending_close:
                flag_store.change_status(conn, flag_id, "closed", from_states=("open",))
        pending_rows.clear()
        pending_close.clear()

    for checked in _checked(scan, workers):
        pending_rows.extend(checked.rows)
        pending_close.extend(checked.close)
        report.households += checked.households
        report.raised += len(checked.rows)
        report.closed += len(checked.close)
        report.kept += checked.kept
        report.decided += checked.decided
        if len(pending_rows) + len(pending_close) >= FLUSH:
            flush()
    flush()
    kept_counts.catch_up(engine)
    return report
