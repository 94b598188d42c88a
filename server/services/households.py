"""One household, and its version history, for a caller allowed to see it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine

from server.errors import Forbidden, NotFound
from server.services.access import may_see_region
from server.store import assignments
from server.store import households as household_store
from server.store import photos as photo_store
from server.store.db import reading


def _check_access(conn: Connection, user: dict[str, Any], household_id: str) -> None:
    """404 for a household that does not exist; 403 when it lies outside the caller's reach."""
    region = household_store.region_of(conn, household_id)
    if region is None:
        raise NotFound("Keluarga tidak ditemukan.")
    if user["role"] == "enumerator":
        if not assignments.is_assigned(conn, user["user_id"], household_id, ever=False):
            raise Forbidden()
    elif not may_see_region(user, region):
        raise Forbidden()


def household_for(
    engine: Engine, user: dict[str, Any], household_id: str
) -> dict[str, Any] | None:
    """The current version with its verification state: an enumerator's only while assigned."""
    with reading(engine) as conn:
        _check_access(conn, user, household_id)
        household = household_store.get(conn, household_id)
        if household is not None:
            household["verification"]["photos_pending"] = photo_store.pending_for_household(
                conn, household_id)
        return household


def history_for(
    engine: Engine, user: dict[str, Any], household_id: str
) -> list[dict[str, Any]]:
    """Every version of the household, oldest first: where it came from, who, when."""
    with reading(engine) as conn:
        _check_access(conn, user, household_id)
        return household_store.history(conn, household_id)
