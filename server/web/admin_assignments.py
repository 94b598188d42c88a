"""Admin: who visits which households. Assign a village or households; move work across.

Uses `server.store.assignments` (the CLI's functions), so laptops learn of every change
through the pull feed; each action is one audited transaction.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import Connection

from server.http.engine import get_engine
from server.store import assignments as assignment_store
from server.store import audit
from server.store import users as user_store
from server.store.db import reading, transaction
from server.store.pages import admin as queries
from server.web import forms, regions
from server.web.session import current_user, login_required

bp = Blueprint("admin_assignments", __name__, url_prefix="/admin/penugasan")


def _page(errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
          status: int = 200) -> ResponseReturnValue:
    admin = current_user()
    with reading(get_engine()) as conn:
        people = queries.enumerators(conn)
        table = queries.summary(conn, regions.scope(admin))
    for row in table:
        row["region_name"] = regions.name(row["region_code"])
    return render_template("admin/assignments.html", enumerators=people, table=table,
                           errors=errors or {}, values=values or {}), status


@bp.get("")
@login_required("admin")
def index() -> ResponseReturnValue:
    """Forms to assign and reassign, and the work each enumerator holds per village."""
    return _page()


def _enumerator(conn: Connection, name: str, errors: dict[str, str], key: str) -> dict[str, Any] | None:
    user = user_store.by_name(conn, name) if name else None
    if user is None or user["role"] != "enumerator":
        errors[key] = _("Pilih petugas verifikasi.")
        return None
    return user


def _households(conn: Connection, admin: dict[str, Any], region_codes: list[str],
                ids: list[str], errors: dict[str, str]) -> list[str]:
    """The households named by regions and ids, each one inside the admin's scope."""
    found = queries.regions_of(conn, ids)
    unknown = [i for i in ids if i not in found]
    if unknown:
        errors["households"] = _("ID keluarga tidak dikenal: %(ids)s", ids=", ".join(unknown[:5]))
        return []
    outside = [i for i, region in found.items() if not regions.may_read(admin, region)]
    if outside:
        errors["households"] = _("Keluarga di luar wilayah Anda: %(ids)s",
                                 ids=", ".join(outside[:5]))
        return []
    chosen = assignment_store.households_in_regions(conn, region_codes)
    known = set(chosen)
    chosen.extend(i for i in ids if i not in known)
    if not chosen:
        errors["regions"] = _("Tidak ada keluarga di wilayah atau daftar ini.")
    return chosen


@bp.post("/tugaskan")
@login_required("admin")
def assign() -> ResponseReturnValue:
    """Give an enumerator every household of some villages, or a list of households."""
    admin = current_user()
    values = {k: request.form.get(k, "").strip() for k in ("enumerator", "regions", "households")}
    errors: dict[str, str] = {}
    codes = forms.region_list(values["regions"], admin, errors, "regions")
    ids = forms.household_list(values["households"], errors, "households")
    if not errors and not codes and not ids:
        errors["regions"] = _("Isi kode wilayah atau ID keluarga.")
    with transaction(get_engine()) as conn:
        enumerator = _enumerator(conn, values["enumerator"], errors, "enumerator")
        chosen = _households(conn, admin, codes, ids, errors) if not errors else []
        if errors or enumerator is None:
            return _page(errors, values, 422)
        created = assignment_store.assign_households(conn, enumerator["user_id"], chosen)
        audit.record(conn, admin["name"], "assignment.assign", "user", enumerator["name"],
                     {"regions": codes, "households": len(chosen), "new": created})
    flash(_("%(n)s keluarga baru ditugaskan kepada %(who)s (%(m)s cocok).", n=created,
            who=enumerator["name"], m=len(chosen)), "success")
    return redirect(url_for(".index"))


@bp.post("/pindahkan")
@login_required("admin")
def reassign() -> ResponseReturnValue:
    """Move open work of one enumerator to another (a village or listed households)."""
    admin = current_user()
    values = {k: request.form.get(k, "").strip()
              for k in ("from_enumerator", "to_enumerator", "regions", "households")}
    errors: dict[str, str] = {}
    codes = forms.region_list(values["regions"], admin, errors, "regions")
    ids = forms.household_list(values["households"], errors, "households")
    if not errors and not codes and not ids:
        errors["regions"] = _("Isi kode wilayah atau ID keluarga.")
    with transaction(get_engine()) as conn:
        source = _enumerator(conn, values["from_enumerator"], errors, "from_enumerator")
        target = _enumerator(conn, values["to_enumerator"], errors, "to_enumerator")
        if source and target and source["user_id"] == target["user_id"]:
            errors["to_enumerator"] = _("Pilih petugas lain sebagai penerima tugas.")
        if not errors:
            _households(conn, admin, [], ids, errors)
        moving = [] if errors or source is None else queries.live_assignments(
            conn, source["user_id"], codes, ids)
        if not errors and not moving:
            errors["regions"] = _("Petugas asal tidak memegang tugas di wilayah atau daftar ini.")
        if errors or source is None or target is None:
            return _page(errors, values, 422)
        for item in moving:
            assignment_store.cancel(conn, item["assignment_id"])
        for status in ("open", "revisit"):
            batch = [m["household_id"] for m in moving if m["status"] == status]
            if batch:
                assignment_store.assign_households(conn, target["user_id"], batch, status=status)
        audit.record(conn, admin["name"], "assignment.reassign", "user", target["name"],
                     {"from": source["name"], "to": target["name"], "regions": codes,
                      "households": len(moving)})
    flash(_("%(n)s tugas dipindahkan dari %(a)s kepada %(b)s.", n=len(moving),
            a=source["name"], b=target["name"]), "success")
    return redirect(url_for(".index"))
