"""Serving with several processes: gunicorn, for a province or national deployment.

`verivali-server serve --workers N` runs this. One process of Python handles one request
at a time per core; a server that many supervisors and hundreds of laptops talk to at
once on PostgreSQL needs several. Each worker builds its own app and database engine
after the fork (no connection is ever shared between processes), and the master process
holds none at all: the nightly scan runs as a `verivali-server scan` child process.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Callable, Iterable
from typing import Any

from gunicorn.app.base import BaseApplication

from server.settings import Settings, child_environment

log = logging.getLogger("verivali.serving")


class GunicornServer(BaseApplication):
    """gunicorn configured from our command line instead of its own."""

    def __init__(self, settings: Settings, options: dict[str, Any]):
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Callable[..., Iterable[bytes]]:
        """The WSGI app (a Flask app; gunicorn's types want its environ as any mapping)."""
        from server.app import create_app

        return create_app(self.settings)


def serve_with_gunicorn(
    settings: Settings,
    *,
    host: str,
    port: int,
    workers: int,
    threads: int,
    nightly_scan: bool,
    timeout: int = 120,
) -> None:
    """Run until SIGTERM or Ctrl+C; workers finish the requests they hold first."""
    # Web sign-in cookies are signed with the secret key: every worker needs the same one,
    # so the settings are made once, here in the master, and inherited by each worker.
    options: dict[str, Any] = {
        "bind": f"{host}:{port}",
        "workers": workers,
        # Threads keep a worker useful while a slow laptop uploads over a weak link.
        "worker_class": "gthread",
        "threads": threads,
        # A push of 500 surveys on a busy server may take a while; never cut it short.
        "timeout": timeout,
        "graceful_timeout": 30,
        "keepalive": 5,
        "proc_name": "verivali",
        "errorlog": "-",
        # Behind nginx on the same host: trust its X-Forwarded-Proto (https links).
        "forwarded_allow_ips": "127.0.0.1,::1",
    }
    if nightly_scan:
        options["when_ready"] = lambda _arbiter: _start_nightly_scan(settings)
    GunicornServer(settings, options).run()


def _start_nightly_scan(settings: Settings) -> None:
    """In the master: schedule the scan as a child process, never in a worker.

    A scan per worker would run N times; a database connection in the master would be
    inherited by every worker forked after it.
    """
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.cron import CronTrigger

    scheduler = BackgroundScheduler(daemon=True)
    scheduler.add_job(
        _scan_in_child, CronTrigger(hour=1, minute=0), args=[settings], id="registry-scan",
        max_instances=1, coalesce=True, misfire_grace_time=3600,
    )
    scheduler.start()


def _scan_in_child(settings: Settings) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "server.cli", "scan"], env=child_environment(settings),
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        log.error("nightly scan failed: %s", result.stderr.strip()[-2000:])
    else:
        log.info("nightly scan: %s", result.stdout.strip())
