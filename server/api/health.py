"""Liveness, for agents deciding whether the link is up and for load balancers.

Healthy: 200 `{"status": "ok"}`, as always. When the store cannot take writes (a
lock held too long, the disk full or nearly so, the database unreachable): 503 with
`Retry-After` and the error body, code `unavailable`, `details.storage` saying why.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from server.errors import ServiceUnavailable
from server.http.engine import get_engine
from server.services import health as health_service

bp = Blueprint("health", __name__)


@bp.get("/health")
def health() -> ResponseReturnValue:
    min_free = int(current_app.config["VERIVALI_STORAGE_MIN_FREE_MB"])
    storage = health_service.storage(get_engine(), min_free)
    if storage == "ok":
        return jsonify({"status": "ok"})
    error = ServiceUnavailable(details={"storage": storage})
    return jsonify(error.body()), error.status, error.headers()
