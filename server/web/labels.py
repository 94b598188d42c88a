"""What people read instead of code words (docs/glossary.md), and how values are shown.

Codes stay in the data and the URLs; every label here goes through the translation
catalogue, so the English pages say the same things.
"""

from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from server.reconcile.fields import PathError, parse_path
from server.web.i18n import format_day

RULE_LABELS = {
    "FIELD_CHANGED": _l("Ketidaksesuaian Data"),
    "MEMBER_ADDED": _l("Anggota Keluarga Baru"),
    "MEMBER_REMOVED": _l("Anggota Keluarga Keluar"),
    "CONFLICT": _l("Konflik Data"),
    "HOUSEHOLD_NOT_FOUND": _l("Keluarga Tidak Ditemukan"),
    "NIK_INVALID": _l("NIK Tidak Sah"),
    "NIK_MISMATCH": _l("NIK Tidak Cocok"),
    "NIK_DUPLICATE": _l("NIK Ganda"),
    "KK_INVALID": _l("Nomor KK Tidak Sah"),
    "HEAD_MISSING": _l("Kepala Keluarga Tidak Tepat"),
    "DECEASED_RECEIVING_AID": _l("Bantuan untuk Keluarga Meninggal/Tidak Ditemukan"),
    "GRADUATION_DUE": _l("Waktunya Graduasi"),
    "INELIGIBLE_DESIL": _l("Desil di atas Batas Program"),
    "REGION_UNKNOWN": _l("Kode Wilayah Tidak Dikenal"),
    "NEW_HOUSEHOLD": _l("Usulan Baru"),
}

SEVERITY_LABELS = {
    "error": _l("Berat"),
    "warning": _l("Perlu dicek"),
    "info": _l("Catatan"),
}

STATUS_LABELS = {
    "open": _l("Terbuka"),
    "accepted": _l("Diterima"),
    "rejected": _l("Ditolak"),
    "revisit": _l("Kunjungan Ulang"),
    "superseded": _l("Digantikan"),
    "closed": _l("Selesai (tidak berlaku lagi)"),
}

ACTION_LABELS = {
    "accept": _l("Terima"),
    "reject": _l("Tolak"),
    "revisit": _l("Minta Kunjungan Ulang"),
}

VERIFICATION_LABELS = {
    "unverified": _l("Belum diverifikasi"),
    "verified": _l("Terverifikasi"),
    "flagged": _l("Ada temuan"),
    "not_found": _l("Tidak ditemukan"),
}

OUTCOME_LABELS = {
    "found": _l("Ditemukan"),
    "not_found": _l("Tidak Ditemukan"),
    "moved": _l("Pindah"),
    "refused": _l("Menolak"),
}

SOURCE_LABELS = {
    "import": _l("Impor DTSEN"),
    "survey": _l("Kunjungan"),
    "review": _l("Keputusan supervisor"),
}

ROLE_LABELS = {
    "enumerator": _l("Petugas Verifikasi"),
    "supervisor": _l("Supervisor"),
    "admin": _l("Admin Dinas Sosial"),
}

FIELD_LABELS = {
    "household_id": _l("ID Keluarga"),
    "kk_number": _l("Nomor KK"),
    "region_code": _l("Desa/Kelurahan"),
    "address": _l("Alamat"),
    "desil": _l("Desil"),
    "programs": _l("Program Bantuan"),
    "ownership": _l("Status Kepemilikan"),
    "floor_area_m2": _l("Luas Lantai (m²)"),
    "floor": _l("Lantai"),
    "wall": _l("Dinding"),
    "roof": _l("Atap"),
    "water_source": _l("Sumber Air Minum"),
    "lighting": _l("Penerangan"),
    "cooking_fuel": _l("Bahan Bakar Memasak"),
    "toilet": _l("Fasilitas BAB"),
    "motorcycle": _l("Sepeda Motor"),
    "car": _l("Mobil"),
    "refrigerator": _l("Lemari Es"),
    "land_m2": _l("Luas Lahan (m²)"),
    "nik": _l("NIK"),
    "name": _l("Nama"),
    "sex": _l("Jenis Kelamin"),
    "birth_date": _l("Tanggal Lahir"),
    "relationship": _l("Hubungan dengan Kepala Keluarga"),
    "marital_status": _l("Status Perkawinan"),
    "education": _l("Pendidikan Tertinggi"),
    "occupation": _l("Pekerjaan"),
    "disability": _l("Disabilitas"),
    "status": _l("Keberadaan"),
}

VALUE_LABELS: dict[str, dict[Any, Any]] = {
    "sex": {"M": _l("Laki-laki"), "F": _l("Perempuan")},
    "relationship": {
        "head": _l("Kepala Keluarga"), "spouse": _l("Istri/Suami"), "child": _l("Anak"),
        "child_in_law": _l("Menantu"), "grandchild": _l("Cucu"), "parent": _l("Orang Tua"),
        "parent_in_law": _l("Mertua"), "other_relative": _l("Famili Lain"),
        "other": _l("Lainnya"),
    },
    "marital_status": {
        "single": _l("Belum Kawin"), "married": _l("Kawin"), "divorced": _l("Cerai Hidup"),
        "widowed": _l("Cerai Mati"),
    },
    "education": {
        "none": _l("Tidak/Belum Sekolah"), "sd": "SD", "smp": "SMP", "sma": "SMA",
        "diploma": _l("Diploma"), "university": _l("Perguruan Tinggi"),
    },
    "disability": {
        "none": _l("Tidak ada"), "physical": _l("Fisik"), "sensory": _l("Sensorik"),
        "intellectual": _l("Intelektual"), "mental": _l("Mental"), "multiple": _l("Ganda"),
    },
    "status": {
        "alive": _l("Tinggal Bersama"), "deceased": _l("Meninggal"), "moved_out": _l("Pindah"),
    },
    "ownership": {
        "own": _l("Milik sendiri"), "rent": _l("Sewa/Kontrak"), "rent_free": _l("Bebas sewa"),
        "official": _l("Dinas"), "other": _l("Lainnya"),
    },
    "floor": {
        "ceramic": _l("Keramik"), "tile": _l("Ubin/Tegel"), "wood": _l("Kayu"),
        "cement": _l("Semen"), "bamboo": _l("Bambu"), "earth": _l("Tanah"),
        "other": _l("Lainnya"),
    },
    "wall": {"brick": _l("Tembok"), "wood": _l("Kayu"), "bamboo": _l("Bambu"),
             "other": _l("Lainnya")},
    "roof": {
        "concrete": _l("Beton"), "tile": _l("Genteng"), "zinc": _l("Seng"),
        "asbestos": _l("Asbes"), "thatch": _l("Ijuk/Rumbia"), "other": _l("Lainnya"),
    },
    "water_source": {
        "piped": _l("Air ledeng"), "protected_well": _l("Sumur terlindung"),
        "unprotected_well": _l("Sumur tak terlindung"), "spring": _l("Mata air"),
        "river": _l("Sungai"), "rain": _l("Air hujan"), "bottled": _l("Air kemasan"),
        "other": _l("Lainnya"),
    },
    "lighting": {
        "pln_meter": _l("Listrik PLN dengan meteran"),
        "pln_no_meter": _l("Listrik PLN tanpa meteran"),
        "non_pln": _l("Listrik non-PLN"), "none": _l("Bukan listrik"),
    },
    "cooking_fuel": {
        "electricity": _l("Listrik"), "lpg": _l("Gas/LPG"), "kerosene": _l("Minyak tanah"),
        "wood": _l("Kayu bakar"), "charcoal": _l("Arang"), "other": _l("Lainnya"),
        "none": _l("Tidak memasak"),
    },
    "toilet": {
        "own": _l("Milik sendiri"), "shared": _l("Bersama"), "public": _l("Umum"),
        "none": _l("Tidak ada"),
    },
}

PROGRAM_LABELS = {"PKH": "PKH", "BPNT": "BPNT/Sembako", "PBI_JK": "PBI-JK", "BLT": "BLT"}


def label(mapping: dict[str, Any], code: str | None) -> str:
    """The label of a code, or the code itself when this release does not know it."""
    if code is None:
        return "—"
    return str(mapping.get(code, code))


def field_name(path: str | None) -> str:
    """The last part of a path, the field a CSV column or a label is about."""
    if not path:
        return ""
    try:
        place = parse_path(path)
    except PathError:
        return path
    return place.field or ("member" if place.kind == "member" else path)


def place_label(path: str | None) -> str:
    """`members[m1].occupation` → "Pekerjaan (anggota m1)"; None → the whole household."""
    if not path:
        return _("Seluruh keluarga")
    try:
        place = parse_path(path)
    except PathError:
        return path
    if place.kind != "member":
        return label(FIELD_LABELS, place.field)
    if place.field is None:
        return _("Anggota Keluarga %(id)s", id=place.member_id)
    return _("%(field)s (anggota %(id)s)", field=label(FIELD_LABELS, place.field),
             id=place.member_id)


def show_value(field: str | None, value: Any) -> str:
    """A value as a person reads it: labels for codes, Ya/Tidak, programs with years."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Ya") if value else _("Tidak")
    if field in VALUE_LABELS and isinstance(value, str):
        return label(VALUE_LABELS[field], value)
    if field in ("birth_date", "since") and isinstance(value, str):
        return format_day(value)
    if field == "programs" and isinstance(value, list):
        return show_programs(value)
    if isinstance(value, dict) and "member_id" in value:
        return show_member(value)
    if isinstance(value, dict) and "members" in value:
        return _("Keluarga baru: %(n)s anggota, %(address)s",
                 n=len(value.get("members") or []), address=value.get("address") or "—")
    if isinstance(value, list) and all(isinstance(v, dict) and "household_id" in v for v in value):
        return ", ".join(f"{v['household_id']} ({v.get('member_id', '—')})" for v in value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def show_programs(programs: list[Any]) -> str:
    if not programs:
        return _("Tidak ada")
    parts = []
    for item in programs:
        if isinstance(item, dict):
            name = PROGRAM_LABELS.get(item.get("program", ""), str(item.get("program")))
            since = item.get("since")
            parts.append(_("%(p)s sejak %(y)s", p=name, y=since[:4]) if since else name)
        else:
            parts.append(str(item))
    return ", ".join(parts)


def show_member(member: dict[str, Any]) -> str:
    relationship = label(VALUE_LABELS["relationship"], member.get("relationship"))
    status = label(VALUE_LABELS["status"], member.get("status") or "alive")
    return f"{member.get('name') or '—'} ({relationship}, {member.get('birth_date') or '—'}, {status})"


def show_at(path: str | None, value: Any) -> str:
    return show_value(field_name(path), value)
