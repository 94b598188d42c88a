"""Reading a stored survey and a photo's bytes (docs/protocol.md §5)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from flask.typing import ResponseReturnValue

from server.api.auth import current_user, require
from server.http.engine import get_blobs, get_engine
from server.services.photos import photo_bytes, survey_for

bp = Blueprint("photos", __name__)


@bp.get("/surveys/<survey_id>")
@require("enumerator", "supervisor", "admin")
def get_survey(survey_id: str) -> ResponseReturnValue:
    """The survey as stored, with `photos[].received`."""
    answer = jsonify(survey_for(get_engine(), current_user(), survey_id))
    answer.headers["Cache-Control"] = "private, no-cache"
    return answer


@bp.get("/photos/<photo_id>")
@require("enumerator", "supervisor", "admin")
def get_photo(photo_id: str) -> ResponseReturnValue:
    """The image bytes, streamed; a photo's name is its hash, so its bytes never change."""
    size, chunks = photo_bytes(get_engine(), get_blobs(), current_user(), photo_id)
    answer = Response(chunks, mimetype="image/jpeg", direct_passthrough=True)
    answer.headers["Content-Length"] = str(size)
    answer.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    answer.headers["ETag"] = f'"{photo_id}"'
    return answer
