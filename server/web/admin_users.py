"""Admin: users, their roles, regions, passwords and API tokens. Every change audited.

The work is done by `server.store.users`, the same functions as the CLI; a new token
is shown once on the page that made it and never stored in clear.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from server.http.engine import get_engine
from server.store import audit
from server.store import users as user_store
from server.store.db import reading, transaction
from server.web import forms, labels, regions
from server.web import session as web_session
from server.web.session import current_user, login_required

bp = Blueprint("admin_users", __name__, url_prefix="/admin/pengguna")


def _target(name: str) -> dict[str, Any]:
    with reading(get_engine()) as conn:
        user = user_store.by_name(conn, name)
    if user is None:
        abort(404)
    if not _may_manage(current_user(), user):
        abort(403)
    return user


def _may_manage(admin: dict[str, Any], user: dict[str, Any]) -> bool:
    """An admin with regions manages only people whose regions lie inside them."""
    scope = regions.scope(admin)
    return scope is None or all(regions.may_read_prefix(admin, r) for r in user["regions"])


@bp.get("")
@login_required("admin")
def index() -> ResponseReturnValue:
    """Everyone with an account, their role, regions and whether their token works."""
    with reading(get_engine()) as conn:
        people = user_store.list_all(conn)
    return render_template("admin/users.html", people=people, labels=labels, regions=regions)


def _render_new(errors: dict[str, str], values: dict[str, str], status: int = 200) -> ResponseReturnValue:
    return render_template("admin/user_new.html", errors=errors, values=values,
                           roles=user_store.ROLES, labels=labels), status


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
    if values["role"] not in user_store.ROLES:
        errors["role"] = _("Pilih peran.")
    region_codes = forms.region_list(values["regions"], admin, errors, "regions")
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
        with transaction(get_engine()) as conn:
            token = user_store.create(conn, values["name"], values["role"], region_codes)
            if password:
                user_store.set_password(conn, values["name"], password)
            audit.record(conn, admin["name"], "user.create", "user", values["name"],
                         {"role": values["role"], "regions": region_codes,
                          "password_set": bool(password)})
    except user_store.UserError:
        errors["name"] = _("Nama pengguna ini sudah dipakai.")
        return _render_new(errors, values, 422)
    flash(_("Pengguna %(name)s dibuat.", name=values["name"]), "success")
    return render_template("admin/token.html", name=values["name"], token=token)


@bp.get("/<name>")
@login_required("admin")
def edit(name: str) -> ResponseReturnValue:
    """Regions, password and token of one user."""
    user = _target(name)
    with reading(get_engine()) as conn:
        trail = audit.for_target(conn, "user", name)[-20:]
    return render_template("admin/user_edit.html", person=user, errors={}, labels=labels,
                           regions=regions, trail=list(reversed(trail)))


@bp.post("/<name>/wilayah")
@login_required("admin")
def set_regions(name: str) -> ResponseReturnValue:
    """Replace the user's regions (a supervisor keeps at least one)."""
    user = _target(name)
    admin = current_user()
    errors: dict[str, str] = {}
    codes = forms.region_list(request.form.get("regions"), admin, errors, "regions")
    if user["role"] == "supervisor" and not codes and "regions" not in errors:
        errors["regions"] = _("Supervisor memerlukan paling sedikit satu wilayah.")
    if errors:
        return render_template("admin/user_edit.html", person=user, errors=errors,
                               labels=labels, regions=regions, trail=[]), 422
    with transaction(get_engine()) as conn:
        user_store.set_regions(conn, user["user_id"], codes)
        audit.record(conn, admin["name"], "user.regions", "user", name,
                     {"before": user["regions"], "after": codes})
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
    with transaction(get_engine()) as conn:
        user_store.set_password(conn, name, password)
        audit.record(conn, admin["name"], "user.password_reset", "user", name, None)
        refreshed = user_store.by_name(conn, name)
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
    with transaction(get_engine()) as conn:
        user_store.revoke(conn, name)
        audit.record(conn, admin["name"], "user.token_revoke", "user", name, None)
    flash(_("Token API %(name)s dicabut.", name=name), "success")
    return redirect(url_for(".edit", name=name))


@bp.post("/<name>/token-baru")
@login_required("admin")
def rotate(name: str) -> ResponseReturnValue:
    """Issue a new API token (the old one stops working); shown once."""
    _target(name)
    admin = current_user()
    with transaction(get_engine()) as conn:
        token = user_store.rotate_token(conn, name)
        audit.record(conn, admin["name"], "user.token_rotate", "user", name, None)
    return render_template("admin/token.html", name=name, token=token)
