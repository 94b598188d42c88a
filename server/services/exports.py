"""Exports of a region: taking one is audited first, then its rows are streamed.

The rows come from generators that open their read transaction when the first row is
asked for and close it after the last, so the connection is held only while rows
flow and a regency's registry is never held whole in memory.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from sqlalchemy import Engine

from server.store import audit
from server.store.db import reading, transaction
from server.store.pages import exports as queries


def record(engine: Engine, user: dict[str, Any], action: str, detail: dict[str, Any]) -> None:
    """Who took which region's data, when: written before the first byte leaves."""
    with transaction(engine) as conn:
        audit.record(conn, user["name"], action, "region", detail["region"], detail)


def corrections(engine: Engine, region: str, start: str, end: str) -> Generator[dict[str, Any], None, None]:
    """Each place an accepted decision changed in the region within [start, end)."""
    with reading(engine) as conn:
        yield from queries.corrections(conn, region, start, end)


def registry(engine: Engine, region: str) -> Generator[str, None, None]:
    """The region's current registry, one JSON line per household."""
    with reading(engine) as conn:
        yield from queries.registry(conn, region)
