"""The signed-in person: session cookie, CSRF token, role checks and security headers.

The cookie is Flask's signed session, HttpOnly and SameSite=Lax, and Secure whenever
the request came over HTTPS. Behind a reverse proxy that ends TLS, the proxy's
`X-Forwarded-Proto` is believed only when the admin says so
(`VERIVALI_TRUST_FORWARDED_PROTO=1`): otherwise anyone could claim HTTPS.

The session holds the user id, a fingerprint of the password hash, the account's
session generation and the time of signing in. The generation (`users.session_generation`)
changes when the user signs out, when the password changes and when the API token is
revoked or rotated, on the pages or on the command line: every cookie carrying the old
number, copies included, is over at its next request. A session is also over
`VERIVALI_SESSION_HOURS` after signing in, however busy it has been (an absolute limit,
not an idle one). A disabled account ends every open session at the next click.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, ParamSpec

from flask import Flask, abort, current_app, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from server.http.engine import get_engine
from server.http.identity import set_current_user, signed_in
from server.services import signin as signin_service

P = ParamSpec("P")

WEB_ROLES = ("supervisor", "admin")
CSRF_FIELD = "csrf_token"


class WebSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, marked Secure per request rather than per deployment."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or is_https()


def is_https() -> bool:
    if request.scheme == "https":
        return True
    if current_app.config.get("VERIVALI_TRUST_FORWARDED_PROTO"):
        forwarded = request.headers.get("X-Forwarded-Proto", "")
        return forwarded.split(",")[0].strip().lower() == "https"
    return False


def configure(app: Flask) -> None:
    app.session_interface = WebSessionInterface()
    app.config["SESSION_COOKIE_NAME"] = app.config.get("VERIVALI_SESSION_COOKIE", "verivali_web")
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    if not app.config.get("SESSION_COOKIE_SAMESITE"):
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config.setdefault("VERIVALI_TRUST_FORWARDED_PROTO", False)  # server/settings.py
    hours = int(app.config.get("VERIVALI_SESSION_HOURS", 10))
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=hours)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["web_user"] = signed_in


def password_fingerprint(password_hash: str | None) -> str:
    """Changes whenever the password does; reveals nothing about it."""
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, (password_hash or "").encode(), hashlib.sha256).hexdigest()[:24]


def sign_in(user: dict[str, Any]) -> None:
    """A fresh session for `user`: nothing of the anonymous one survives (no fixation)."""
    lang = session.get("lang")
    session.clear()
    session.permanent = True
    session["uid"] = user["user_id"]
    session["fp"] = password_fingerprint(user["password_hash"])
    session["gen"] = user["session_generation"]
    session["signed_in_at"] = int(time.time())
    session[CSRF_FIELD] = secrets.token_urlsafe(32)
    if lang:
        session["lang"] = lang


def sign_out(everywhere: bool = False) -> None:
    """Forget the session; `everywhere`: end the account's sessions on the server too, so
    a copy of this cookie is worth nothing (the sign-out button)."""
    uid = session.get("uid")
    if everywhere and uid is not None:
        signin_service.sign_out(get_engine(), uid)
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def load_user() -> None:
    """Before every page: who is signed in, if anyone still may be."""
    set_current_user(None)
    uid = session.get("uid")
    if uid is None:
        return
    user = signin_service.session_user(get_engine(), uid)
    if (
        user is None
        or not user["active"]
        or user["role"] not in WEB_ROLES
        or session.get("fp") != password_fingerprint(user["password_hash"])
        or session.get("gen") != user["session_generation"]
        or not _within_lifetime(session.get("signed_in_at"))
    ):
        sign_out()
        return
    set_current_user(user)


def _within_lifetime(signed_in_at: object) -> bool:
    """Signed in less than the session's hours ago (and not in the future)."""
    if not isinstance(signed_in_at, int) or isinstance(signed_in_at, bool):
        return False
    age = time.time() - signed_in_at
    return -60 <= age < current_app.permanent_session_lifetime.total_seconds()


def csrf_token() -> str:
    token = session.get(CSRF_FIELD)
    if not token:
        token = secrets.token_urlsafe(32)
        session[CSRF_FIELD] = token
    return token


def check_csrf() -> None:
    """Every form posts the session's token back; a page elsewhere cannot."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.form.get(CSRF_FIELD, "")
    expected = session.get(CSRF_FIELD, "")
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(400, description="csrf")


def login_required(
    *roles: str,
) -> Callable[[Callable[P, ResponseReturnValue]], Callable[P, ResponseReturnValue]]:
    """Signed-in people of `roles` only (default: supervisors and admins); else sign-in or 403."""
    allowed = roles or WEB_ROLES

    def decorator(view: Callable[P, ResponseReturnValue]) -> Callable[P, ResponseReturnValue]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> ResponseReturnValue:
            user = signed_in()
            if user is None:
                return redirect(url_for("web.auth.signin", next=request.full_path))
            if user["role"] not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def security_headers(response: Response) -> Response:
    """Pages carry personal data: no caching, no framing, no foreign scripts."""
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    )
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: never an open redirect to another host.

    Browsers drop tabs and line breaks inside an address and strip spaces and control
    characters around it, and read `\\` as `/`: so `/<tab>/evil.example` would go to
    `//evil.example`. A target holding any of them, or not starting with a single `/`,
    is refused (the caller falls back to its default page).
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return None
    return target
