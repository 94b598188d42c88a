"""Signing in and out of the web pages, and choosing the language.

Passwords are set with `verivali-server users passwd` or on the admin pages; only
supervisors and admins may sign in here. Enumerators use the API token of their laptop.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from server.http.engine import get_engine
from server.http.identity import signed_in
from server.services import signin as signin_service
from server.web import session as web_session
from server.web.i18n import LANGUAGES

bp = Blueprint("auth", __name__)


def client_address() -> str:
    """The browser's address; the proxy's last `X-Forwarded-For` hop only when trusted."""
    if current_app.config.get("VERIVALI_TRUST_FORWARDED_PROTO"):
        forwarded = request.headers.get("X-Forwarded-For", "")
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if hops:
            return hops[-1][:64]
    return (request.remote_addr or "unknown")[:64]


@bp.route("/masuk", methods=["GET", "POST"])
def signin() -> ResponseReturnValue:
    """Username and password; a wrong try is audited and slows the next ones down."""
    target = web_session.safe_next(request.values.get("next"))
    if request.method == "GET":
        if signed_in() is not None:
            return redirect(target or url_for("web.queue.index"))
        return render_template("signin.html", next=target, name="", error=None)
    name = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    if not name or not password:
        error = _("Isi nama pengguna dan kata sandi.")
        return render_template("signin.html", next=target, name=name, error=error), 400
    address = client_address()
    policy = signin_service.Policy.from_config(current_app.config)
    attempt = signin_service.sign_in(get_engine(), policy, name, password, address,
                                     web_session.WEB_ROLES)
    wait, user = attempt.wait, attempt.user
    if wait:
        minutes = max(1, (wait + 59) // 60)
        error = _(
            "Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam %(n)s menit.", n=minutes
        )
        return render_template("signin.html", next=target, name=name, error=error), 429
    if user is None:
        error = _("Nama pengguna atau kata sandi salah.")
        return render_template("signin.html", next=target, name=name, error=error), 401
    if user["role"] not in web_session.WEB_ROLES:
        error = _(
            "Halaman ini untuk supervisor dan admin. Petugas verifikasi memakai aplikasi "
            "di laptop."
        )
        return render_template("signin.html", next=target, name=name, error=error), 403
    web_session.sign_in(user)
    return redirect(target or url_for("web.queue.index"))


@bp.post("/keluar")
def signout() -> ResponseReturnValue:
    """End the session, and every copy of its cookie, on the server too (a form post, so
    another site cannot sign someone out)."""
    web_session.sign_out(everywhere=True)
    flash(_("Anda sudah keluar."), "info")
    return redirect(url_for("web.auth.signin"))


@bp.get("/bahasa/<lang>")
def language(lang: str) -> ResponseReturnValue:
    """Switch between Bahasa Indonesia and English; the choice outlives signing out."""
    if lang in LANGUAGES:
        session["lang"] = lang
    target = web_session.safe_next(request.args.get("next"))
    return redirect(target or url_for("web.queue.index"))
