"""The registry-wide scan: data-quality rules over every stored household.

Runs without a survey (nightly under `serve`, or `verivali-server scan`). It raises a
flag only where no open scan flag already says the same thing (rule and place) and no
supervisor already decided the same finding on the same values (a decision sticks until
the data changes), and closes open scan flags the registry no longer bears out. Reads stream; writes go in
short transactions so field pushes are not held up behind a long scan.

The rules (and decoding each stored body) are most of a scan's CPU and are pure, so
`verivali-server scan` on a large registry runs them in a small pool of forked worker
processes, a chunk of households at a time and a few chunks ahead; results come back
in registry order and everything that compares with open or decided flags, and every
write, stays in this process, so the findings do not depend on the pool.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from itertools import islice
from typing import Any

from sqlalchemy import Engine

from schemas import known_village
from server.reconcile.draft import FlagDraft
from server.reconcile.engine import RuleContext, scan_household
from server.services import kept_counts
from server.store import flags as flag_store
from server.store import households as household_store
from server.store.db import reading, transaction

CHUNK = 2000
# Below this many households a pool costs more to start than it saves.
POOL_MIN_HOUSEHOLDS = 50_000

Checked = tuple[str, str, list[FlagDraft]]  # household_id, region_code, findings


@dataclass
class ScanReport:
    households: int = 0
    raised: int = 0
    closed: int = 0
    kept: int = 0
    decided: int = 0


def _nik_index(engine: Engine) -> dict[str, list[tuple[str, str]]]:
    """The holders of every NIK held more than once (a NIK held once is no duplicate)."""
    index: dict[str, list[tuple[str, str]]] = defaultdict(list)
    with reading(engine) as conn:
        for nik, household_id, member_id in household_store.repeated_nik_holders(conn):
            index[nik].append((household_id, member_id))
    return index


def _open_scan_flags(engine: Engine) -> dict[str, dict[tuple[str, str | None], str]]:
    found: dict[str, dict[tuple[str, str | None], str]] = defaultdict(dict)
    with reading(engine) as conn:
        for household_id, rule, path, flag_id in flag_store.open_scan_flag_ids(conn):
            found[household_id][(rule, path)] = flag_id
    return found


def _decided_scan_findings(engine: Engine) -> dict[str, set[tuple[str, str | None, str]]]:
    found: dict[str, set[tuple[str, str | None, str]]] = defaultdict(set)
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


# The context the forked workers inherit (set before the pool forks; never pickled).
_worker_ctx: RuleContext | None = None


def _check_rows(rows: Iterable[tuple[str, str, str]], ctx: RuleContext) -> Iterator[Checked]:
    """Decode each stored body and run the rules on it, in order."""
    for hid, region, body in rows:
        yield hid, region, scan_household(household_store.decode_body(body), ctx)


def _check_chunk(rows: list[tuple[str, str, str]]) -> list[Checked]:
    """A worker's job: `_check_rows` of one chunk, with the context it inherited."""
    assert _worker_ctx is not None
    return list(_check_rows(rows, _worker_ctx))


def _checked(engine: Engine, ctx: RuleContext, workers: int) -> Iterator[Checked]:
    """Every current household's findings, in registry order; with workers, a few
    chunks ahead of the caller."""
    global _worker_ctx
    with reading(engine) as conn:
        rows = household_store.stream_stored(conn, CHUNK)
        if workers <= 0:
            yield from _check_rows(rows, ctx)
            return
        _worker_ctx = ctx
        pending: deque[Future[list[Checked]]] = deque()
        with ProcessPoolExecutor(max_workers=workers,
                                 mp_context=multiprocessing.get_context("fork")) as pool:
            while True:
                while len(pending) < 3 * workers and (chunk := list(islice(rows, CHUNK))):
                    pending.append(pool.submit(_check_chunk, chunk))
                if not pending:
                    break
                yield from pending.popleft().result()
        _worker_ctx = None


def scan_registry(engine: Engine, as_of: date | None = None,
                  workers: int | None = 0) -> ScanReport:
    """Scan every household; `workers`: rule-running processes (0: none, in this
    process, as the nightly scan inside `serve` runs; None: decide by the size)."""
    as_of = as_of or date.today()
    if workers is None:
        with reading(engine) as conn:
            workers = default_workers(household_store.count(conn))
    nik_index = _nik_index(engine)
    existing = _open_scan_flags(engine)
    decided = _decided_scan_findings(engine)
    report = ScanReport()
    # One context for the whole scan: NIK_DUPLICATE itself sets aside holders in the
    # household being checked, and the date cut-offs are then worked out once.
    ctx = RuleContext(
        as_of=as_of, nik_holders=lambda nik: nik_index.get(nik, []), known_village=known_village
    )
    pending_rows: list[dict[str, Any]] = []
    pending_close: list[str] = []

    def flush() -> None:
        if not pending_rows and not pending_close:
            return
        with transaction(engine) as conn:
            flag_store.insert_many(conn, pending_rows)
            for flag_id in pending_close:
                flag_store.change_status(conn, flag_id, "closed", from_states=("open",))
        pending_rows.clear()
        pending_close.clear()

    for household_id, region_code, drafts in _checked(engine, ctx, workers):
        seen = existing.get(household_id, {})
        fresh = [d for d in drafts if (d.rule, d.path) not in seen]
        still = {(d.rule, d.path) for d in drafts}
        report.kept += len(drafts) - len(fresh)
        settled = decided.get(household_id)
        if settled and fresh:
            undecided = [d for d in fresh if (d.rule, d.path, flag_store.evidence_key(
                d.registry_value, d.field_value, d.other_value)) not in settled]
            report.decided += len(fresh) - len(undecided)
            fresh = undecided
        if fresh:
            pending_rows.extend(
                flag_store.new_rows(fresh, household_id=household_id,
                                    region_code=region_code, survey_id=None)
            )
        pending_close.extend(fid for key, fid in seen.items() if key not in still)
        report.raised += len(fresh)
        report.closed += sum(1 for key in seen if key not in still)
        report.households += 1
        if len(pending_rows) + len(pending_close) >= CHUNK:
            flush()
    flush()
    kept_counts.catch_up(engine)
    return report
