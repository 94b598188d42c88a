"""The local visit form: a small Flask app served on 127.0.0.1 by `verivali-agent capture`.

Everything it needs (templates, CSS) ships in the package: a village has no internet.
It listens on loopback only; a per-process token in every form and a Host/Origin
check keep other web pages the browser visits from posting into it. Every page but
the unlock page needs the store's key, held by the form's lock (`lock.py`) until the
form sits idle for `IDLE_LOCK_SECONDS` (default 10 minutes).
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from flask import Flask, abort, g, redirect, request, url_for


def create_app(home: Path, config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(
        AGENT_HOME=Path(home),
        CSRF_TOKEN=secrets.token_urlsafe(32),
        SECRET_KEY=secrets.token_urlsafe(32),
        MAX_CONTENT_LENGTH=100 * 1024 * 1024,  # up to 8 photos as a phone took them
        LIST_LIMIT=300,
        IDLE_LOCK_SECONDS=600,
    )
    app.config.update(config or {})

    from schemas.localtime import format_local
    from schemas.validators import region_name
    from sync_agent.capture import labels
    from sync_agent.capture.lock import FormLock
    from sync_agent.capture.views import bp

    app.config["LOCK"] = form_lock = FormLock(Path(home), app.config["IDLE_LOCK_SECONDS"])
    _open_with_given_pin(form_lock)

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

    @app.before_request
    def _unlocked_only() -> Any:
        if request.endpoint in ("capture.unlock", "static"):
            return None
        g.key = form_lock.key()
        if g.key is None:
            return redirect(url_for("capture.unlock"), 303)
        return None

    @app.after_request
    def _headers(response: Any) -> Any:
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' blob:; form-action 'self'; "
            "frame-ancestors 'none'"
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


def _open_with_given_pin(form_lock: Any) -> None:
    """A PIN given to the command (variable or file) unlocks at start; else the page asks."""
    from sync_agent import pin
    from sync_agent.vault import VaultError

    if not pin.given():
        return
    try:
        form_lock.open(pin.obtain())
    except VaultError:
        pass  # wrong or locked: the unlock page says which
