"""Dasbor: progress of a regency, district or village, its open flags and sync health."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import Connection, Engine, select

from server.http.engine import get_engine
from server.store.db import reading
from server.store.pages import dashboard as queries
from server.store.tables import households
from server.web import charts, labels, regions
from server.web.session import current_user, login_required

bp = Blueprint("dashboard", __name__)
T = TypeVar("T")

DEFAULT_SILENT_DAYS = 3


def _default_prefix(conn: Connection, user: dict[str, Any]) -> str | None:
    prefixes = regions.scope(user)
    if prefixes:
        return prefixes[0]
    first = conn.execute(
        select(households.c.region_code).order_by(households.c.region_code).limit(1)
    ).scalar()
    return first[:4] if first else None


def _silent_days(raw: str | None) -> tuple[int, str | None]:
    if not raw:
        return DEFAULT_SILENT_DAYS, None
    if raw.isdigit() and 1 <= int(raw) <= 365:
        return int(raw), None
    return DEFAULT_SILENT_DAYS, _("Jumlah hari harus 1–365; dipakai %(n)s hari.",
                                  n=DEFAULT_SILENT_DAYS)


def _groups(progress: dict[str, queries.Progress], prefix: str) -> list[dict[str, Any]]:
    """Villages grouped by district (for a regency or wider), each group with a subtotal."""
    by_group: dict[str, list[tuple[str, queries.Progress]]] = {}
    for code, counts in progress.items():
        key = code[:6] if len(prefix) < 6 else prefix
        by_group.setdefault(key, []).append((code, counts))
    groups = []
    for key, villages in by_group.items():
        subtotal = queries.Progress()
        for _code, counts in villages:
            subtotal.add(counts)
        groups.append({"code": key, "name": regions.name(key), "subtotal": subtotal,
                       "villages": [(c, regions.name(c), p) for c, p in villages]})
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


def _read(engine: Engine, query: Callable[..., T], *args: Any) -> T:
    with reading(engine) as conn:
        return query(conn, *args)


@bp.get("/dasbor")
@login_required()
def index() -> ResponseReturnValue:
    """Regency, district or village: `?wilayah=1811` (dots allowed); `?diam=3` days."""
    user = current_user()
    silent_days, days_error = _silent_days(request.args.get("diam", "").strip() or None)
    raw = request.args.get("wilayah", "").strip()
    with reading(get_engine()) as conn:
        if raw:
            prefix = regions.clean_prefix(raw)
            if prefix is None:
                abort(400)
        else:
            prefix = _default_prefix(conn, user)
        if prefix is None:
            return render_template("dashboard.html", prefix=None, groups=[], labels=labels,
                                   days_error=days_error, silent_days=silent_days,
                                   user_regions=user["regions"])
        if not regions.may_read_prefix(user, prefix):
            abort(403)
    # The two passes over the households of a regency are independent: run them side by
    # side, each on its own read connection, and the small flag queries meanwhile here.
    engine = get_engine()
    with ThreadPoolExecutor(max_workers=2) as pool:
        progress_job = pool.submit(_read, engine, queries.village_progress, prefix)
        health_job = pool.submit(_read, engine, queries.sync_health, prefix, silent_days)
        with reading(engine) as conn:
            by_rule = queries.open_flags_by_rule(conn, prefix)
            graduation = queries.open_flags_of_rule(conn, prefix, "GRADUATION_DUE")
            desil = queries.open_flags_of_rule(conn, prefix, "INELIGIBLE_DESIL")
        progress, health = progress_job.result(), health_job.result()
    groups = _groups(progress, prefix)
    total = queries.Progress()
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
        health=health,
        silent_count=sum(1 for e in health if e.silent),
        silent_days=silent_days,
        days_error=days_error,
        labels=labels,
        regions=regions,
        user_regions=user["regions"],
    )
