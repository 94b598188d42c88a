"""A village's list of a period, its musdes and its berita acara (docs/musdes.md).

A list stays open — read from the decisions accepted in the period — until a supervisor
records the village's musyawarah desa (or its SPTJM): the decisions per household, the
signed scan, and then the list is frozen as it was deliberated. A refused correction is
written back to the registry through the one version writer (source `review`) in the
same transaction. Nothing of a frozen list changes afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from server.errors import Conflict, Forbidden, ValidationFailed
from server.reconcile import periods, usulan
from server.services.access import may_see_region
from server.services.review import close_untrue_flags
from server.store import assignments as assignment_store
from server.store import audit
from server.store import households as household_store
from server.store import periods as period_store
from server.store import surveys as survey_store
from server.store.blobs import BlobStore
from server.store.db import reading, transaction
from server.timeutil import now_iso

SCAN_TYPES = {b"%PDF-": "application/pdf", b"\xff\xd8\xff": "image/jpeg",
              b"\x89PNG\r\n\x1a\n": "image/png"}
SCAN_MAX_BYTES = 15 * 1024 * 1024  # under the request limit (VERIVALI_MAX_CONTENT_LENGTH, 16 MiB)
SIGNED_AS = ("musdes", "sptjm")


@dataclass(frozen=True)
class MusdesRecord:
    """What a supervisor records after the village's deliberation (or its SPTJM)."""

    signed_as: str
    held_on: str
    attendees: int | None
    scan: bytes
    refused: tuple[str, ...]


def check_place(user: dict[str, Any], period: str, village: str) -> None:
    """A well-formed period and village the user may see: 400 naming the field, else 403."""
    errors: dict[str, list[str]] = {}
    try:
        periods.check_asked_period(period)
    except ValueError:
        errors["period"] = ["Periode harus berbentuk TTTT-BB, misalnya 2026-11."]
    if not (len(village) == 10 and village.isdigit()):
        errors["village"] = ["Kode desa/kelurahan harus 10 angka."]
    if errors:
        raise ValidationFailed(details=errors)
    if not may_see_region(user, village):
        raise Forbidden()


def village_list(engine: Engine, user: dict[str, Any], period: str, village: str,
                 cutoff_day: int) -> dict[str, Any]:
    """The list of §7: frozen as deliberated, or open as the decisions stand now."""
    check_place(user, period, village)
    with reading(engine) as conn:
        return _answer(conn, period, village, cutoff_day)


def _answer(conn: Connection, period: str, village: str, cutoff_day: int) -> dict[str, Any]:
    frozen = period_store.get_village(conn, period, village)
    if frozen is not None:
        return {"period": period, "village": village, "state": frozen["state"],
                "households": frozen["listing"], **_musdes_of(frozen)}
    entries, _flags = open_listing(conn, period, village, cutoff_day)
    approved = period_store.get_approval(conn, period, village[:4]) is not None
    return {"period": period, "village": village, "state": "approved" if approved else "open",
            "households": entries, "musdes": None}


def _musdes_of(row: dict[str, Any]) -> dict[str, Any]:
    return {"musdes": {"signed_as": row["signed_as"], "held_on": row["held_on"],
                       "attendees": row["attendees"], "scan_id": row["scan_sha256"],
                       "frozen_at": row["frozen_at"], "frozen_by": row["frozen_by"]}}


def open_listing(conn: Connection, period: str, village: str, cutoff_day: int
                 ) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """The open list's entries, and the accepted flags behind each household."""
    # A period the regency approved is closed to a village that froze nothing in it.
    frozen: dict[str, set[str]] = {
        p: set() for p in period_store.approved_periods(conn, village[:4])}
    frozen.update(period_store.frozen_flag_ids(conn, village))
    end = periods.bounds(period, cutoff_day, village)[1]
    start = periods.rolling_start(period, cutoff_day, village, frozen)
    candidates = period_store.accepted_flags(conn, village, usulan.LIST_RULES, start, end)
    own = [f for f in candidates if periods.effective_period(
        f["flag_id"], f["resolved_at"], cutoff_day, village, frozen) == period]
    by_household: dict[str, list[dict[str, Any]]] = {}
    for flag in own:
        by_household.setdefault(flag["household_id"], []).append(flag)
    bodies = household_store.get_many(conn, sorted(by_household))
    return usulan.build_listing(own, bodies), by_household


def check_record(record: MusdesRecord, today: date) -> str:
    """The scan's content type; 400 naming each field that is wrong."""
    errors: dict[str, list[str]] = {}
    if record.signed_as not in SIGNED_AS:
        errors["signed_as"] = ["Harus musdes atau sptjm."]
    try:
        if date.fromisoformat(record.held_on) > today:
            errors["held_on"] = ["Tanggal musyawarah tidak boleh di masa depan."]
    except ValueError:
        errors["held_on"] = ["Tanggal harus berbentuk TTTT-BB-HH, misalnya 2026-11-20."]
    if record.signed_as == "musdes" and (record.attendees is None or record.attendees < 1):
        errors["attendees"] = ["Jumlah peserta musyawarah harus paling sedikit 1."]
    kind = next((t for magic, t in SCAN_TYPES.items() if record.scan.startswith(magic)), None)
    if not record.scan:
        errors["scan"] = ["Unggah pindaian berita acara yang sudah ditandatangani."]
    elif kind is None:
        errors["scan"] = ["Berkas harus PDF, JPEG atau PNG."]
    elif len(record.scan) > SCAN_MAX_BYTES:
        errors["scan"] = ["Berkas lebih dari 15 MB; pindai dengan resolusi lebih rendah."]
    if errors:
        raise ValidationFailed(details=errors)
    assert kind is not None
    return kind


def record_musdes(engine: Engine, blobs: BlobStore, user: dict[str, Any], period: str,
                  village: str, cutoff_day: int, record: MusdesRecord) -> dict[str, Any]:
    """Record the deliberation, write refusals back, and freeze the list: all or nothing."""
    check_place(user, period, village)
    regional_today = periods.local_today(datetime.now(UTC), village)
    scan_type = check_record(record, regional_today)
    try:
        with transaction(engine) as conn:
            _freeze(conn, blobs, user, period, village, cutoff_day, record, scan_type)
    except IntegrityError as exc:  # another freeze of the same list won the race
        raise Conflict("Daftar usulan periode ini sudah disahkan.") from exc
    with reading(engine) as conn:
        return _answer(conn, period, village, cutoff_day)


def _freeze(conn: Connection, blobs: BlobStore, user: dict[str, Any], period: str,
            village: str, cutoff_day: int, record: MusdesRecord, scan_type: str) -> None:
    if period_store.get_village(conn, period, village, for_update=True) is not None:
        raise Conflict("Daftar usulan periode ini sudah disahkan dan tidak dapat diubah.")
    if period_store.get_approval(conn, period, village[:4]) is not None:
        raise Conflict("Periode ini sudah disetujui kabupaten/kota; usulan baru masuk "
                       "periode berikutnya.")
    entries, flags_of = open_listing(conn, period, village, cutoff_day)
    listed = {e["household_id"] for e in entries}
    strangers = sorted(set(record.refused) - listed)
    if strangers:
        raise ValidationFailed(details={"refused": [
            f"Keluarga {h} tidak ada dalam daftar usulan periode ini." for h in strangers]})
    reason = f"musdes:{period}:{village}"
    for entry in entries:
        entry["decision"] = "refused" if entry["household_id"] in record.refused else "agreed"
        if entry["decision"] == "refused":
            _restore(conn, user, entry, flags_of[entry["household_id"]], reason)
    photos = survey_photos(conn, sorted({s for e in entries for s in e["survey_ids"]}))
    for entry in entries:
        entry["photo_ids"] = sorted({p for s in entry["survey_ids"] for p in photos.get(s, [])})
    stored = blobs.put(record.scan, max_bytes=SCAN_MAX_BYTES)
    period_store.freeze(conn, {
        "period": period, "village_code": village,
        "state": "sptjm" if record.signed_as == "sptjm" else "ratified",
        "signed_as": record.signed_as, "held_on": record.held_on,
        "attendees": record.attendees, "scan_sha256": stored.sha256, "scan_type": scan_type,
        "document_sha256": None, "listing": entries, "frozen_at": now_iso(),
        "frozen_by": user["name"]})
    audit.record(conn, user["name"], f"period.{record.signed_as}", "period_village",
                 f"{period}:{village}",
                 {"held_on": record.held_on, "attendees": record.attendees,
                  "scan": stored.sha256, "households": len(entries),
                  "refused": len(record.refused)})


def _restore(conn: Connection, user: dict[str, Any], entry: dict[str, Any],
             flags: list[dict[str, Any]], reason: str) -> None:
    """A refused entry undone as a new version (source `review`, the musdes its reason).

    `add`: the household accepted new is taken out of the registry's enrolment
    (`usulan.withdrawn`) and off every enumerator's device. Otherwise each place that
    still holds what the refused decision wrote gets its earlier value back; places
    changed since, or gone, are kept and named in `entry["kept"]` and the audit row.
    An entry whose decisions wrote no data (a family confirmed not found) has nothing
    to put back: the refusal is recorded, the registry stays as it is.
    """
    household_id = entry["household_id"]
    household_store.lock(conn, household_id)
    stored = household_store.get_body(conn, household_id)
    entry["kept"] = []
    if stored is None:
        return
    withdrawing = entry["change"] == "add"
    if withdrawing:
        updated = None if usulan.not_enrolled(stored[0]) else usulan.withdrawn(stored[0])
        restored_places: list[str] = []
    else:
        restoration = usulan.restored(stored[0], flags)
        updated, restored_places = restoration.household, list(restoration.restored)
        entry["kept"] = list(restoration.kept)
    version = None
    if updated is not None:
        version = household_store.save_version(conn, updated, source="review",
                                               source_id=reason, actor=user["name"])
        close_untrue_flags(conn, household_id, updated)
    cancelled = assignment_store.cancel_household(conn, household_id) if withdrawing else 0
    audit.record(conn, user["name"], "period.refuse", "household", household_id,
                 {"reason": reason, "change": entry["change"],
                  "flag_ids": [f["flag_id"] for f in flags], "version": version,
                  "withdrawn": withdrawing, "restored": restored_places,
                  "kept": entry["kept"], "assignments_cancelled": cancelled})


def survey_photos(conn: Connection, survey_ids: list[str]) -> dict[str, list[str]]:
    """The photo ids each survey names (docs/protocol.md §5)."""
    found: dict[str, list[str]] = {}
    for survey_id in survey_ids:
        survey = survey_store.get(conn, survey_id)
        if survey is not None:
            found[survey_id] = [p["photo_id"] for p in survey["body"].get("photos") or []]
    return found


DOCUMENT_OF = {"musdes": "berita-acara", "sptjm": "sptjm"}


def document(engine: Engine, blobs: BlobStore, user: dict[str, Any], period: str,
             village: str, cutoff_day: int, render: Callable[[dict[str, Any], str], bytes],
             kind: str = "berita-acara") -> bytes:
    """The berita acara (or SPTJM) of the list: a draft while open; for a frozen list the
    document it was signed as is the one first printed after it was frozen, kept so every
    later print is the same, byte for byte."""
    check_place(user, period, village)
    if kind not in DOCUMENT_OF.values():
        raise ValidationFailed(details={"kind": ["Harus berita-acara atau sptjm."]})
    with reading(engine) as conn:
        answer = _answer(conn, period, village, cutoff_day)
        row = period_store.get_village(conn, period, village)
    kept = row is not None and DOCUMENT_OF[row["signed_as"]] == kind
    if kept and row is not None and row["document_sha256"]:
        return b"".join(blobs.read_chunks(row["document_sha256"]))
    pdf = render(answer, kind)
    if not kept:
        return pdf
    stored = blobs.put(pdf)
    with transaction(engine) as conn:
        if not period_store.set_document(conn, period, village, stored.sha256):
            row = period_store.get_village(conn, period, village)
            assert row is not None
            return b"".join(blobs.read_chunks(row["document_sha256"]))
        audit.record(conn, user["name"], "period.document", "period_village",
                     f"{period}:{village}", {"document": stored.sha256})
    return pdf
