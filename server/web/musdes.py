"""Musdes pages: a village's list of a period (Daftar Usulan Perubahan Data), its CSV and
berita acara, recording the deliberation, and the regency's approval (docs/musdes.md).

The use cases are `server.services.musdes` and `server.services.submission`; this module
reads the form, calls one of them and answers, showing a refused form with the reason
next to each field.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from server.documents import berita_acara
from server.errors import Conflict, Forbidden, ValidationFailed
from server.http.engine import get_blobs, get_engine
from server.http.identity import current_user
from server.reconcile import periods
from server.services import exports as export_service
from server.services import musdes, submission
from server.web import labels, regions
from server.web.exports import csv_cell
from server.web.region_picker import EntryError, Picker
from server.web.session import login_required

bp = Blueprint("musdes", __name__)

STATE_WORDS = labels.PERIOD_STATE_LABELS
CSV_COLUMNS = ("household_id", "kk_number", "head_name", "head_nik", "address", "change",
               "place", "before", "after", "decision")


def cutoff_day() -> int:
    return int(current_app.config["VERIVALI_CUTOFF_DAY"])


def _guard(call: Any, *args: Any) -> Any:
    """A service call whose 403 and bad address become the pages' own answers."""
    try:
        return call(*args)
    except Forbidden:
        abort(403)
    except ValidationFailed:
        abort(404)


def _clock(period: str, region: str) -> dict[str, Any]:
    today = periods.local_today(datetime.now(UTC), region)
    return {"cutoff_date": periods.cutoff_date(period, cutoff_day()),
            "days_left": periods.days_to_cutoff(today, period, cutoff_day()),
            "zone": periods.zone_for(region).label}


@bp.app_context_processor
def _cutoff_reminder() -> dict[str, Any]:
    """`musdes_clock(region)` for any page: the current period and the days left to its
    cut-off (the dashboard shows it as a reminder)."""
    def musdes_clock(region: str) -> dict[str, Any]:
        period = periods.period_of(datetime.now(UTC), cutoff_day(), region)
        return {**_clock(period, region), "period": period}
    return {"musdes_clock": musdes_clock}


@bp.get("/musdes")
@login_required()
def index() -> ResponseReturnValue:
    """Choose a village (or a regency) and a period; the current period by default."""
    user = current_user()
    scope = regions.scope(user) or []
    first = scope[0] if scope else "1811"
    current = periods.period_of(datetime.now(UTC), cutoff_day(), first)
    typed = request.args.get("desa", "").strip()
    period = request.args.get("periode", "").strip() or current
    error = None
    if typed:
        try:
            village = Picker(user).resolve(typed, _("Desa/Kelurahan"), refuse_outside=False)
        except EntryError as problem:
            village, error = None, problem.message
        if village and len(village) == 10:
            return redirect(url_for(".village", period=period, village=village))
        if village and len(village) == 4:
            return redirect(url_for(".regency", period=period, regency=village))
        if village:
            error = _("Desa/Kelurahan: pilih satu desa/kelurahan, atau ketik kode kabupaten/kota "
                      "(4 angka) untuk semua desanya.")
    return render_template("musdes/index.html", period=current, scope=scope,
                           clock=_clock(current, first), error=error, typed=typed), \
        422 if error else 200


def _kept_words(entry: dict[str, Any]) -> list[str]:
    """Each place a refusal left as it is, with why, in words."""
    return [_("%(place)s tetap: %(why)s", place=labels.place_label(k["path"]),
              why=_("sudah diubah lagi sesudah keputusan itu") if k["reason"] == "changed_since"
              else _("sudah tidak ada di DTSEN"))
            for k in entry.get("kept") or []]


def _rows(listing: dict[str, Any]) -> list[dict[str, Any]]:
    return [{**entry, "change_words": labels.label(labels.LIST_CHANGE_LABELS, entry["change"]),
             "reasons": ", ".join(labels.label(labels.RULE_LABELS, r) for r in entry["rules"]),
             "places": [(labels.place_label(f["path"]), labels.show_listed(f["path"], f["before"]),
                         labels.show_listed(f["path"], f["after"])) for f in entry["fields"]],
             "kept_words": _kept_words(entry)}
            for entry in listing["households"]]


@bp.get("/musdes/<period>/desa/<village>")
@login_required()
def village(period: str, village: str) -> ResponseReturnValue:
    """The village's list of the period, its state and the days left to the cut-off."""
    listing = _guard(musdes.village_list, get_engine(), current_user(), period, village,
                     cutoff_day())
    return _village_page(listing, {})


def _village_page(listing: dict[str, Any], errors: dict[str, Any],
                  status: int = 200) -> ResponseReturnValue:
    village_code = listing["village"]
    state = listing["state"] if listing["households"] or listing["state"] != "open" else "empty"
    return render_template("musdes/village.html", listing=listing, rows=_rows(listing),
                           state=state, state_words=STATE_WORDS,
                           clock=_clock(listing["period"], village_code), errors=errors,
                           form=request.form), status


@bp.get("/musdes/<period>/desa/<village>/usulan.csv")
@login_required()
def village_csv(period: str, village: str) -> ResponseReturnValue:
    """The list as a spreadsheet: one row per changed place."""
    engine, user = get_engine(), current_user()
    listing = _guard(musdes.village_list, engine, user, period, village, cutoff_day())
    # Names and NIKs leave the server: recorded as every export is.
    export_service.record(engine, user, "export.usulan", {"region": village, "period": period})
    return Response(_csv_lines(listing), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="usulan-{period}-{village}.csv"'})


def _csv_lines(listing: dict[str, Any]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for entry in _rows(listing):
        places = entry["places"] or [("", "", "")]
        for place, before, after in places:
            writer.writerow([csv_cell(v) for v in (
                entry["household_id"], entry["kk_number"], entry["head"]["name"],
                entry["head"]["nik"], entry["address"], entry["change_words"], place,
                before, after, entry["decision"] or "")])
    yield buffer.getvalue()


@bp.get("/musdes/<period>/desa/<village>/<kind>.pdf")
@login_required()
def village_pdf(period: str, village: str, kind: str) -> ResponseReturnValue:
    """The berita acara or the SPTJM, with the BNBA annex."""
    if kind not in berita_acara.KINDS:
        abort(404)
    engine, user = get_engine(), current_user()
    pdf = _guard(musdes.document, engine, get_blobs(), user, period, village, cutoff_day(),
                 berita_acara.render_pdf, kind)
    export_service.record(engine, user, f"export.{kind}", {"region": village, "period": period})
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{kind}-{period}-{village}.pdf"',
        "Cache-Control": "private"})


def _record_from_form() -> tuple[musdes.MusdesRecord | None, dict[str, Any]]:
    errors: dict[str, Any] = {}
    raw = request.form.get("attendees", "").strip()
    attendees = int(raw) if raw.isdigit() else None
    if raw and attendees is None:
        errors["attendees"] = _("Jumlah peserta harus berupa angka.")
    upload = request.files.get("scan")
    scan = upload.read(musdes.SCAN_MAX_BYTES + 1) if upload else b""
    record = musdes.MusdesRecord(
        signed_as=request.form.get("signed_as", "musdes"),
        held_on=request.form.get("held_on", "").strip(), attendees=attendees, scan=scan,
        refused=tuple(request.form.getlist("refused")))
    return (None if errors else record), errors


@bp.post("/musdes/<period>/desa/<village>/catat")
@login_required("supervisor", "admin")
def record(period: str, village: str) -> ResponseReturnValue:
    """Record the musdes (or SPTJM): decisions, date, attendees, the signed scan."""
    engine, user = get_engine(), current_user()
    listing = _guard(musdes.village_list, engine, user, period, village, cutoff_day())
    entry, errors = _record_from_form()
    if entry is not None:
        try:
            frozen = musdes.record_musdes(engine, get_blobs(), user, period, village,
                                          cutoff_day(), entry)
        except ValidationFailed as exc:
            errors = {k: " ".join(v) for k, v in (exc.details or {}).items()}
        except Conflict as exc:
            errors = {"form": exc.message}
        else:
            flash(_("Hasil musyawarah dicatat; daftar usulan disahkan dan dikunci."))
            kept = [(e["household_id"], w) for e in _rows(frozen) for w in e["kept_words"]]
            if kept:
                flash(_("Tidak semua data yang ditolak dikembalikan: %(places)s.",
                        places="; ".join(f"{h} — {w}" for h, w in kept)))
            return redirect(url_for(".village", period=period, village=village))
    return _village_page(listing, errors, 422)


@bp.get("/musdes/<period>/kabupaten/<regency>")
@login_required()
def regency(period: str, regency: str) -> ResponseReturnValue:
    """The regency's villages in the period: how many are ready, and the approval."""
    view = _guard(submission.overview, get_engine(), current_user(), period, regency,
                  cutoff_day())
    return _regency_page(view, [])


def _regency_page(view: dict[str, Any], errors: list[str],
                  status: int = 200) -> ResponseReturnValue:
    return render_template("musdes/regency.html", view=view, state_words=STATE_WORDS,
                           clock=_clock(view["period"], view["regency"]), errors=errors), status


@bp.post("/musdes/<period>/kabupaten/<regency>/setujui")
@login_required("admin")
def approve(period: str, regency: str) -> ResponseReturnValue:
    """The regency's approval: the submission files are made and the period is closed."""
    engine, user = get_engine(), current_user()
    _guard(submission.check_regency, user, period, regency)
    try:
        submission.approve(engine, get_blobs(), user, period, regency, cutoff_day())
    except Forbidden:
        abort(403)
    except (Conflict, ValidationFailed) as exc:
        errors = [exc.message, *(exc.details or {}).get("villages", [])]
    else:
        flash(_("Periode disetujui; berkas pengiriman siap diunduh."))
        return redirect(url_for(".regency", period=period, regency=regency))
    view = _guard(submission.overview, engine, user, period, regency, cutoff_day())
    return _regency_page(view, errors, 409)


@bp.get("/musdes/<period>/kabupaten/<regency>/pengiriman.<kind>")
@login_required()
def submission_download(period: str, regency: str, kind: str) -> ResponseReturnValue:
    """The approved period's submission file as stored (CSV or JSONL)."""
    try:
        chunks = _guard(submission.submission_file, get_engine(), get_blobs(), current_user(),
                        period, regency, kind)
    except Conflict:
        abort(404)
    mimetype = "text/csv" if kind == "csv" else "application/x-ndjson"
    return Response(chunks, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="pengiriman-{period}-{regency}.{kind}"'})


@bp.get("/musdes/<period>/kabupaten/<regency>/sampul.pdf")
@login_required()
def cover_pdf(period: str, regency: str) -> ResponseReturnValue:
    """The approved period's counts per district and village, for the bupati's letter."""
    try:
        summary = _guard(submission.cover, get_engine(), current_user(), period, regency)
    except Conflict:
        abort(404)
    return Response(berita_acara.render_cover(summary), mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="rekap-{period}-{regency}.pdf"'})
