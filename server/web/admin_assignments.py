"""Admin: who visits which households. Assign a village or households; move work across.

The work is `server.services.assignments` (the CLI's store functions, so laptops learn
of every change through the pull feed); each action is one audited transaction.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from server.http.engine import get_engine
from server.http.identity import current_user
from server.services import assignments as assignment_service
from server.web import forms, regions
from server.web.session import login_required

bp = Blueprint("admin_assignments", __name__, url_prefix="/admin/penugasan")


def _page(errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
          status: int = 200) -> ResponseReturnValue:
    admin = current_user()
    people, table = assignment_service.overview(get_engine(), regions.scope(admin))
    for row in table:
        row["region_name"] = regions.name(row["region_code"])
    return render_template("admin/assignments.html", enumerators=people, table=table,
                           errors=errors or {}, values=values or {}), status


@bp.get("")
@login_required("admin")
def index() -> ResponseReturnValue:
    """Forms to assign and reassign, and the work each enumerator holds per village."""
    return _page()


def _say(problems: dict[str, assignment_service.Problem]) -> dict[str, str]:
    """Each problem the service found, as a sentence beside its form field."""
    said = {}
    for key, problem in problems.items():
        ids = ", ".join(problem.ids)
        if problem.kind == "not_enumerator":
            said[key] = _("Pilih petugas verifikasi.")
        elif problem.kind == "unknown_households":
            said[key] = _("ID keluarga tidak dikenal: %(ids)s", ids=ids)
        elif problem.kind == "outside_scope":
            said[key] = _("Keluarga di luar wilayah Anda: %(ids)s", ids=ids)
        elif problem.kind == "no_households":
            said[key] = _("Tidak ada keluarga di wilayah atau daftar ini.")
        elif problem.kind == "same_enumerator":
            said[key] = _("Pilih petugas lain sebagai penerima tugas.")
        else:
            said[key] = _("Petugas asal tidak memegang tugas di wilayah atau daftar ini.")
    return said


@bp.post("/tugaskan")
@login_required("admin")
def assign() -> ResponseReturnValue:
    """Give an enumerator every household of some villages, or a list of households."""
    admin = current_user()
    values = {k: request.form.get(k, "").strip() for k in ("enumerator", "regions", "households")}
    errors: dict[str, str] = {}
    codes = forms.region_list(values["regions"], admin, errors, "regions", _("Desa/Kelurahan"),
                              request.form.get("regions_pick"))
    ids = forms.household_list(values["households"], errors, "households")
    if not errors and not codes and not ids:
        errors["regions"] = _("Isi wilayah (nama atau kode) atau ID keluarga.")
    done = assignment_service.assign(get_engine(), admin, values["enumerator"], codes, ids,
                                     form_ok=not errors)
    errors.update(_say(done.problems))
    if errors:
        return _page(errors, values, 422)
    flash(_("%(n)s keluarga baru ditugaskan kepada %(who)s (%(m)s cocok).", n=done.created,
            who=done.enumerator, m=done.households), "success")
    return redirect(url_for(".index"))


@bp.post("/pindahkan")
@login_required("admin")
def reassign() -> ResponseReturnValue:
    """Move open work of one enumerator to another (a village or listed households)."""
    admin = current_user()
    values = {k: request.form.get(k, "").strip()
              for k in ("from_enumerator", "to_enumerator", "regions", "households")}
    errors: dict[str, str] = {}
    codes = forms.region_list(values["regions"], admin, errors, "regions", _("Desa/Kelurahan"),
                              request.form.get("regions_pick"))
    ids = forms.household_list(values["households"], errors, "households")
    if not errors and not codes and not ids:
        errors["regions"] = _("Isi wilayah (nama atau kode) atau ID keluarga.")
    done = assignment_service.reassign(get_engine(), admin, values["from_enumerator"],
                                       values["to_enumerator"], codes, ids,
                                       form_ok=not errors)
    errors.update(_say(done.problems))
    if errors:
        return _page(errors, values, 422)
    flash(_("%(n)s tugas dipindahkan dari %(a)s kepada %(b)s.", n=done.households,
            a=done.source, b=done.enumerator), "success")
    return redirect(url_for(".index"))
