"""Listing flags and deciding them."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError

from schemas import FlagQuerySchema, ResolveSchema, normalize_region_prefix
from server.api.auth import current_user, require
from server.api.body import parse, parse_query
from server.errors import ValidationFailed
from server.http.engine import get_engine
from server.services import flags

bp = Blueprint("flags", __name__)

_query_schema = FlagQuerySchema()
_resolve_schema = ResolveSchema()


def _region(value: str | None) -> str | None:
    """The `region` filter undotted: a province, regency, district or village, dots allowed."""
    if value is None:
        return None
    try:
        return normalize_region_prefix(value)
    except ValidationError as exc:
        raise ValidationFailed(details={"region": exc.messages}) from exc


@bp.get("/flags")
@require("supervisor", "admin")
def list_flags() -> ResponseReturnValue:
    """Flags oldest first, filtered; a supervisor sees only their regions."""
    query = parse_query(_query_schema)
    page = flags.list_flags(
        get_engine(),
        current_user(),
        status=query.get("status"),
        rule=query.get("rule"),
        region=_region(query.get("region")),
        household_id=query.get("household_id"),
        cursor=query.get("cursor"),
        limit=query["limit"],
    )
    return jsonify(page)


@bp.post("/flags/<flag_id>/resolve")
@require("supervisor", "admin")
def resolve(flag_id: str) -> ResponseReturnValue:
    """Accept, reject or send for revisit; 409 when already decided."""
    body = parse(_resolve_schema)
    flag = flags.resolve(get_engine(), current_user(), flag_id, body["action"], body.get("note"))
    return jsonify(flag)
