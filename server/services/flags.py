"""Flags as the API serves them: a filtered page for a supervisor, a decision on one.

The decision itself is `server.services.review.resolve_flag`, shared with the web pages;
here it gets its own transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from server.errors import ValidationFailed
from server.services.review import resolve_flag
from server.store import flags as flag_store
from server.store.db import reading, run_transaction


def list_flags(
    engine: Engine,
    user: dict[str, Any],
    *,
    status: str | None = None,
    rule: str | None = None,
    region: str | None = None,
    household_id: str | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> dict[str, Any]:
    """Flags oldest first under these filters; a supervisor sees only their regions.

    `region` is an undotted prefix. An admin with regions is confined to them too.
    """
    after = None
    if cursor:
        after = flag_store.decode_cursor(cursor)
        if after is None:
            raise ValidationFailed(details={"cursor": ["Kursor tidak sah."]})
    allowed = user["regions"] if user["role"] == "supervisor" or user["regions"] else None
    with reading(engine) as conn:
        rows, has_more = flag_store.query(
            conn,
            status=status,
            rule=rule,
            region=region,
            allowed_regions=allowed,
            household_id=household_id,
            after=after,
            limit=limit,
        )
    next_cursor = (
        flag_store.encode_cursor(rows[-1]["created_at"], rows[-1]["flag_id"]) if rows else None
    )
    return {"flags": rows, "cursor": next_cursor, "has_more": has_more}


def resolve(
    engine: Engine, user: dict[str, Any], flag_id: str, action: str, note: str | None
) -> dict[str, Any]:
    """Decide one flag in its own transaction, rerun if PostgreSQL picks it as a deadlock
    victim; returns the flag as it now stands."""
    return run_transaction(
        engine, lambda conn: resolve_flag(conn, user, flag_id, action, note)
    )
