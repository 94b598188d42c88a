"""The nightly registry scan while the server runs (APScheduler 3)."""

from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine

from server.services.scan import scan_registry

log = logging.getLogger("verivali.scan")


def _run(engine: Engine) -> None:
    report = scan_registry(engine)
    log.info(
        "nightly scan: %d households, %d raised, %d closed",
        report.households, report.raised, report.closed,
    )


def start_nightly_scan(engine: Engine, hour: int = 1) -> BackgroundScheduler:
    """One scan a night; a scan still running when the next is due is not doubled."""
    scheduler = BackgroundScheduler(daemon=True)
    scheduler.add_job(
        _run, CronTrigger(hour=hour, minute=0), args=[engine], id="registry-scan",
        max_instances=1, coalesce=True, misfire_grace_time=3600,
    )
    scheduler.start()
    return scheduler
