"""The local visit form: a small Flask app served on 127.0.0.1 by `verivali-agent capture`.

Everything it needs (templates, CSS) ships in the package: a village has no internet.
It listens on loopback only; a per-process token in every form and a Host/Origin
check keep other web pages the browser visits from posting into it.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from flask import Flask, abort, g, request


def create_app(home: Path, config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(
        AGENT_HOME=Path(home),
        CSRF_TOKEN=secrets.token_urlsafe(32),
        SECRET_KEY=secrets.token_urlsafe(32),
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        LIST_LIMIT=300,
    )
    app.config.update(config or {})

    from schemas.localtime import format_local
    from schemas.validators import region_name
    from sync_agent.capture import labels
    from sync_agent.capture.views import bp

    app.register_blueprint(bp)
    app.jinja_env.globals["L"] = labels
    app.jinja_env.filters["waktu"] = format_local
    app.jinja_env.filters["nama_desa"] = lambda code: (region_name(code) if code else "—") or code

    @app.errorhandler(404)
    def _not_found(error: Any) -> Any:
        """In Indonesian, styled, with a way back: a mistyped address is no dead end."""
        from flask import render_template
        from werkzeug.exceptions import NotFound

        ours = error.description if error.description != NotFound.description else ""
        return render_template("not_found.html", message=ours), 404
    app.jinja_env.globals["csrf_token"] = lambda: app.config["CSRF_TOKEN"]

    @app.before_request
    def _local_only() -> None:
        host = (request.host or "").rsplit(":", 1)[0].strip("[]")
        if host not in ("127.0.0.1", "localhost", "::1"):
            abort(403)
        origin = request.headers.get("Origin")
        if request.method == "POST" and origin and origin != "null":
            origin_host = origin.split("://", 1)[-1].rsplit(":", 1)[0].strip("[]")
            if origin_host not in ("127.0.0.1", "localhost", "::1"):
                abort(403)

    @app.after_request
    def _headers(response: Any) -> Any:
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; form-action 'self'; frame-ancestors 'none'"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.teardown_appcontext
    def _close_store(_exc: BaseException | None) -> None:
        store = g.pop("store", None)
        if store is not None:
            store.close()

    return app
