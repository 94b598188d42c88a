"""The field agents' two calls as use cases: push a batch of surveys, pull a page of changes.

Each call also records what the laptop reported about itself (device id, surveys still
waiting, agent version), so the dashboard can show which laptops are behind.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine

from server.services.ingest.batch import ingest_batch
from server.services.pull import pull as pull_page
from server.store import surveys as survey_store
from server.store.db import reading, run_transaction, transaction
from server.timeutil import now_iso


def push(
    engine: Engine,
    user: dict[str, Any],
    device_id: str,
    surveys: list[dict[str, Any]],
    *,
    pending: int | None,
    agent_version: str | None,
) -> list[dict[str, Any]]:
    """Store the surveys and the device's report together; one result per survey, in order.

    Rerun whole when PostgreSQL picks it as a deadlock victim (`run_transaction`).
    """

    def store(conn: Connection) -> list[dict[str, Any]]:
        results = ingest_batch(conn, user, device_id, surveys)
        survey_store.touch_device(
            conn, device_id, user["user_id"], now_iso(), pushed=True,
            pending=pending, agent_version=agent_version,
        )
        return results

    return run_transaction(engine, store)


def pull(
    engine: Engine,
    user: dict[str, Any],
    cursor: str | None,
    limit: int,
    *,
    device_id: str | None,
    pending: int | None,
    agent_version: str | None,
) -> dict[str, Any]:
    """The caller's page of changes after `cursor`; then, if it said which device it is,
    that device's report, in a write of its own so the page is read without a write lock."""
    with reading(engine) as conn:
        page = pull_page(conn, user["user_id"], cursor, limit)
    if device_id:
        with transaction(engine) as conn:
            survey_store.touch_device(
                conn, device_id, user["user_id"], now_iso(), pushed=False,
                pending=pending, agent_version=agent_version,
            )
    return page
