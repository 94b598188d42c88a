"""`POST /sync/push` and `GET /sync/pull`: the field agents' two calls."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import Connection

from schemas import PullQuerySchema, PushRequestSchema
from server.api.auth import current_user, require
from server.api.body import parse, parse_query
from server.http.engine import get_engine
from server.services.ingest.batch import ingest_batch
from server.services.pull import pull
from server.store import surveys as survey_store
from server.store.db import reading, run_transaction, transaction
from server.timeutil import now_iso

bp = Blueprint("sync", __name__)

_push_schema = PushRequestSchema()
_pull_schema = PullQuerySchema()


def _reported_pending() -> int | None:
    value = request.headers.get("X-Verivali-Pending", "")
    return int(value) if value.isdigit() else None


@bp.post("/sync/push")
@require("enumerator")
def push() -> ResponseReturnValue:
    """Store a batch of surveys; one result per item, in request order."""
    body = parse(_push_schema)
    user = current_user()

    def store(conn: Connection) -> list[dict[str, Any]]:
        results = ingest_batch(conn, user, body["device_id"], body["surveys"])
        survey_store.touch_device(
            conn, body["device_id"], user["user_id"], now_iso(), pushed=True,
            pending=_reported_pending(), agent_version=request.headers.get("X-Verivali-Agent"),
        )
        return results

    return jsonify({"results": run_transaction(get_engine(), store)})


@bp.get("/sync/pull")
@require("enumerator")
def pull_changes() -> ResponseReturnValue:
    """The caller's households, assignments and flags changed after the cursor."""
    query = parse_query(_pull_schema)
    user = current_user()
    with reading(get_engine()) as conn:
        page = pull(conn, user["user_id"], query.get("cursor"), query["limit"])
    device_id = request.headers.get("X-Verivali-Device")
    if device_id and len(device_id) <= 64:
        with transaction(get_engine()) as conn:
            survey_store.touch_device(
                conn, device_id, user["user_id"], now_iso(), pushed=False,
                pending=_reported_pending(), agent_version=request.headers.get("X-Verivali-Agent"),
            )
    return jsonify(page)
