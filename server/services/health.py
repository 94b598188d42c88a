"""`/health`: can the store take writes now? Cheap, for monitors that ask often."""

from __future__ import annotations

from sqlalchemy import Engine

from server.store.db import storage_health


def storage(engine: Engine, min_free_mb: int) -> str:
    """`ok`, else `full`, `busy` or `unreachable` (see `server.store.db.storage_health`)."""
    return storage_health(engine, min_free_mb * 1024 * 1024)
