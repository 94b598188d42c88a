"""Bulk decisions on the queue: choose, confirm with the count, decide, report.

Plain form posts, no script needed: the queue posts the ticked findings (or "every
finding under this filter") with the action and one note; this answers a confirmation
page naming the count ("Tolak 137 temuan?") that carries the chosen ids themselves, so
what is decided is exactly what was confirmed, even if the filter gains findings
meanwhile; the second post decides them through `server.services.bulk_review`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from server.errors import Forbidden
from server.http.engine import get_engine
from server.http.identity import current_user
from server.services import bulk_review
from server.web import labels
from server.web.household import check_decision
from server.web.queue import filter_args, parse_filter
from server.web.session import login_required

bp = Blueprint("queue_bulk", __name__)

_QUESTIONS = {
    "accept": lambda n: ngettext("Terima %(num)s temuan?", "Terima %(num)s temuan?", n),
    "reject": lambda n: ngettext("Tolak %(num)s temuan?", "Tolak %(num)s temuan?", n),
    "revisit": lambda n: ngettext("Minta kunjungan ulang untuk %(num)s temuan?",
                                  "Minta kunjungan ulang untuk %(num)s temuan?", n),
}
_DONE = {
    "accept": lambda n: ngettext("%(num)s temuan diterima", "%(num)s temuan diterima", n),
    "reject": lambda n: ngettext("%(num)s temuan ditolak", "%(num)s temuan ditolak", n),
    "revisit": lambda n: ngettext("%(num)s temuan dikirim untuk kunjungan ulang",
                                  "%(num)s temuan dikirim untuk kunjungan ulang", n),
}
_YES = {
    "accept": lambda n: ngettext("Ya, terima %(num)s temuan", "Ya, terima %(num)s temuan", n),
    "reject": lambda n: ngettext("Ya, tolak %(num)s temuan", "Ya, tolak %(num)s temuan", n),
    "revisit": lambda n: ngettext("Ya, minta kunjungan ulang untuk %(num)s temuan",
                                  "Ya, minta kunjungan ulang untuk %(num)s temuan", n),
}
REASONS = {
    bulk_review.NOT_FOUND: _l("Temuan tidak ditemukan."),
    bulk_review.NOT_OPEN: _l("Sudah diputuskan, ditutup, atau sudah diminta kunjungan ulang."),
    bulk_review.CHOOSE_VALUE: _l("Konflik data: pilih nilai yang benar di halaman keluarga."),
    bulk_review.NO_VISIT: _l("Temuan dari pemeriksaan data DTSEN tidak dapat dikunjungi ulang."),
    bulk_review.PLACE_GONE: _l("Tempat data ini sudah tidak ada di DTSEN; putuskan di halaman keluarga."),
}


def _back_url(flt: Any) -> str:
    """The queue as it was: same filter, same view."""
    view = "temuan" if request.form.get("tampilan") == "temuan" else None
    return url_for("web.queue.index", **filter_args(flt), tampilan=view)


def _too_many(total: int) -> str:
    return _("Pilihan ini mencakup %(n)s temuan; paling banyak %(max)s sekaligus. "
             "Persempit saringan (desa, jenis temuan, tingkat) lalu coba lagi.",
             n=f"{total:,}".replace(",", "."), max=bulk_review.BULK_LIMIT)


def _form_action() -> tuple[str, str, str | None]:
    action = request.form.get("action", "")
    note = request.form.get("note", "").strip()
    return action, note, check_decision(action, note)


@bp.post("/antrian/massal")
@login_required()
def confirm() -> ResponseReturnValue:
    """The confirmation step: nothing is written here."""
    user = current_user()
    flt, _errors = parse_filter(request.form, user)
    back = _back_url(flt)
    action, note, error = _form_action()
    if error:
        flash(error, "error")
        return redirect(back)
    engine = get_engine()
    try:
        if request.form.get("semua") == "1":
            selection = bulk_review.select_matching(engine, user, flt)
        elif request.form.getlist("keluarga"):
            selection = bulk_review.select_matching(engine, user, flt,
                                                    request.form.getlist("keluarga"))
        else:
            selection = bulk_review.select_flags(engine, user, request.form.getlist("temuan"))
    except bulk_review.TooMany as exc:
        flash(_too_many(exc.total), "error")
        return redirect(back)
    except Forbidden:
        abort(403)
    if not selection.flag_ids:
        flash(_("Pilih temuan dulu: centang temuan atau keluarga, atau pilih semua yang "
                "ditampilkan saringan ini."), "error")
        return redirect(back)
    count = len(selection.flag_ids)
    return render_template(
        "queue_bulk_confirm.html", action=action, note=note, flag_ids=selection.flag_ids,
        question=_QUESTIONS[action](count), yes=_YES[action](count),
        by_rule=sorted(((labels.label(labels.RULE_LABELS, rule), n)
                        for rule, n in selection.by_rule.items()), key=lambda x: -x[1]),
        back=back, filter_fields=filter_args(flt), view=request.form.get("tampilan"),
    )


@bp.post("/antrian/massal/putuskan")
@login_required()
def decide() -> ResponseReturnValue:
    """Decide the confirmed flags in one transaction; the count done and those skipped."""
    user = current_user()
    flt, _errors = parse_filter(request.form, user)
    back = _back_url(flt)
    action, note, error = _form_action()
    if error:
        flash(error, "error")
        return redirect(back)
    try:
        outcome = bulk_review.decide_many(get_engine(), user, request.form.getlist("temuan"),
                                          action, note or None)
    except bulk_review.TooMany as exc:
        flash(_too_many(exc.total), "error")
        return redirect(back)
    except Forbidden:
        abort(403)
    return render_template(
        "queue_bulk_done.html", done=_DONE[action](len(outcome.decided)),
        decided=len(outcome.decided), skipped=outcome.skipped, reasons=REASONS,
        rule_names={r: labels.label(labels.RULE_LABELS, r) for r in labels.RULE_LABELS},
        back=back,
    )
