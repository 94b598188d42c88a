"""Dasbor: progress of a regency, district or village, its open flags and sync health."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from server.http.engine import get_engine
from server.http.identity import current_user
from server.services import dashboard as dashboard_service
from server.web import charts, labels, regions
from server.web.i18n import age_days
from server.web.region_picker import EntryError, Picker
from server.web.session import login_required

bp = Blueprint("dashboard", __name__)

DEFAULT_SILENT_DAYS = 3
# Rows of the sync table: the silent enumerators come first, so a province's or a large
# regency's two thousand enumerators do not make a page a supervisor's phone cannot load.
SYNC_ROWS = 200


def _silent_days(raw: str | None) -> tuple[int, str | None]:
    if not raw:
        return DEFAULT_SILENT_DAYS, None
    if raw.isdigit() and 1 <= int(raw) <= 365:
        return int(raw), None
    return DEFAULT_SILENT_DAYS, _("Jumlah hari harus 1–365; dipakai %(n)s hari.",
                                  n=DEFAULT_SILENT_DAYS)


def _groups(progress: dict[str, dashboard_service.Progress], prefix: str) -> list[dict[str, Any]]:
    """Villages grouped by district (for a regency), each group with a subtotal; for a
    province, one subtotal per regency and no village rows (a thousand villages would
    make the page too long to read; the regency's own page lists them)."""
    width = 4 if len(prefix) < 4 else 6 if len(prefix) < 6 else len(prefix)
    by_group: dict[str, list[tuple[str, dashboard_service.Progress]]] = {}
    for code, counts in progress.items():
        by_group.setdefault(code[:width], []).append((code, counts))
    groups = []
    for key, villages in by_group.items():
        subtotal = dashboard_service.Progress()
        for _code, counts in villages:
            subtotal.add(counts)
        groups.append({"code": key, "name": regions.name(key), "title": regions.title(key),
                       "subtotal": subtotal,
                       "villages": [] if width == 4 else
                       [(c, regions.name(c), p) for c, p in villages]})
    return groups


def _progress_chart(groups: list[dict[str, Any]], per_village: bool) -> charts.Chart:
    rows = []
    items = ([(name, p) for g in groups for _c, name, p in g["villages"]] if per_village
             else [(g["name"], g["subtotal"]) for g in groups])
    for name, p in items:
        other_visited = max(0, p.visited - p.verified - p.flagged - p.not_found)
        waiting = max(0, p.assigned - p.visited)
        rows.append((name, [
            ("bar-verified", p.verified, _("Terverifikasi")),
            ("bar-flagged", p.flagged, _("Ada temuan")),
            ("bar-not_found", p.not_found, _("Tidak ditemukan")),
            ("bar-visited", other_visited, _("Dikunjungi lainnya")),
            ("bar-assigned", waiting, _("Ditugaskan, belum dikunjungi")),
        ]))
    return charts.stacked(rows)


@bp.get("/dasbor")
@login_required()
def index() -> ResponseReturnValue:
    """Regency, district or village: `?wilayah=1811` (dots allowed); `?diam=3` days."""
    user = current_user()
    silent_days, days_error = _silent_days(request.args.get("diam", "").strip() or None)
    raw = request.args.get("wilayah", "").strip()
    region_error = None
    prefix = None
    if raw:
        try:
            prefix = Picker(user).resolve(raw, _("Wilayah"), refuse_outside=False)
        except EntryError as problem:
            region_error = problem.message
    if prefix is None:
        prefix = dashboard_service.default_prefix(get_engine(), user)
    if prefix is None or region_error:
        return render_template("dashboard.html", prefix=None, groups=[], labels=labels,
                               days_error=days_error, silent_days=silent_days,
                               region_error=region_error, typed=raw,
                               user_regions=user["regions"], regions=regions), \
            422 if region_error else 200
    if not regions.may_read_prefix(user, prefix):
        abort(403)
    found = dashboard_service.figures(get_engine(), prefix, silent_days)
    progress, health, by_rule = found.progress, found.health, found.by_rule
    graduation, desil = found.graduation, found.desil
    groups = _groups(progress, prefix)
    total = dashboard_service.Progress()
    for group in groups:
        total.add(group["subtotal"])
    return render_template(
        "dashboard.html",
        prefix=prefix,
        prefix_name=regions.title(prefix),
        level=regions.level(prefix),
        dotted=regions.dotted(prefix),
        groups=groups,
        total=total,
        progress_chart=_progress_chart(groups, per_village=len(prefix) >= 6),
        by_rule=by_rule,
        rule_chart=charts.simple([(labels.label(labels.RULE_LABELS, r), n)
                                  for r, n in by_rule.items()]),
        graduation=graduation,
        desil=desil,
        health=health[:SYNC_ROWS],
        health_total=len(health),
        silent_count=sum(1 for e in health if _has_synced(e) and e.silent),
        sync_state=_sync_state,
        silent_days=silent_days,
        days_error=days_error,
        labels=labels,
        regions=regions,
        user_regions=user["regions"],
    )


def _has_synced(enumerator: Any) -> bool:
    return any(d.last_sync for d in enumerator.devices)


def _sync_state(device: Any) -> dict[str, str]:
    """How a laptop's sync reads on the page: a user who never synced is no alarm.

    `device` is None for an enumerator with no laptop yet ("Belum pernah sinkron").
    """
    if device is None or not device.last_sync:
        return {"css": "never", "words": _("Belum pernah sinkron")}
    if device.silent:
        return {"css": "silent",
                "words": _("Diam %(n)s hari", n=age_days(device.last_sync) or 0)}
    return {"css": "", "words": _("Aktif")}
