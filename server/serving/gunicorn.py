"""Serving with several processes: gunicorn, for a province or national deployment.

`verivali-server serve --workers N` runs this. One process of Python handles one request
at a time per core; a server that many supervisors and hundreds of laptops talk to at
once on PostgreSQL needs several. Each worker builds its own app and database engine
after the fork (no connection is ever shared between processes), and the master process
holds none at all: the nightly scan runs as a `verivali-server scan` child process.
"""

from __future__ import annotations

import logging
import os
import secrets
import subprocess
import sys
from collections.abc import Callable, Iterable
from typing import Any

from gunicorn.app.base import BaseApplication

log = logging.getLogger("verivali.serving")


class GunicornServer(BaseApplication):
    """gunicorn configured from our command line instead of its own."""

    def __init__(self, config: dict[str, Any], options: dict[str, Any]):
        self.app_config = config
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Callable[..., Iterable[bytes]]:
        """The WSGI app (a Flask app; gunicorn's types want its environ as any mapping)."""
        from server.app import create_app

        return create_app(self.app_config)


def serve_with_gunicorn(
    database: str,
    *,
    host: str,
    port: int,
    workers: int,
    threads: int,
    nightly_scan: bool,
    timeout: int = 120,
) -> None:
    """Run until SIGTERM or Ctrl+C; workers finish the requests they hold first."""
    # Web sign-in cookies are signed with SECRET_KEY: every worker needs the same one.
    secret = os.environ.get("VERIVALI_SECRET_KEY") or secrets.token_hex(32)
    config = {"DATABASE_URL": database, "SECRET_KEY": secret}
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
        options["when_ready"] = lambda _arbiter: _start_nightly_scan(database)
    GunicornServer(config, options).run()


def _start_nightly_scan(database: str) -> None:
    """In the master: schedule the scan as a child process, never in a worker.

    A scan per worker would run N times; a database connection in the master would be
    inherited by every worker forked after it.
    """
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.cron import CronTrigger

    scheduler = BackgroundScheduler(daemon=True)
    scheduler.add_job(
        _scan_in_child, CronTrigger(hour=1, minute=0), args=[database], id="registry-scan",
        max_instances=1, coalesce=True, misfire_grace_time=3600,
    )
    scheduler.start()


def _scan_in_child(database: str) -> None:
    env = {**os.environ, "VERIVALI_DATABASE_URL": database}
    result = subprocess.run(
        [sys.executable, "-m", "server.cli", "scan"], env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        log.error("nightly scan failed: %s", result.stderr.strip()[-2000:])
    else:
        log.info("nightly scan: %s", result.stdout.strip())
