"""One household: registry and field side by side, the decisions, and their history.

Reads and decisions are `server.services.household_page` (decisions through the same
code as the API's resolve, one transaction each); this module only checks the form, the
role and the region.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from server.errors import Conflict, ValidationFailed
from server.http.engine import get_engine
from server.http.identity import current_user
from server.reconcile.diff import diff_households
from server.reconcile.fields import PathError
from server.services import household_page
from server.web import compare, labels, regions
from server.web.session import login_required

bp = Blueprint("household", __name__)

NOTE_MAX = 1000
ACTIONS = ("accept", "reject", "revisit")
NOTE_REQUIRED = ("reject", "revisit")
_DONE_MESSAGES = {
    "accept": _l("Temuan diterima."),
    "reject": _l("Temuan ditolak; data DTSEN tetap."),
    "revisit": _l("Kunjungan ulang diminta dari petugas."),
}


def _check_region(user: dict[str, Any], region: str | None) -> str:
    """404 for what does not exist; 403 outside the user's regions, before any data."""
    if region is None:
        abort(404)
    if not regions.may_read(user, region):
        abort(403)
    return region


def _version_changes(history: list[dict[str, Any]],
                     names: dict[str, str]) -> list[dict[str, Any]]:
    """Each version with the places it changed against the one before, newest first."""
    result = []
    previous = None
    for version in history:
        if previous is None:
            changes: list[tuple[str, str, str]] = []
        else:
            changes = [
                (labels.place_label(d.path, names), labels.show_at(d.path, d.before),
                 labels.show_at(d.path, d.after))
                for d in diff_households(previous, version["household"])
            ]
        result.append({**version, "changes": changes})
        previous = version["household"]
    return list(reversed(result))


def _page_context(household_id: str, region: str, chosen_survey: str | None) -> dict[str, Any]:
    found = household_page.page(get_engine(), household_id)
    view, history, surveys = found.view, found.history, found.surveys
    open_flags = found.open_flags
    registry = None
    if view is not None:
        registry = {k: v for k, v in view.items() if k not in ("version", "verification")}
    survey = _choose_survey(surveys, open_flags, chosen_survey)
    observed = (survey["body"] or {}).get("observed") if survey else None
    names = {s["survey_id"]: s["enumerator_name"] for s in surveys}
    members = labels.member_names(*(v["household"] for v in history), registry, observed)
    open_by_survey: dict[str | None, int] = {}
    for flag in open_flags:
        open_by_survey[flag["survey_id"]] = open_by_survey.get(flag["survey_id"], 0) + 1
    return {
        "household_id": household_id,
        "region": region,
        "region_name": regions.name(region),
        "view": view,
        "survey": survey,
        "surveys": surveys,
        "open_by_survey": open_by_survey,
        "sections": compare.side_by_side(registry, observed, open_flags),
        "places": compare.observations(open_flags, registry, history, surveys, region,
                                       members),
        "place_label": lambda path: labels.place_label(path, members),
        "open_flags": open_flags,
        "decided_flags": found.decided_flags,
        "enumerators": names,
        "versions": _version_changes(history, members),
        "trail": found.trail,
        "photos_received": found.photos_received,
        "labels": labels,
        "note_max": NOTE_MAX,
    }


def _choose_survey(surveys: list[dict[str, Any]], open_flags: list[dict[str, Any]],
                   chosen: str | None) -> dict[str, Any] | None:
    """The visit asked for; else the newest one with open flags; else the newest one."""
    if chosen:
        for survey in surveys:
            if survey["survey_id"] == chosen:
                return survey
    flagged = {f["survey_id"] for f in open_flags}
    live = [s for s in surveys if s["state"] != "superseded"]
    for survey in live:
        if survey["survey_id"] in flagged:
            return survey
    return live[0] if live else (surveys[0] if surveys else None)


def _render(household_id: str, region: str, status: int = 200,
            errors: dict[str, str] | None = None, notes: dict[str, str] | None = None) -> ResponseReturnValue:
    context = _page_context(household_id, region, request.args.get("kunjungan"))
    return render_template("household.html", errors=errors or {}, notes=notes or {},
                           **context), status


@bp.get("/keluarga/<household_id>")
@login_required()
def show(household_id: str) -> ResponseReturnValue:
    """Side-by-side record, flags with their decision forms, versions and trail."""
    user = current_user()
    region = _check_region(user, household_page.household_region(get_engine(), household_id))
    return _render(household_id, region)


def check_decision(action: str, note: str) -> str | None:
    if action not in ACTIONS:
        return _("Pilih Terima, Tolak atau Minta Kunjungan Ulang.")
    if len(note) > NOTE_MAX:
        return _("Catatan paling banyak %(n)s karakter.", n=NOTE_MAX)
    if action in NOTE_REQUIRED and not note:
        return _("Tulis alasan pada catatan untuk Tolak atau Minta Kunjungan Ulang.")
    return None


@bp.post("/temuan/<flag_id>/putuskan")
@login_required()
def decide(flag_id: str) -> ResponseReturnValue:
    """Terima / Tolak / Minta Kunjungan Ulang for one flag, with a note."""
    user = current_user()
    flag, flag_region = household_page.flag_region(get_engine(), flag_id)
    region = _check_region(user, flag_region)
    assert flag is not None
    household_id = flag["household_id"]
    action = request.form.get("action", "")
    note = request.form.get("note", "").strip()
    error = check_decision(action, note)
    if error:
        return _render(household_id, region, 422, {flag_id: error}, {flag_id: note})
    try:
        version = household_page.decide_flag(get_engine(), user, flag_id, household_id,
                                              action, note or None)
    except Conflict:
        flash(_("Temuan ini sudah diputuskan sebelumnya; keputusan Anda tidak disimpan."), "error")
        return redirect(url_for(".show", household_id=household_id) + "#open-flags")
    except (ValidationFailed, PathError):
        return _render(household_id, region, 422, {flag_id: _(
            "Temuan ini tidak dapat dikunjungi ulang atau diterapkan lagi; pilih keputusan lain."
        )}, {flag_id: note})
    message = str(_DONE_MESSAGES[action])
    if action == "accept" and version is not None:
        message += " " + _("Data DTSEN sekarang versi %(v)s.", v=version)
    flash(message, "success")
    # The findings' heading, where the page shows the message: the decided card is gone.
    return redirect(url_for(".show", household_id=household_id) + "#open-flags")


@bp.post("/kunjungan/<survey_id>/terima-semua")
@login_required()
def accept_all(survey_id: str) -> ResponseReturnValue:
    """Terima semua: accept every open flag one visit raised, in one transaction."""
    user = current_user()
    found = household_page.survey_region(get_engine(), survey_id)
    _check_region(user, found[1] if found else None)
    assert found is not None
    household_id = found[0]
    note = request.form.get("note", "").strip()
    if len(note) > NOTE_MAX:
        flash(_("Catatan paling banyak %(n)s karakter.", n=NOTE_MAX), "error")
        return redirect(url_for(".show", household_id=household_id, kunjungan=survey_id))
    try:
        decided, version = household_page.accept_visit(get_engine(), user, survey_id,
                                                       household_id, note or None)
    except (Conflict, ValidationFailed, PathError):
        flash(_("Tidak semua temuan dapat diterima sekaligus; putuskan satu per satu."), "error")
        return redirect(url_for(".show", household_id=household_id, kunjungan=survey_id))
    message = _("%(n)s temuan diterima.", n=len(decided))
    if version is not None:
        message += " " + _("Data DTSEN sekarang versi %(v)s.", v=version)
    flash(message, "success")
    return redirect(url_for(".show", household_id=household_id))
