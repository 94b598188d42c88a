"""Scheduled sync (`daemon`, and `capture --sync-every`) and the cross-process sync lock.

Two syncs at once would race on the outbox states and double the traffic, so every
sync — CLI, daemon, capture form — runs under one lock file in the agent's home
(`filelock`: fcntl on POSIX, msvcrt on Windows; the OS drops it if the process dies,
so a killed agent never leaves a stale lock).

While the server cannot be reached the daemon backs off (interval, 2×, 4×… up to
`max_backoff`, with jitter) but probes `/health` cheaply every `probe_every` seconds,
so it syncs promptly once the link is back.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from sync_agent.errors import Offline, ServerError, SyncBusy, SyncError, TokenRevoked
from sync_agent.home import lock_path, make_client, open_initialised

_in_process = threading.Lock()  # threads of one process (form + background sync)


@contextmanager
def sync_lock(home: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold the sync lock of `home`, or raise SyncBusy after `wait` seconds."""
    busy = SyncBusy(
        "busy: another sync is running on this laptop (the daemon or the capture form); "
        "your surveys are safe, try again in a minute"
    )
    acquired = _in_process.acquire(timeout=wait) if wait > 0 else _in_process.acquire(blocking=False)
    if not acquired:
        raise busy
    try:
        lock = FileLock(str(lock_path(home)), timeout=wait)
        try:
            lock.acquire(timeout=wait)
        except Timeout as exc:
            raise busy from exc
        try:
            yield
        finally:
            lock.release()
    finally:
        _in_process.release()


@dataclass
class Attempt:
    """The outcome of one scheduled sync: `ok`, `offline`, `server`, `revoked`, `busy`, `error`."""

    outcome: str
    message: str


def attempt_sync(home: Path, batch_size: int = 50, client_options: dict[str, Any] | None = None,
                 progress: Callable[[str], None] | None = None) -> Attempt:
    """One sync under the lock, never raising for the conditions a field laptop meets."""
    from sync_agent import sync

    try:
        with sync_lock(home):
            store = open_initialised(home)
            client = make_client(home, store, **(client_options or {}))
            try:
                report = sync.run(store, client, "sync", batch_size=batch_size,
                                  progress=progress)
            finally:
                client.close()
                store.close()
    except SyncBusy as exc:
        return Attempt("busy", str(exc))
    except Offline as exc:
        return Attempt("offline", str(exc))
    except TokenRevoked as exc:
        return Attempt("revoked", str(exc))
    except ServerError as exc:
        return Attempt("server", str(exc))
    except SyncError as exc:
        return Attempt("error", str(exc))
    return Attempt("ok", report.summary())


class SyncDaemon:
    """Decides, at each tick, whether to sync now; keeps the backoff state."""

    def __init__(
        self,
        attempt: Callable[[], Attempt],
        probe: Callable[[], bool],
        *,
        interval: float = 300.0,
        max_backoff: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
        report: Callable[[str], None] = print,
    ):
        self.attempt = attempt
        self.probe = probe
        self.interval = interval
        self.max_backoff = max(max_backoff, interval)
        self.clock = clock
        self.report = report
        self.failures = 0
        self.last: Attempt | None = None
        self.next_at = clock()  # the first tick syncs at once

    def delay(self) -> float:
        """Normal interval, or exponential backoff with ±20 % jitter after failures."""
        if self.failures == 0:
            return self.interval
        base = min(self.max_backoff, self.interval * (2 ** (self.failures - 1)))
        return base * random.uniform(0.8, 1.2)

    def tick(self) -> Attempt | None:
        now = self.clock()
        if now < self.next_at:
            if not (self.last and self.last.outcome == "offline" and self.probe()):
                return None
            self.report(f"{_stamp()} server reachable again, syncing now")
        result = self.attempt()
        self.last = result
        if result.outcome == "ok":
            self.failures = 0
        elif result.outcome == "busy":
            pass  # someone else is syncing right now; keep our rhythm
        else:
            self.failures += 1
        self.next_at = self.clock() + self.delay()
        self.report(f"{_stamp()} {result.outcome}: {result.message}")
        return result


def _stamp() -> str:
    return datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _probe_for(home: Path) -> Callable[[], bool]:
    def probe() -> bool:
        try:
            store = open_initialised(home)
            try:
                client = make_client(home, store)
            finally:
                store.close()
        except SyncError:
            return False
        except Exception:  # noqa: BLE001 - a probe never stops the daemon
            return False
        try:
            return client.health(timeout=5.0)
        finally:
            client.close()

    return probe


def make_daemon(home: Path, interval: float, max_backoff: float, batch_size: int = 50,
                report: Callable[[str], None] = print, retries: int = 2) -> SyncDaemon:
    """The daemon retries little itself: its own schedule is the long-term retry."""
    return SyncDaemon(
        lambda: attempt_sync(home, batch_size, {"retries": retries}),
        _probe_for(home),
        interval=interval,
        max_backoff=max_backoff,
        report=report,
    )


def _quiet_apscheduler() -> None:
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def run_blocking(daemon: SyncDaemon, tick_every: float) -> None:
    """`verivali-agent daemon`: tick in the foreground until Ctrl+C or a stop signal."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    from sync_agent.platform import on_terminate

    _quiet_apscheduler()
    scheduler = BlockingScheduler()
    scheduler.add_job(
        daemon.tick, "interval", seconds=tick_every, next_run_time=datetime.now(),
        max_instances=1, coalesce=True, id="sync",
    )
    on_terminate(lambda: scheduler.shutdown(wait=False))
    scheduler.start()


def start_background(daemon: SyncDaemon, tick_every: float) -> Any:
    """The capture form's background sync; returns the scheduler (call `.shutdown()`)."""
    from apscheduler.schedulers.background import BackgroundScheduler

    _quiet_apscheduler()
    scheduler = BackgroundScheduler(daemon=True)
    scheduler.add_job(
        daemon.tick, "interval", seconds=tick_every, next_run_time=datetime.now(),
        max_instances=1, coalesce=True, id="sync",
    )
    scheduler.start()
    return scheduler
