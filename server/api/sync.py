"""`POST /sync/push` and `GET /sync/pull`: the field agents' two calls."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from schemas import PullQuerySchema, PushRequestSchema
from schemas.validators import plain_text
from server.api.auth import current_user, require
from server.api.body import parse, parse_query
from server.errors import ValidationFailed
from server.http.engine import get_engine
from server.services import lost_devices, sync

bp = Blueprint("sync", __name__)

_push_schema = PushRequestSchema()
_pull_schema = PullQuerySchema()


def _reported_pending() -> int | None:
    value = request.headers.get("X-Verivali-Pending", "")
    return int(value) if value.isdigit() else None


@bp.post("/sync/push")
@require("enumerator", allow_lost=True)
def push() -> ResponseReturnValue:
    """Store a batch of surveys; one result per item, in request order."""
    body = parse(_push_schema)
    results = sync.push(
        get_engine(), current_user(), body["device_id"], body["surveys"],
        pending=_reported_pending(), agent_version=request.headers.get("X-Verivali-Agent"),
    )
    if current_user().get("lost"):
        lost_devices.note_handed_in(get_engine(), current_user(), len(results))
        return jsonify({"results": results, "wipe": True})
    return jsonify({"results": results})


@bp.get("/sync/pull")
@require("enumerator")
def pull_changes() -> ResponseReturnValue:
    """The caller's households, assignments and flags changed after the cursor."""
    query = parse_query(_pull_schema)
    device_id = request.headers.get("X-Verivali-Device")
    if device_id and plain_text.pattern.search(device_id):
        raise ValidationFailed(details={"X-Verivali-Device": [plain_text.message]})
    page = sync.pull(
        get_engine(), current_user(), query.get("cursor"), query["limit"],
        device_id=device_id if device_id and len(device_id) <= 64 else None,
        pending=_reported_pending(), agent_version=request.headers.get("X-Verivali-Agent"),
    )
    return jsonify(page)
