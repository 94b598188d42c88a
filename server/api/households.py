"""Reading one household and its version history."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import Connection

from server.api.auth import current_user, require
from server.errors import Forbidden, NotFound
from server.http.engine import get_engine
from server.services.access import may_see_region
from server.store import assignments
from server.store import households as household_store
from server.store.db import reading

bp = Blueprint("households", __name__)


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


@bp.get("/households/<household_id>")
@require("enumerator", "supervisor", "admin")
def get_household(household_id: str) -> ResponseReturnValue:
    """The current version of a household with its verification state."""
    with reading(get_engine()) as conn:
        _check_access(conn, current_user(), household_id)
        household = household_store.get(conn, household_id)
    return jsonify(household)


@bp.get("/households/<household_id>/history")
@require("supervisor", "admin")
def get_history(household_id: str) -> ResponseReturnValue:
    """Every version of a household: where it came from, who, when."""
    with reading(get_engine()) as conn:
        _check_access(conn, current_user(), household_id)
        versions = household_store.history(conn, household_id)
    return jsonify({"household_id": household_id, "versions": versions})
