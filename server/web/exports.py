"""Ekspor: accepted corrections of a period as CSV, a region's registry as JSON lines,
its survey photos as a list (JSONL) and, for an admin, a village's photos as a zip.

Both are streamed from a read transaction that `server.services.exports` opens when the
response starts flowing, so a regency's registry leaves the server in batches, never
held whole in memory. Each export is audited (who took which region's data, when).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    make_response,
    render_template,
    request,
    stream_with_context,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from server.http.engine import get_blobs, get_engine
from server.http.identity import current_user
from server.services import exports as export_service
from server.web import regions
from server.web.i18n import local_iso, zone_for
from server.web.region_picker import EntryError, Picker
from server.web.region_picker import text_of as region_text
from server.web.session import login_required

bp = Blueprint("exports", __name__)

CSV_COLUMNS = ("household_id", "member_id", "field", "old_value", "new_value", "decided_by",
               "decided_at", "flag_id")
_FORMULA_START = ("=", "+", "@", "\t", "\r")


def _region(user: dict[str, Any]) -> str:
    raw = request.args.get("wilayah", "").strip()
    if not raw:
        prefixes = regions.scope(user)
        if not prefixes:
            abort(400)
        return prefixes[0]
    try:
        prefix = Picker(user).resolve(raw, _("Wilayah"), refuse_outside=False)
    except EntryError as problem:
        today = datetime.now(zone_for(None).tz).date().isoformat()
        abort(make_response(_form({"wilayah": problem.message}, raw,
                                  request.args.get("dari", today[:8] + "01"),
                                  request.args.get("sampai", today)), 422))
    if not regions.may_read_prefix(user, prefix):
        abort(403)
    return prefix


def parse_period(args: Any, region: str) -> tuple[str, str, dict[str, str]]:
    """`dari`/`sampai` (YYYY-MM-DD, inclusive, the region's local days) → UTC bounds."""
    errors: dict[str, str] = {}
    today = datetime.now(zone_for(region).tz).date()
    days: dict[str, date] = {}
    for key, default in (("dari", today.replace(day=1)), ("sampai", today)):
        raw = (args.get(key) or "").strip()
        try:
            days[key] = date.fromisoformat(raw) if raw else default
        except ValueError:
            errors[key] = _("Tanggal harus berbentuk TTTT-BB-HH, misalnya 2026-11-30.")
            days[key] = default
    if days["dari"] > days["sampai"]:
        errors["sampai"] = _("Tanggal akhir tidak boleh sebelum tanggal awal.")
    tz = zone_for(region).tz
    start = datetime.combine(days["dari"], time(0), tz).astimezone(UTC)
    end = datetime.combine(days["sampai"] + timedelta(days=1), time(0), tz).astimezone(UTC)
    return (start.isoformat(timespec="microseconds"), end.isoformat(timespec="microseconds"),
            errors)


def csv_cell(value: Any) -> str:
    """A value for a spreadsheet: JSON for structures, and no cell that runs as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        text = str(value)
    if text.startswith(_FORMULA_START) or (text.startswith("-") and not _is_number(text)):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _csv_lines(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    count = 0
    for row in rows:
        row = {**row, "decided_at": local_iso(row["decided_at"], row["region_code"])}
        writer.writerow([csv_cell(row[c]) for c in CSV_COLUMNS])
        count += 1
        if count % 200 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


@bp.get("/ekspor")
@login_required()
def index() -> ResponseReturnValue:
    """The export form: a region and a period."""
    user = current_user()
    prefixes = regions.scope(user) or []
    region = region_text(prefixes[0]) if prefixes else ""
    today = datetime.now(zone_for(prefixes[0] if prefixes else None).tz).date()
    return _form({}, region, today.replace(day=1).isoformat(), today.isoformat())


def _form(errors: dict[str, str], region: str, start: str, end: str) -> str:
    """The export form again, with what was typed and why it was refused."""
    return render_template("exports.html", region=region, start=start, end=end, errors=errors)


@bp.get("/ekspor/koreksi.csv")
@login_required()
def corrections_csv() -> ResponseReturnValue:
    """Accepted corrections in the period: one row per changed place."""
    user = current_user()
    region = _region(user)
    start, end, errors = parse_period(request.args, region)
    if errors:
        return _form(errors, region_text(region), request.args.get("dari", ""),
                     request.args.get("sampai", "")), 422
    engine = get_engine()
    export_service.record(engine, user, "export.corrections",
                          {"region": region, "from": start, "to": end})

    def generate() -> Iterator[str]:
        # closing(): a browser that gives up mid-download frees the connection at once.
        with closing(export_service.corrections(engine, region, start, end)) as rows:
            yield from _csv_lines(rows)

    name = f"koreksi-{region}-{request.args.get('dari', 'awal')}-{request.args.get('sampai', 'kini')}.csv"
    return Response(stream_with_context(generate()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{_safe(name)}"'})


@bp.get("/ekspor/dtsen.jsonl")
@login_required()
def registry_jsonl() -> ResponseReturnValue:
    """The current registry of a region, one household a line, with its version."""
    user = current_user()
    region = _region(user)
    engine = get_engine()
    export_service.record(engine, user, "export.registry", {"region": region})

    def generate() -> Iterator[str]:
        with closing(export_service.registry(engine, region)) as lines:
            batch: list[str] = []
            for line in lines:
                batch.append(line)
                if len(batch) >= 200:
                    yield "".join(batch)
                    batch = []
            yield "".join(batch)

    return Response(stream_with_context(generate()), mimetype="application/x-ndjson",
                    headers={"Content-Disposition":
                             f'attachment; filename="dtsen-{_safe(region)}.jsonl"'})


@bp.get("/ekspor/foto.jsonl")
@login_required()
def photos_jsonl() -> ResponseReturnValue:
    """Per survey of the region naming photos: photo ids, kinds, whether each arrived."""
    user = current_user()
    region = _region(user)
    engine = get_engine()
    export_service.record(engine, user, "export.photo_list", {"region": region})

    def generate() -> Iterator[str]:
        with closing(export_service.photo_list(engine, region)) as lines:
            yield from lines

    return Response(stream_with_context(generate()), mimetype="application/x-ndjson",
                    headers={"Content-Disposition":
                             f'attachment; filename="foto-{_safe(region)}.jsonl"'})


@bp.get("/ekspor/foto.zip")
@login_required("admin")
def photos_zip() -> ResponseReturnValue:
    """An admin's zip of one village's received photos (with the photo list)."""
    user = current_user()
    region = _region(user)
    if len(region) != 10:
        abort(make_response(_form({"wilayah": _(
            "Desa/Kelurahan: foto diekspor per desa/kelurahan; pilih satu desa dari daftar.")},
            region_text(region), "", ""), 422))
    engine = get_engine()
    export_service.record(engine, user, "export.photos", {"region": region})
    chunks = export_service.photos_zip(engine, get_blobs(), region)
    return Response(stream_with_context(chunks), mimetype="application/zip",
                    headers={"Content-Disposition":
                             f'attachment; filename="foto-{_safe(region)}.zip"'})


def _safe(name: str) -> str:
    return "".join(c for c in name if c.isalnum() or c in "-_.")
