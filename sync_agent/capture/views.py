"""The form's pages: the household list, one visit, a new-household proposal, a correction."""

from __future__ import annotations

import hmac
import re
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue

from schemas.enums import PHOTO_KIND
from schemas.survey import MAX_PHOTOS
from schemas.validators import region_name
from sync_agent.capture import forms
from sync_agent.home import open_initialised
from sync_agent.record import SurveyInvalid, local_now, new_household_id, record_survey
from sync_agent.store import Store

bp = Blueprint("capture", __name__)


def store() -> Store:
    if "store" not in g:
        g.store = open_initialised(current_app.config["AGENT_HOME"], g.key)
    return g.store


@bp.route("/buka", methods=["GET", "POST"])
def unlock() -> ResponseReturnValue:
    """The PIN page: shown at start and after the form locked itself."""
    from schemas.labels import LOCK
    from sync_agent import vault

    form_lock = current_app.config["LOCK"]
    home = current_app.config["AGENT_HOME"]
    message = LOCK["idle"] if form_lock.idled else None
    if vault.state(home)["locked"]:
        return render_template("unlock.html", message=LOCK["blocked"], blocked=True), 423
    if request.method == "GET":
        return render_template("unlock.html", message=message, blocked=False)
    _check_csrf()
    try:
        form_lock.open(request.form.get("pin", ""))
    except vault.WrongPin as exc:
        if not exc.left:
            return render_template("unlock.html", message=LOCK["blocked"], blocked=True), 423
        return render_template("unlock.html", message=LOCK["wrong"].format(left=exc.left),
                               blocked=False), 401
    except vault.VaultError:
        return render_template("unlock.html", message=LOCK["blocked"], blocked=True), 423
    return redirect(url_for(".index"), 303)


@bp.post("/kunci")
def lock_now() -> ResponseReturnValue:
    _check_csrf()
    current_app.config["LOCK"].close()
    return redirect(url_for(".unlock"), 303)


def _check_csrf() -> None:
    sent = request.form.get("csrf_token", "")
    if not hmac.compare_digest(sent, current_app.config["CSRF_TOKEN"]):
        abort(400, "Formulir kedaluwarsa; muat ulang halaman.")


@bp.get("/")
def index() -> ResponseReturnValue:
    """Assigned households (searchable), surveys to correct, outbox counts."""
    s = store()
    query = request.args.get("q", "").strip().lower()
    rows = s.assigned_households()
    if query:
        rows = [
            r for r in rows
            if query in " ".join(
                str(r.get(k) or "") for k in ("household_id", "head_name", "address", "region_code")
            ).lower()
        ]
    limit = current_app.config["LIST_LIMIT"]
    last = s.last_sync()
    if last and not last["ok"]:
        last = {**last, "reason": sync_words(last.get("reason") or "")}
    return render_template(
        "index.html",
        households=rows[:limit],
        total=len(rows),
        limit=limit,
        query=query,
        counts=s.counts(),
        rejected=s.surveys(("rejected",)),
        pending=s.surveys(("pending", "sent"), limit=50),
        last_sync=last,
        saved=request.args.get("saved"),
        open_flags=len(s.open_flags()),
        # The zone the laptop's times read in: that of its (first) assigned village.
        home_region=next(iter(s.assigned_villages()), None),
    )


@bp.route("/keluarga/<household_id>", methods=["GET", "POST"])
def visit(household_id: str) -> ResponseReturnValue:
    """One visit to an assigned household, pre-filled with the registry's values."""
    household = store().household(household_id)
    if household is None:
        abort(404, "Keluarga tidak ada di salinan lokal.")
    context = {
        "mode": "visit",
        "household_id": household_id,
        "registry": household,
        "revisit_notes": _revisit_notes(household_id),
        "unsent": store().unsent_survey_of(household_id),
        "action_url": url_for(".visit", household_id=household_id),
    }
    if request.method == "GET":
        values = forms.values_from_household(household)
        values.fields.update(outcome="found", started_at=local_now())
        return _render(values, {}, context)
    return _save(context, base_version=None, replaces=None)


@bp.route("/usulan-baru", methods=["GET", "POST"])
def new_household() -> ResponseReturnValue:
    """A poor family found in an assigned village but missing from the registry."""
    villages = store().assigned_villages()
    household_id = request.form.get("household_id") or new_household_id()
    if not household_id.startswith("NEW-"):
        abort(400)
    context = {
        "mode": "new",
        "household_id": household_id,
        "villages": [(code, region_name(code) or code) for code in villages],
        "action_url": url_for(".new_household"),
    }
    if request.method == "GET":
        values = forms.values_from_household(None)
        values.members.append({**forms.blank_member(), "relationship": "head"})
        values.fields.update(outcome="found", started_at=local_now(),
                             region_code=villages[0] if len(villages) == 1 else "")
        return _render(values, {}, context)
    return _save(context, base_version=None, replaces=None)


@bp.route("/perbaiki/<survey_id>", methods=["GET", "POST"])
def correct(survey_id: str) -> ResponseReturnValue:
    """Correct a survey the server rejected; saving stores a new survey and retires this one."""
    rejected = store().survey(survey_id)
    if rejected is None or rejected["state"] != "rejected":
        abort(404, "Kunjungan ini tidak menunggu perbaikan.")
    body = rejected["body"]
    is_new = body.get("base_version") is None
    household = store().household(body["household_id"])
    context = {
        "mode": "new" if is_new else "visit",
        "correcting": rejected,
        "household_id": body["household_id"],
        "registry": household,
        "villages": [(c, region_name(c) or c) for c in store().assigned_villages()],
        "action_url": url_for(".correct", survey_id=survey_id),
    }
    if request.method == "GET":
        values = forms.values_from_survey(body, household)
        placement = forms.household_from_values(values, body["household_id"])[1]
        errors = forms.map_errors(rejected["errors"] or {}, placement)
        return _render(values, forms.plain_errors(errors, values), context)
    return _save(context, base_version=body.get("base_version"), replaces=survey_id)


def _revisit_notes(household_id: str) -> list[str]:
    """What the supervisor wrote when sending this household back (flags as last pulled)."""
    return [f.get("resolution_note") or "" for f in store().open_flags()
            if f.get("household_id") == household_id and f.get("status") == "revisit"]


# What a sync's failure means for the enumerator, by the first word of its one-line reason.
_SYNC_WORDS = {
    "offline": "Tidak tersambung ke server (tidak ada sinyal atau server mati). "
               "Data aman di laptop; coba lagi saat ada sinyal.",
    "token revoked": "Token ditolak server: minta token baru ke admin, lalu jalankan "
                     "verivali-agent init.",
    "server error": "Server sedang bermasalah; data aman di laptop, coba lagi nanti.",
    "busy": "Sinkronisasi lain sedang berjalan; tunggu sebentar.",
}


def sync_words(reason: str) -> str:
    for start, words in _SYNC_WORDS.items():
        if reason.startswith(start):
            return words
    return "Sinkronisasi gagal; data aman di laptop, coba lagi nanti."


@bp.post("/sinkronkan")
def sync_now() -> ResponseReturnValue:
    """'Sinkronkan Sekarang': the same sync as `verivali-agent sync`, under the same lock.

    A quick sync answers on the list as before; a slow one (a bad link) sends the page to
    its progress view rather than holding the request open for minutes.
    """
    from sync_agent.capture import sync_job

    _check_csrf()
    job = sync_job.start(current_app.config["AGENT_HOME"])
    if job.done.wait(current_app.config.get("SYNC_WAIT_SECONDS", 3.0)):
        return _show_result()
    return redirect(url_for(".sync_progress"))


@bp.get("/sinkronkan")
def sync_progress() -> ResponseReturnValue:
    """Where the running sync is; the page reloads itself until it has ended."""
    from sync_agent.capture import sync_job

    job = sync_job.current(current_app.config["AGENT_HOME"])
    if job is None or not job.running:
        return _show_result()
    return render_template("syncing.html", stage=progress_words(job.progress))


def _show_result() -> ResponseReturnValue:
    from sync_agent.capture import sync_job

    attempt = sync_job.take_result(current_app.config["AGENT_HOME"])
    if attempt is not None and attempt.outcome == "ok":
        flash("Sinkronisasi berhasil: " + _report_words(attempt.message), "ok")
    elif attempt is not None:
        flash(sync_words(attempt.message), "error")
    return redirect(url_for(".index"))


# The sync's progress lines start with the step they are in.
_STAGES = {"push": "Mengirim kunjungan", "pull": "Menerima pembaruan keluarga",
           "photos": "Mengunggah foto"}


def progress_words(line: str) -> str:
    """A progress line ("pull: 3 household(s) … · 12 KB sent, 40 KB received, 1 retries")
    in Indonesian for the page."""
    if not line:
        return "Menyambung ke server…"
    step = _STAGES.get(line.split(":", 1)[0].strip(), "Sinkronisasi berjalan")
    sent = re.search(r"([\d.]+ [KM]B) sent", line)
    received = re.search(r"([\d.]+ [KM]B) received", line)
    retries = re.search(r"(\d+) retries", line)
    percent = re.search(r"photos: (\d+)/(\d+), (\d+)%", line)
    words = step
    if percent:
        words += f" {percent.group(1)} dari {percent.group(2)} ({percent.group(3)}%)"
    words += "…"
    if sent and received:
        words += f" {sent.group(1)} terkirim, {received.group(1)} diterima"
    if retries and retries.group(1) != "0":
        words += f", {retries.group(1)} kali diulang"
    return words


def _report_words(summary: str) -> str:
    """The sync summary's figures in Indonesian ("pushed 3 (acknowledged 3, ...)")."""
    numbers = dict(re.findall(r"(pushed|acknowledged|rejected|pulled) (\d+)", summary))
    findings = re.search(r"(\d+) finding", summary)
    return (f"{numbers.get('pushed', '0')} kunjungan terkirim "
            f"({numbers.get('rejected', '0')} ditolak), "
            f"{numbers.get('pulled', '0')} keluarga diperbarui, "
            f"{findings.group(1) if findings else '0'} temuan diterima.")


def _save(context: dict[str, Any], base_version: int | None, replaces: str | None) -> ResponseReturnValue:
    _check_csrf()
    values = forms.values_from_form(request.form)
    if request.form.get("action") == "add_member":
        values.members.append(forms.blank_member())
        return _render(values, {}, context)
    observed, placement = forms.household_from_values(values, context["household_id"])
    outcome = values.get("outcome") or "found"
    try:
        survey = record_survey(
            store(),
            household_id=context["household_id"],
            outcome=outcome,
            observed=observed if outcome == "found" else None,
            notes=values.get("notes") or None,
            gps=forms.gps_from_values(values),
            new=context["mode"] == "new",
            started_at=values.get("started_at") or None,
            base_version=base_version,
            replaces=replaces,
            photos=_photos_sent(),
        )
    except SurveyInvalid as exc:
        errors = forms.map_errors(exc.errors, placement)
        return _render(values, forms.plain_errors(errors, values), context), 422
    return redirect(url_for(".index", saved=survey["survey_id"]))


def _photos_sent() -> list[tuple[str, bytes]]:
    """(kind, bytes) of each photo chosen in the form, in the order of the kinds."""
    return [(kind, upload.read()) for kind in PHOTO_KIND
            for upload in request.files.getlist(f"photo.{kind}") if upload.filename]


def _render(values: forms.FormValues, errors: dict[str, list[str]], context: dict[str, Any]) -> str:
    return render_template("visit.html", v=values, errors=errors, max_photos=MAX_PHOTOS,
                           **context)
