"""`create_app`: the one place where configuration, storage and blueprints meet."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from flask import Flask, jsonify, request
from flask.json.provider import DefaultJSONProvider
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from server.errors import HTTP_CODES, ApiError, ServiceUnavailable
from server.http import compression
from server.settings import Settings, blob_folder, load_settings
from server.store.blobs import BlobStore
from server.store.db import StorageUnavailable, make_engine

log = logging.getLogger("verivali.server")

API_PREFIX = "/api/v1"


def create_app(config: Settings | Mapping[str, Any] | None = None) -> Flask:
    """An app run with `config`: the settings, else those of the environment.

    A mapping of Flask config keys (`DATABASE_URL`, `SECRET_KEY`, `TESTING`, ...) is laid
    over the environment's settings: that is how tests make an app.
    """
    settings = config if isinstance(config, Settings) else load_settings()
    app = Flask(__name__, template_folder="web/templates", static_folder="web/static")
    app.config.from_mapping(settings.flask_config(), JSON_SORT_KEYS=False)
    if isinstance(config, Mapping):
        app.config.from_mapping(config)
    assert isinstance(app.json, DefaultJSONProvider)  # Flask's own, unless replaced
    app.json.sort_keys = False
    url = app.config["DATABASE_URL"] or settings.database_url
    lock_timeout = float(app.config["VERIVALI_DATABASE_LOCK_TIMEOUT"])
    app.extensions["verivali_engine"] = make_engine(url, lock_timeout=lock_timeout)
    app.extensions["verivali_blobs"] = BlobStore(
        blob_folder(app.config["VERIVALI_BLOB_DIR"] or settings.blob_dir, url))
    _register_blueprints(app)
    _register_error_handlers(app)
    compression.enable(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from server.api import (
        devices,
        flags,
        health,
        households,
        openapi,
        periods,
        photos,
        sync,
        uploads,
    )

    app.register_blueprint(health.bp, url_prefix=API_PREFIX)
    app.register_blueprint(households.bp, url_prefix=API_PREFIX)
    app.register_blueprint(sync.bp, url_prefix=API_PREFIX)
    app.register_blueprint(devices.bp, url_prefix=API_PREFIX)
    app.register_blueprint(flags.bp, url_prefix=API_PREFIX)
    app.register_blueprint(photos.bp, url_prefix=API_PREFIX)
    app.register_blueprint(uploads.bp, url_prefix=API_PREFIX)
    app.register_blueprint(openapi.bp, url_prefix=API_PREFIX)
    app.register_blueprint(periods.bp, url_prefix=API_PREFIX)

    from server import web  # supervisor and admin pages
    web.register(app, unavailable=StorageUnavailable)

    from server import openrosa  # phones: ODK Collect, KoboCollect
    openrosa.register(app)


def _path_for_log() -> str:
    """The request's path without a phone's key (`/key/<token>/…`): no secret in a log."""
    return _PHONE_KEY.sub("/key/…", request.path)


_PHONE_KEY = re.compile(r"^/key/[^/]+")


def _wants_json() -> bool:
    return request.path.startswith(API_PREFIX)


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(error: ApiError) -> ResponseReturnValue:
        return jsonify(error.body()), error.status, error.headers()

    @app.errorhandler(StorageUnavailable)
    def _storage(error: StorageUnavailable) -> ResponseReturnValue:
        # The reason only (busy, full): never the driver's text, which may quote data.
        log.warning("storage unavailable (%s) on %s %s", error.reason, request.method,
                    _path_for_log())
        return _api_error(ServiceUnavailable())

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> ResponseReturnValue:
        if not _wants_json():
            return error
        status = error.code or 500
        body = {"error": {"code": HTTP_CODES.get(status, "error"), "message": error.name}}
        allow = [(k, v) for k, v in error.get_headers() if k.lower() == "allow"]
        return jsonify(body), status, allow

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> ResponseReturnValue:
        log.error("unhandled %s on %s %s", type(error).__name__, request.method,
                  _path_for_log())
        body = {"error": {"code": "internal_error", "message": "Kesalahan pada server."}}
        return jsonify(body), 500
