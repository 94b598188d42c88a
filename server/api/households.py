"""Reading one household and its version history."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from server.api.auth import current_user, require
from server.http.engine import get_engine
from server.services.households import history_for, household_for

bp = Blueprint("households", __name__)


@bp.get("/households/<household_id>")
@require("enumerator", "supervisor", "admin")
def get_household(household_id: str) -> ResponseReturnValue:
    """The current version of a household with its verification state."""
    return jsonify(household_for(get_engine(), current_user(), household_id))


@bp.get("/households/<household_id>/history")
@require("supervisor", "admin")
def get_history(household_id: str) -> ResponseReturnValue:
    """Every version of a household: where it came from, who, when."""
    versions = history_for(get_engine(), current_user(), household_id)
    return jsonify({"household_id": household_id, "versions": versions})
