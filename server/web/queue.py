"""Antrian Temuan: the open flags of a supervisor's regions.

By household by default (one row per family, most severe first, then the oldest), or
one row per finding, oldest first (`tampilan=temuan`).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from schemas.enums import RULES, SEVERITY
from server.http.engine import get_engine
from server.http.identity import current_user
from server.services import review_queue
from server.services.bulk_review import BULK_LIMIT
from server.web import labels, regions
from server.web.i18n import age_days
from server.web.session import login_required

bp = Blueprint("queue", __name__)

PAGE_SIZE = 50
AGE_CHOICES = (0, 3, 7, 14, 30, 60, 90)


def parse_filter(args: Any, user: dict[str, Any]) -> tuple[review_queue.QueueFilter, dict[str, str]]:
    """The filter from the query string; a bad value is dropped with a message, not a 400."""
    errors: dict[str, str] = {}
    village = None
    raw_village = args.get("desa", "").strip()
    if raw_village:
        village = regions.clean_prefix(raw_village)
        if village is None:
            errors["desa"] = _("Kode wilayah harus 2, 4, 6 atau 10 angka.")
        elif not regions.may_read(user, village) and not _covers_part(user, village):
            errors["desa"] = _("Wilayah ini di luar cakupan Anda.")
            village = None
    rule = args.get("aturan") or None
    if rule is not None and rule not in RULES:
        errors["aturan"] = _("Jenis temuan tidak dikenal.")
        rule = None
    severity = args.get("tingkat") or None
    if severity is not None and severity not in SEVERITY:
        errors["tingkat"] = _("Tingkat tidak dikenal.")
        severity = None
    min_age = None
    raw_age = args.get("umur", "").strip()
    if raw_age:
        if raw_age.isdigit() and int(raw_age) <= 3650:
            min_age = int(raw_age) or None
        else:
            errors["umur"] = _("Umur temuan harus bilangan hari 0–3650.")
    status = args.get("status") or "open"
    if status not in review_queue.QUEUE_STATUSES:
        errors["status"] = _("Status tidak dikenal.")
        status = "open"
    hide_notes = args.get("catatan") == "sembunyi"
    flt = review_queue.QueueFilter(village, rule, severity, min_age, status, hide_notes)
    return flt, errors


def _covers_part(user: dict[str, Any], prefix: str) -> bool:
    """A broader prefix (the regency) is fine when the user holds part of it: the scope
    itself still confines the rows."""
    prefixes = regions.scope(user)
    return prefixes is None or any(p.startswith(prefix) for p in prefixes)


def _cursor(args: Any, key: str) -> tuple[str, str] | None:
    raw = args.get(key)
    return review_queue.decode_cursor(raw) if raw else None


def _whole_number(raw: str | None, default: int) -> int:
    return int(raw) if raw and raw.isdigit() and 0 < int(raw) < 1_000_000 else default


def filter_args(flt: review_queue.QueueFilter) -> dict[str, Any]:
    """The filter as query-string arguments, for every link that keeps it."""
    args: dict[str, Any] = {
        "desa": flt.village or None, "aturan": flt.rule, "tingkat": flt.severity,
        "umur": flt.min_age_days, "status": flt.status if flt.status != "open" else None,
        "catatan": "sembunyi" if flt.hide_notes else None,
    }
    return {k: v for k, v in args.items() if v}


@bp.get("/antrian")
@login_required()
def index() -> ResponseReturnValue:
    """Filter by village, rule, severity and age; counts per rule; by household or flag."""
    user = current_user()
    flt, errors = parse_filter(request.args, user)
    base_args = filter_args(flt)
    if request.args.get("tampilan") == "temuan":
        page = _by_flag(user, flt, base_args)
    else:
        page = _by_household(user, flt, base_args)
    counts = page.pop("counts")
    total = counts.get(flt.rule, 0) if flt.rule else sum(counts.values())
    notes_args = {**base_args, "catatan": None if flt.hide_notes else "sembunyi"}
    if page["view"] == "temuan":
        notes_args["tampilan"] = "temuan"
    return render_template(
        "queue.html",
        flt=flt,
        errors=errors,
        counts=counts,
        total=total,
        views={"keluarga": url_for(".index", **base_args),
               "temuan": url_for(".index", **base_args, tampilan="temuan")},
        notes_url=url_for(".index", **notes_args),
        rule_url=lambda rule: url_for(".index", **{**base_args, "aturan": rule},
                                      tampilan=request.args.get("tampilan")),
        rules=RULES,
        severities=SEVERITY,
        age_choices=AGE_CHOICES,
        labels=labels,
        rule_names={r: str(labels.RULE_LABELS.get(r, r)) for r in RULES},
        severity_names={s: str(labels.SEVERITY_LABELS.get(s, s)) for s in SEVERITY},
        statuses=review_queue.QUEUE_STATUSES,
        filter_fields=base_args,
        bulk_limit=BULK_LIMIT,
        bulk_open=request.args.get("massal") == "1",
        **page,
    )


def _by_household(user: dict[str, Any], flt: review_queue.QueueFilter,
                  base_args: dict[str, Any]) -> dict[str, Any]:
    number = _whole_number(request.args.get("halaman"), 1)
    found = review_queue.by_household(get_engine(), regions.scope(user), flt,
                                      offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    for row in found.rows:
        row["age_days"] = age_days(row["oldest"])
        row["village_name"] = regions.name(row["region_code"])
    first = (number - 1) * PAGE_SIZE + 1
    return {
        "view": "keluarga", "households": found.rows, "counts": found.counts,
        "villages": [(code, regions.name(code), n) for code, n in found.villages],
        "shown": (first, first + len(found.rows) - 1, found.total),
        "next_url": url_for(".index", **base_args, halaman=number + 1)
        if first + len(found.rows) - 1 < found.total else None,
        "prev_url": url_for(".index", **base_args, halaman=number - 1) if number > 1 else None,
        "first_url": url_for(".index", **base_args) if number > 2 else None,
    }


def _by_flag(user: dict[str, Any], flt: review_queue.QueueFilter,
             base_args: dict[str, Any]) -> dict[str, Any]:
    """One row per finding by keyset pages; `mulai` carries the first row's position."""
    after, before = _cursor(request.args, "setelah"), _cursor(request.args, "sebelum")
    found = review_queue.queue(get_engine(), regions.scope(user), flt, after=after,
                               before=before, limit=PAGE_SIZE)
    result = found.page
    for row in result.rows:
        row["age_days"] = age_days(row["created_at"])
        row["village_name"] = regions.name(row["region_code"])
        names = {**found.names.get(row["household_id"], {}),
                 **labels.member_names({"members": [row["field_value"]]})}
        row["place"] = labels.place_label(row["path"], names)
    first = _whole_number(request.args.get("mulai"), 1) if (after or before) else 1
    flat = {**base_args, "tampilan": "temuan"}
    total = sum(found.counts.get(r, 0) for r in ([flt.rule] if flt.rule else found.counts))
    return {
        "view": "temuan", "rows": result.rows, "counts": found.counts,
        "villages": [(code, regions.name(code), n) for code, n in found.villages],
        "shown": (first, first + len(result.rows) - 1, total),
        "next_url": url_for(".index", **flat, setelah=result.next_cursor,
                            mulai=first + PAGE_SIZE) if result.next_cursor else None,
        "prev_url": url_for(".index", **flat, sebelum=result.prev_cursor,
                            mulai=max(1, first - PAGE_SIZE)) if result.prev_cursor else None,
        "first_url": url_for(".index", **flat) if (after or before) else None,
    }
