"""'Sinkronkan Sekarang' as a job the page can watch: one background sync per agent home.

A sync over a bad link takes minutes; a form post that waits that long shows the
enumerator a frozen page. The job runs the same `attempt_sync` (same lock, same log) in a
thread and keeps its latest progress line, so the page can show where it is and, once
it has ended, how it went.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from sync_agent.scheduler import Attempt, attempt_sync


@dataclass
class SyncJob:
    """What the page shows: running or not, the latest progress line, the outcome."""

    progress: str = ""
    attempt: Attempt | None = None
    done: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def running(self) -> bool:
        return not self.done.is_set()


_jobs: dict[Path, SyncJob] = {}
_guard = threading.Lock()


def start(home: Path) -> SyncJob:
    """The running job of this home, or a new one started now."""
    with _guard:
        job = _jobs.get(home)
        if job is not None and job.running:
            return job
        job = _jobs[home] = SyncJob()

    def record(line: str) -> None:
        job.progress = line

    def work() -> None:
        try:
            # One retry: someone is waiting at the button; the outbox keeps everything anyway.
            job.attempt = attempt_sync(home, client_options={"retries": 1}, progress=record)
        except Exception as error:  # noqa: BLE001 - the page must learn the job ended
            job.attempt = Attempt("error", type(error).__name__)
        finally:
            job.done.set()

    threading.Thread(target=work, name="sinkronkan", daemon=True).start()
    return job


def current(home: Path) -> SyncJob | None:
    """The latest job of this home, running or ended; None before the first press."""
    with _guard:
        return _jobs.get(home)


def take_result(home: Path) -> Attempt | None:
    """The outcome of an ended job, handed out once (the page shows it a single time)."""
    with _guard:
        job = _jobs.get(home)
        if job is None or job.running:
            return None
        del _jobs[home]
        return job.attempt
