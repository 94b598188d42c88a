"""The dashboard's figures for one region prefix, read side by side.

The villages whose counts changed since the last view are recounted first (one short
write transaction, `store.progress`); then the reads (progress, sync health, the flag
queries) run side by side on read connections of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Engine

from server.services.scope import scope
from server.store import flag_counts
from server.store.db import reading, transaction
from server.store.pages import dashboard as queries
from server.store.pages.dashboard import EnumeratorHealth
from server.store.pages.dashboard import Progress as Progress
from server.store.progress import refresh as refresh_progress

T = TypeVar("T")


@dataclass
class Figures:
    progress: dict[str, Progress]
    health: list[EnumeratorHealth]
    by_rule: dict[str, int]
    graduation: list[dict[str, Any]]
    desil: list[dict[str, Any]]


def default_prefix(engine: Engine, user: dict[str, Any]) -> str | None:
    """The user's first region; for an admin of everything, the registry's first regency."""
    prefixes = scope(user)
    if prefixes:
        return prefixes[0]
    with reading(engine) as conn:
        first = queries.first_region_code(conn)
    return first[:4] if first else None


def _read(engine: Engine, query: Callable[..., T], *args: Any) -> T:
    with reading(engine) as conn:
        return query(conn, *args)


def figures(engine: Engine, prefix: str, silent_days: int) -> Figures:
    # Recount first the villages and households whose counts changed since the last view
    # (a few at a time while the field works).
    with transaction(engine) as conn:
        refresh_progress(conn, prefix)
        flag_counts.refresh(conn)
    with ThreadPoolExecutor(max_workers=2) as pool:
        progress_job = pool.submit(_read, engine, queries.village_progress, prefix)
        health_job = pool.submit(_read, engine, queries.sync_health, prefix, silent_days)
        with reading(engine) as conn:
            by_rule = queries.open_flags_by_rule(conn, prefix)
            graduation = queries.open_flags_of_rule(conn, prefix, "GRADUATION_DUE")
            desil = queries.open_flags_of_rule(conn, prefix, "INELIGIBLE_DESIL")
        return Figures(progress_job.result(), health_job.result(), by_rule, graduation, desil)
