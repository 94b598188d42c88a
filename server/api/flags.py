"""Listing flags and deciding them."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from schemas import FlagQuerySchema, ResolveSchema
from server.api.auth import current_user, require
from server.api.body import parse, parse_query
from server.errors import ValidationFailed
from server.http.engine import get_engine
from server.services.review import resolve_flag
from server.store import flags as flag_store
from server.store.db import reading, run_transaction

bp = Blueprint("flags", __name__)

_query_schema = FlagQuerySchema()
_resolve_schema = ResolveSchema()


@bp.get("/flags")
@require("supervisor", "admin")
def list_flags() -> ResponseReturnValue:
    """Flags oldest first, filtered; a supervisor sees only their regions."""
    query = parse_query(_query_schema)
    user = current_user()
    after = None
    if query.get("cursor"):
        after = flag_store.decode_cursor(query["cursor"])
        if after is None:
            raise ValidationFailed(details={"cursor": ["Kursor tidak sah."]})
    allowed = user["regions"] if user["role"] == "supervisor" or user["regions"] else None
    with reading(get_engine()) as conn:
        rows, has_more = flag_store.query(
            conn,
            status=query.get("status"),
            rule=query.get("rule"),
            region=query.get("region", "").replace(".", "") or None,
            allowed_regions=allowed,
            household_id=query.get("household_id"),
            after=after,
            limit=query["limit"],
        )
    cursor = flag_store.encode_cursor(rows[-1]["created_at"], rows[-1]["flag_id"]) if rows else None
    return jsonify({"flags": rows, "cursor": cursor, "has_more": has_more})


@bp.post("/flags/<flag_id>/resolve")
@require("supervisor", "admin")
def resolve(flag_id: str) -> ResponseReturnValue:
    """Accept, reject or send for revisit; 409 when already decided."""
    body = parse(_resolve_schema)
    user = current_user()
    flag = run_transaction(
        get_engine(),
        lambda conn: resolve_flag(conn, user, flag_id, body["action"], body.get("note")),
    )
    return jsonify(flag)
