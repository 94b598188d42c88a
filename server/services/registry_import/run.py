"""`import-registry`: bring a DTSEN extract into the registry, household by household.

The file is streamed: a few chunks of households are in memory at a time, whatever the
file's size. Each household is validated with the contract's `HouseholdSchema`
(through its compiled form, `fastload`, which answers exactly as the schema does) and
then stored as a new version, or left alone when its content hash equals the current
one: importing the same file twice changes nothing, and a changed file versions just
the households that changed.

Validation is most of the work, so for a large file it runs in a small pool of worker
processes while this process writes; chunks come back in file order, so the outcome
(which of two records with the same household_id is "the second", which line a
reject names) does not depend on the pool.

Households are written a chunk at a time, each chunk in one transaction: a household
lands whole (current row, version, NIK index, pull-feed change) or not at all, and
an interrupted import can simply be run again. A first import into an empty registry
(SQLite or PostgreSQL) is one transaction instead, a bulk load (`store.start_empty_load`):
the whole file lands or nothing does, and the registry's other writers wait for it (there
is nobody to survey or review in an empty registry).

Rejected households are reported by line, field path and message, never with their
values: a registry file is full of NIKs and names.
"""

from __future__ import annotations

import getpass
import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine

from server.services import kept_counts
from server.services.registry_import import member_ids
from server.services.registry_import.check import Outcome, Rejected, Valid, check_chunk, stored_form
from server.services.registry_import.formats import (
    ImportFileError,
    Problem,
    detect_format,
    jsonl_lines,
    read_member_csv,
    scan_file,
)
from server.store import audit
from server.store import registry_import as store
from server.store.db import transaction
from server.timeutil import now_iso

__all__ = ["ImportFileError", "ImportReport", "Rejected", "import_registry"]

CHUNK_SIZE = 1000
# Below this many lines a pool costs more to start than it saves.
POOL_MIN_LINES = 20_000


@dataclass(slots=True)
class ImportReport:
    file_name: str
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0

    @property
    def households(self) -> int:
        return self.imported + self.updated + self.unchanged + self.rejected

    def summary(self) -> str:
        return (f"imported {self.imported}, updated {self.updated}, "
                f"unchanged {self.unchanged}, rejected {self.rejected}")


def default_actor() -> str:
    """Who ran the import, as the operating system knows them."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def default_workers(lines: int) -> int:
    """Two validating processes on a machine with two cores or more, for a large file.

    Measured on two cores: 100,000 households import about 1.3 times as fast with two
    workers as in one process; more workers only crowd the writing process.
    """
    if lines < POOL_MIN_LINES or (os.cpu_count() or 1) < 2:
        return 0
    return 2


def import_registry(
    engine: Engine,
    path: str | Path,
    *,
    actor: str | None = None,
    on_reject: Callable[[Rejected], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> ImportReport:
    """Import a `.jsonl` or `.csv` registry file; see the module docstring.

    `on_reject` hears of each rejected household as it is found, `on_progress` gets
    (lines done, lines in the file) after each chunk. `workers`: validating processes
    (0: validate in this process; None: decide by the file's size). Raises
    `ImportFileError` when the file cannot be read at all (missing, empty, not UTF-8,
    unknown type or header); nothing is stored then.
    """
    path = Path(path)
    fmt = detect_format(path)
    total_lines = scan_file(path)
    if fmt == "csv":  # a bad header fails here, before anything is stored
        next(iter(read_member_csv(path)), None)
    actor = actor or default_actor()
    workers = default_workers(total_lines) if workers is None else workers
    report = ImportReport(file_name=path.name)
    source_id = path.name[:64]
    chunks = _valid_chunks(path, fmt, workers, chunk_size, report, on_reject)
    with engine.connect() as conn:
        with conn.begin():
            store.bulk_settings(conn)
        try:
            with conn.begin():
                load = store.start_empty_load(conn)
                if load is not None:
                    _load_empty(conn, load, chunks, report, actor=actor, source_id=source_id,
                                on_progress=on_progress, total_lines=total_lines)
            if load is not None:
                store.fold_log(conn)
                with conn.begin():
                    store.refresh_statistics(conn)
            for valid, end_line in chunks:  # exhausted already after an empty load
                if valid:
                    with conn.begin():
                        _store_chunk(conn, valid, report, actor=actor, source_id=source_id)
                if on_progress is not None:
                    on_progress(end_line, total_lines)
        finally:
            with conn.begin():
                store.bulk_settings(conn, on=False)
    if report.households == 0:
        raise ImportFileError(f"{path.name} holds no households (only a header or blank lines)")
    with transaction(engine) as conn:
        audit.record(conn, actor, "registry_import", "file", source_id, {
            "imported": report.imported, "updated": report.updated,
            "unchanged": report.unchanged, "rejected": report.rejected})
    kept_counts.catch_up(engine)
    return report


def _valid_chunks(
    path: Path,
    fmt: str,
    workers: int,
    size: int,
    report: ImportReport,
    on_reject: Callable[[Rejected], None] | None,
) -> Iterator[tuple[list[Valid], int]]:
    """The valid households of each chunk; rejects are counted and reported on the way.

    Duplicates are caught here, in file order, whatever validated them. The map of
    household ids to their first line is the one thing that grows with the file: about
    120 bytes a household (12 MB for 100,000).
    """
    first_line: dict[str, int] = {}
    for outcomes, end_line in _checked_chunks(path, fmt, workers, size):
        valid: list[Valid] = []
        for outcome in outcomes:
            outcome = _dedupe(outcome, first_line)
            if isinstance(outcome, Rejected):
                report.rejected += 1
                if on_reject is not None:
                    on_reject(outcome)
            else:
                valid.append(outcome)
        yield valid, end_line


def _raw_chunks(path: Path, fmt: str, size: int) -> Iterator[tuple[list[Any], int]]:
    """Chunks as the workers take them, each with the last file line it covers.

    JSONL goes as raw lines (the workers parse them); CSV as records, since a household's
    rows must be gathered in file order first.
    """
    items: Iterable[Any] = jsonl_lines(path) if fmt == "jsonl" else read_member_csv(path)
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        last = chunk[-1]
        yield chunk, last[0] if fmt == "jsonl" else last.end_line


def _checked_chunks(
    path: Path, fmt: str, workers: int, size: int
) -> Iterator[tuple[list[Outcome], int]]:
    """Validated chunks in file order; with workers, a few chunks ahead of the writer.

    While the oldest chunk is still with a worker (a busy machine starves them), this
    process validates the next chunk itself rather than wait: results keep file order
    because every chunk, wherever it is validated, takes its place in one queue.
    """
    jsonl = fmt == "jsonl"
    raw = _raw_chunks(path, fmt, size)
    if workers <= 0:
        for chunk, end_line in raw:
            yield check_chunk(chunk, jsonl), end_line
        return
    # Linux forks (cheap, and callers need no `__main__` guard); elsewhere the platform's
    # default (spawn), which the console scripts' entry points allow for.
    context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else None)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        queue: deque[tuple[Future[list[Outcome]] | list[Outcome], int]] = deque()
        exhausted = False

        def take() -> tuple[list[Any], int] | None:
            nonlocal exhausted
            item = None if exhausted else next(raw, None)
            exhausted = item is None
            return item

        while True:
            while not exhausted and sum(isinstance(q, Future) for q, _ in queue) < 2 * workers:
                if (item := take()) is not None:
                    queue.append((pool.submit(check_chunk, item[0], jsonl), item[1]))
            if not queue:
                return
            head, end_line = queue[0]
            if isinstance(head, Future) and not head.done() and len(queue) < 6 * workers:
                if (item := take()) is not None:
                    queue.append((check_chunk(item[0], jsonl), item[1]))
                    continue
            queue.popleft()
            yield (head.result() if isinstance(head, Future) else head), end_line


def _dedupe(outcome: Outcome, first_line: dict[str, int]) -> Outcome:
    """The second record of a household in one file is refused: which one is right?"""
    household_id = outcome.household_id
    if not household_id:
        return outcome
    first = first_line.setdefault(household_id, outcome.line)
    if first == outcome.line:
        return outcome
    problem = Problem(outcome.line, "household_id",
                      f"the same household_id is on line {first}; a household may appear "
                      "only once in a file (CSV: its rows one after another)")
    return Rejected(outcome.line, household_id, (problem,))


def _load_empty(
    conn: Connection,
    load: store.EmptyLoad,
    chunks: Iterator[tuple[list[Valid], int]],
    report: ImportReport,
    *,
    actor: str,
    source_id: str,
    on_progress: Callable[[int, int], None] | None,
    total_lines: int,
) -> None:
    """The whole file into an empty registry, inside the caller's one transaction.

    Every household is new (a second record of one is rejected before it gets here), so
    nothing is read back: members without an id are numbered `m1`, `m2`, … as the rows
    come, as `_store_chunk` would number them against an empty registry.
    """
    for valid, end_line in chunks:
        forms = []
        for v in valid:
            if v.form is None:
                assert v.body is not None
                member_ids.resolve(v.body, v.pending, None)
                v.form = stored_form(v.body)
            forms.append(v.form)
        store.insert_new(conn, forms, now_iso())
        report.imported += len(forms)
        if on_progress is not None:
            on_progress(end_line, total_lines)
    store.finish_empty_load(conn, load, source="import", source_id=source_id, actor=actor)


def _store_chunk(
    conn: Connection, valid: list[Valid], report: ImportReport, *, actor: str, source_id: str
) -> None:
    """Store one chunk inside the caller's transaction."""
    current = store.current_state(conn, [v.household_id for v in valid])
    waiting = [v for v in valid if v.form is None]
    if waiting:
        bodies = store.current_bodies(
            conn, [v.household_id for v in waiting if v.household_id in current])
        unmatched: dict[str, tuple[int, ...]] = {}
        for v in waiting:
            assert v.body is not None  # kept until the member ids are final (see Valid)
            unmatched[v.household_id] = member_ids.match_existing(
                v.body, v.pending, bodies.get(v.household_id))
        ever = store.member_ids_ever(
            conn, [hid for hid, left in unmatched.items() if left and hid in current])
        for v in waiting:
            assert v.body is not None
            member_ids.number_new(v.body, unmatched[v.household_id],
                                  bodies.get(v.household_id), ever.get(v.household_id))
            v.form = stored_form(v.body)
    new: list[store.StoredForm] = []
    changed: list[tuple[store.StoredForm, int]] = []
    for v in valid:
        assert v.form is not None
        state = current.get(v.household_id)
        if state is None:
            new.append(v.form)
        elif state.digest == v.form.digest:
            report.unchanged += 1
        else:
            changed.append((v.form, state.version))
    store.write_versions(conn, new, changed, at=now_iso(), source="import",
                         source_id=source_id, actor=actor)
    report.imported += len(new)
    report.updated += len(changed)
