"""Photos on the supervisor pages: a thumbnail beside the visit, full size on click.

The same rule as the API's `GET /photos/<id>` (`server.services.photos`): whoever may
see a survey naming the photo. `Cache-Control: private`: a shared cache never keeps one.
"""

from __future__ import annotations

from flask import Blueprint, Response
from flask.typing import ResponseReturnValue

from server.http.engine import get_blobs, get_engine
from server.http.identity import current_user
from server.services.photos import photo_bytes, thumbnail_bytes
from server.web.session import login_required

bp = Blueprint("photos", __name__)

CACHE = "private, max-age=86400"


@bp.get("/foto/<photo_id>")
@login_required()
def full(photo_id: str) -> ResponseReturnValue:
    size, chunks = photo_bytes(get_engine(), get_blobs(), current_user(), photo_id)
    answer = Response(chunks, mimetype="image/jpeg", direct_passthrough=True)
    answer.headers["Content-Length"] = str(size)
    answer.headers["Cache-Control"] = CACHE
    return answer


@bp.get("/foto/<photo_id>/kecil")
@login_required()
def thumbnail(photo_id: str) -> ResponseReturnValue:
    answer = Response(thumbnail_bytes(get_engine(), get_blobs(), current_user(), photo_id),
                      mimetype="image/jpeg")
    answer.headers["Cache-Control"] = CACHE
    return answer
