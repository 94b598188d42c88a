"""The regency's side of the monthly cycle: which villages are ready, the approval, and
the submission files of every ratified change (docs/musdes.md).

Approving is an admin's (Admin Dinas Sosial: the head of the Dinas or whom they
delegate) whose regions cover the regency. It needs every village with changes in the
period ratified or signed off by SPTJM; it writes the CSV and the JSONL of the agreed
changes to the blob store, streamed village by village, and marks the period approved.
An approved period never changes: a correction after it goes to the next period.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from server.errors import Conflict, Forbidden, ValidationFailed
from server.reconcile import periods, usulan
from server.services.access import may_see_region
from server.services.musdes import open_listing
from server.store import audit
from server.store import periods as period_store
from server.store.blobs import BlobStore
from server.store.db import reading, transaction
from server.timeutil import now_iso

COLUMNS = ("period", "district_code", "village_code", "household_id", "kk_number", "nik",
           "name", "address", "change", "fields", "rules", "survey_ids", "photo_ids",
           "berita_acara_id", "signed_as", "signed_scan")
LOOKBACK_MONTHS = 12  # acceptances older than this cannot roll into the period
FILES = ("csv", "jsonl")


def check_regency(user: dict[str, Any], period: str, regency: str) -> None:
    errors: dict[str, list[str]] = {}
    try:
        periods.check_asked_period(period)
    except ValueError:
        errors["period"] = ["Periode harus berbentuk TTTT-BB, misalnya 2026-11."]
    if not (len(regency) == 4 and regency.isdigit()):
        errors["regency"] = ["Kode kabupaten/kota harus 4 angka."]
    if errors:
        raise ValidationFailed(details=errors)
    if not may_see_region(user, regency):
        raise Forbidden()


def _village_states(conn: Connection, period: str, regency: str, cutoff_day: int
                    ) -> list[dict[str, Any]]:
    """Every village of the regency (with households, changes or a frozen list) with
    its state: `empty` (no proposal), `open` (ready for its musdes), or the frozen one."""
    frozen = period_store.frozen_villages(conn, period, regency)
    start = periods.bounds(periods.shift(period, -LOOKBACK_MONTHS), cutoff_day, regency)[0]
    end = periods.bounds(period, cutoff_day, regency)[1]
    active = period_store.villages_with_acceptances(conn, regency, usulan.LIST_RULES, start, end)
    held = period_store.registry_villages(conn, regency)
    states: list[dict[str, Any]] = []
    for village in sorted(set(active) | set(frozen) | set(held)):
        if village in frozen:
            states.append({"village": village, "state": frozen[village], "households": None})
            continue
        entries = open_listing(conn, period, village, cutoff_day)[0] if village in active else []
        states.append({"village": village, "state": "open" if entries else "empty",
                       "households": len(entries)})
    return states


def overview(engine: Engine, user: dict[str, Any], period: str, regency: str,
             cutoff_day: int) -> dict[str, Any]:
    """The regency's villages in the period, how many are ready, and the approval."""
    check_regency(user, period, regency)
    with reading(engine) as conn:
        villages = _village_states(conn, period, regency, cutoff_day)
        approval = period_store.get_approval(conn, period, regency)
    ready = sum(1 for v in villages if v["state"] not in ("open", "empty"))
    return {"period": period, "regency": regency, "villages": villages, "ready": ready,
            "approval": approval,
            "cutoff_date": periods.cutoff_date(period, cutoff_day).isoformat()}


def approve(engine: Engine, blobs: BlobStore, user: dict[str, Any], period: str,
            regency: str, cutoff_day: int) -> dict[str, Any]:
    """Approve the regency's period and write its submission files; all or nothing."""
    if user["role"] != "admin":
        raise Forbidden()
    check_regency(user, period, regency)
    try:
        with transaction(engine) as conn:
            return _approve(conn, blobs, user, period, regency, cutoff_day)
    except IntegrityError as exc:
        raise Conflict("Periode ini sudah disetujui untuk kabupaten/kota ini.") from exc


def _approve(conn: Connection, blobs: BlobStore, user: dict[str, Any], period: str,
             regency: str, cutoff_day: int) -> dict[str, Any]:
    if period_store.get_approval(conn, period, regency) is not None:
        raise Conflict("Periode ini sudah disetujui untuk kabupaten/kota ini.")
    villages = _village_states(conn, period, regency, cutoff_day)
    waiting = [v["village"] for v in villages if v["state"] == "open"]
    if waiting:
        raise ValidationFailed(
            "Masih ada desa/kelurahan yang belum musdes atau SPTJM.",
            details={"villages": [f"{code}: belum disahkan musdes atau SPTJM"
                                  for code in waiting]})
    counted = [0]
    csv_blob = blobs.put(_csv_chunks(conn, period, regency, counted))
    jsonl_blob = blobs.put(_jsonl_chunks(conn, period, regency))
    approval = {"period": period, "regency_code": regency, "approved_at": now_iso(),
                "approved_by": user["name"], "changes": counted[0],
                "csv_sha256": csv_blob.sha256, "jsonl_sha256": jsonl_blob.sha256}
    period_store.add_approval(conn, approval)
    marked = period_store.mark_approved(conn, period, regency)
    audit.record(conn, user["name"], "period.approve", "period_regency",
                 f"{period}:{regency}", {"villages": marked, "changes": counted[0],
                                         "csv": csv_blob.sha256, "jsonl": jsonl_blob.sha256})
    return approval


def submission_rows(conn: Connection, period: str, regency: str) -> Iterator[dict[str, Any]]:
    """One row per agreed household change of the regency's frozen lists, by village."""
    for village in period_store.stream_frozen(conn, period, regency):
        code = village["village_code"]
        for entry in village["listing"]:
            if entry.get("decision") != "agreed":
                continue
            yield {
                "period": period, "district_code": code[:6], "village_code": code,
                "household_id": entry["household_id"], "kk_number": entry["kk_number"],
                "nik": entry["head"]["nik"], "name": entry["head"]["name"],
                "address": entry["address"], "change": entry["change"],
                "fields": entry["fields"], "rules": entry["rules"],
                "survey_ids": entry["survey_ids"], "photo_ids": entry.get("photo_ids", []),
                "berita_acara_id": f"BA/{period}/{code}", "signed_as": village["signed_as"],
                "signed_scan": village["scan_sha256"],
            }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = str(value)
    # No cell a spreadsheet would run as a formula.
    return "'" + text if text[:1] in ("=", "+", "@", "-", "\t", "\r") else text


def _csv_chunks(conn: Connection, period: str, regency: str, counted: list[int]
                ) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in submission_rows(conn, period, regency):
        writer.writerow([_cell(row[c]) for c in COLUMNS])
        counted[0] += 1
        if buffer.tell() > 256 * 1024:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def _jsonl_chunks(conn: Connection, period: str, regency: str) -> Iterator[bytes]:
    lines: list[str] = []
    for row in submission_rows(conn, period, regency):
        lines.append(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
        if len(lines) >= 500:
            yield "".join(lines).encode()
            lines = []
    yield "".join(lines).encode()


def submission_file(engine: Engine, blobs: BlobStore, user: dict[str, Any], period: str,
                    regency: str, kind: str) -> Iterator[bytes]:
    """An approved period's submission file (`csv` or `jsonl`) as stored, audited."""
    check_regency(user, period, regency)
    if kind not in FILES:
        raise ValidationFailed(details={"kind": ["Harus csv atau jsonl."]})
    with transaction(engine) as conn:
        approval = period_store.get_approval(conn, period, regency)
        if approval is None:
            raise Conflict("Periode ini belum disetujui; belum ada berkas pengiriman.")
        audit.record(conn, user["name"], "period.download", "period_regency",
                     f"{period}:{regency}", {"kind": kind})
    return blobs.read_chunks(approval[f"{kind}_sha256"])


def cover(engine: Engine, user: dict[str, Any], period: str, regency: str) -> dict[str, Any]:
    """The counts of an approved period per district and village, for the cover letter
    to the bupati: agreed changes by kind, and refusals."""
    check_regency(user, period, regency)
    districts: dict[str, list[dict[str, Any]]] = {}
    with reading(engine) as conn:
        approval = period_store.get_approval(conn, period, regency)
        if approval is None:
            raise Conflict("Periode ini belum disetujui; belum ada berkas pengiriman.")
        for village in period_store.stream_frozen(conn, period, regency):
            counts = dict.fromkeys(("add", "remove", "update", "refused"), 0)
            for entry in village["listing"]:
                counts["refused" if entry["decision"] == "refused" else entry["change"]] += 1
            districts.setdefault(village["village_code"][:6], []).append(
                {"village": village["village_code"], "signed_as": village["signed_as"],
                 **counts})
    return {"period": period, "regency": regency, "approval": approval,
            "districts": districts}
