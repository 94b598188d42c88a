"""Admin: users, their roles, regions, passwords and API tokens. Every change audited.

The work is done by `server.services.users` (the CLI's store functions, each change one
audited transaction); a new token is shown once on the page that made it and never
stored in clear.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from server.http.engine import get_engine
from server.http.identity import current_user
from server.services import lost_devices, phones
from server.services import users as user_service
from server.services.accounts import UserError
from server.web import forms, labels, regions
from server.web import session as web_session
from server.web.session import login_required

bp = Blueprint("admin_users", __name__, url_prefix="/admin/pengguna")


def _target(name: str) -> dict[str, Any]:
    """The account to change; 403 when it lies (even partly) outside the admin's regions."""
    user, allowed = user_service.find(get_engine(), current_user(), name)
    if user is None:
        abort(404)
    if not allowed:
        abort(403)
    return user


@bp.get("")
@login_required("admin")
def index() -> ResponseReturnValue:
    """Everyone with an account, their role, regions and whether their token works."""
    people = user_service.everyone(get_engine(), current_user())
    return render_template("admin/users.html", people=people, labels=labels, regions=regions)


def _render_new(errors: dict[str, str], values: dict[str, str], status: int = 200) -> ResponseReturnValue:
    return render_template("admin/user_new.html", errors=errors, values=values,
                           roles=user_service.ROLES, labels=labels), status


@bp.route("/baru", methods=["GET", "POST"])
@login_required("admin")
def create() -> ResponseReturnValue:
    """A new enumerator, supervisor or admin; the API token is shown once."""
    if request.method == "GET":
        return _render_new({}, {"role": "enumerator"})
    admin = current_user()
    values = {k: request.form.get(k, "").strip() for k in ("name", "role", "regions")}
    errors: dict[str, str] = {}
    if not forms.USER_NAME.fullmatch(values["name"]):
        errors["name"] = _("Nama pengguna 2–64 karakter: huruf, angka, titik, '-' atau '_'.")
    if values["role"] not in user_service.ROLES:
        errors["role"] = _("Pilih peran.")
    region_codes = forms.region_list(values["regions"], admin, errors, "regions", _("Wilayah"),
                                     request.form.get("regions_pick"))
    if values["role"] == "supervisor" and not region_codes and "regions" not in errors:
        errors["regions"] = _("Supervisor memerlukan paling sedikit satu wilayah.")
    if regions.scope(admin) is not None and not region_codes and "regions" not in errors:
        errors["regions"] = _("Isi wilayah: Anda hanya mengelola wilayah Anda sendiri.")
    password = request.form.get("password", "")
    if password:
        forms.check_password(password, request.form.get("password2", ""), errors, "password")
    if errors:
        return _render_new(errors, values, 422)
    try:
        token = user_service.create(get_engine(), admin, values["name"], values["role"],
                                    region_codes, password)
    except user_service.UserError:
        errors["name"] = _("Nama pengguna ini sudah dipakai.")
        return _render_new(errors, values, 422)
    flash(_("Pengguna %(name)s dibuat.", name=values["name"]), "success")
    return _token_page(values["name"], values["role"], token)


def _token_page(name: str, role: str, token: str) -> ResponseReturnValue:
    """The new token, once; for an enumerator also the QR code that sets up Collect."""
    qr = phones.collect_qr_svg(request.url_root, token, name) if role == "enumerator" else None
    return render_template("admin/token.html", name=name, token=token, qr=qr)


@bp.get("/<name>")
@login_required("admin")
def edit(name: str) -> ResponseReturnValue:
    """Regions, password and token of one user."""
    user = _target(name)
    trail = user_service.recent_changes(get_engine(), name)
    return render_template("admin/user_edit.html", person=user, errors={}, labels=labels,
                           regions=regions, trail=trail)


@bp.post("/<name>/wilayah")
@login_required("admin")
def set_regions(name: str) -> ResponseReturnValue:
    """Replace the user's regions (a supervisor keeps at least one)."""
    user = _target(name)
    admin = current_user()
    errors: dict[str, str] = {}
    codes = forms.region_list(request.form.get("regions"), admin, errors, "regions",
                              _("Wilayah"), request.form.get("regions_pick"))
    if user["role"] == "supervisor" and not codes and "regions" not in errors:
        errors["regions"] = _("Supervisor memerlukan paling sedikit satu wilayah.")
    if regions.scope(admin) is not None and not codes and "regions" not in errors:
        errors["regions"] = _("Isi wilayah: Anda hanya mengelola wilayah Anda sendiri.")
    if errors:
        return render_template("admin/user_edit.html", person=user, errors=errors,
                               labels=labels, regions=regions, trail=[]), 422
    user_service.set_regions(get_engine(), admin, user, codes)
    flash(_("Wilayah %(name)s disimpan.", name=name), "success")
    return redirect(url_for(".edit", name=name))


@bp.post("/<name>/sandi")
@login_required("admin")
def reset_password(name: str) -> ResponseReturnValue:
    """Set a new web password; the user's open sessions end."""
    user = _target(name)
    admin = current_user()
    errors: dict[str, str] = {}
    password = request.form.get("password", "")
    forms.check_password(password, request.form.get("password2", ""), errors, "password")
    if errors:
        return render_template("admin/user_edit.html", person=user, errors=errors,
                               labels=labels, regions=regions, trail=[]), 422
    refreshed = user_service.reset_password(get_engine(), admin, name, password)
    if refreshed is not None and refreshed["user_id"] == admin["user_id"]:
        web_session.sign_in(refreshed)  # keep the admin who changed their own password in
    flash(_("Kata sandi %(name)s diganti.", name=name), "success")
    return redirect(url_for(".edit", name=name))


@bp.post("/<name>/cabut-token")
@login_required("admin")
def revoke(name: str) -> ResponseReturnValue:
    """Stop the user's API token at once (a lost laptop)."""
    _target(name)
    admin = current_user()
    user_service.revoke_token(get_engine(), admin, name)
    flash(_("Token API %(name)s dicabut.", name=name), "success")
    return redirect(url_for(".edit", name=name))


@bp.post("/<name>/tandai-hilang")
@login_required("admin")
def mark_lost(name: str) -> ResponseReturnValue:
    """A lost laptop: its token only hands in pending visits, then the laptop wipes."""
    _target(name)
    try:
        lost_devices.mark_lost(get_engine(), current_user()["name"], name, via="web")
    except UserError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".edit", name=name))
    flash(_("Laptop %(name)s ditandai hilang: kunjungan yang tertunda tetap diterima, lalu "
            "data di laptop itu dihapus.", name=name), "success")
    return redirect(url_for(".edit", name=name))


@bp.post("/<name>/token-baru")
@login_required("admin")
def rotate(name: str) -> ResponseReturnValue:
    """Issue a new API token (the old one stops working); shown once."""
    user = _target(name)
    admin = current_user()
    token = user_service.rotate_token(get_engine(), admin, name)
    return _token_page(name, user["role"], token)
