"""What a place is called in the supervisor's language (docs/glossary.md).

Used in flag messages, which name the place but never its value.
"""

from __future__ import annotations

from server.reconcile.fields import parse_path

_LABELS = {
    "kk_number": "Nomor KK",
    "region_code": "Kode wilayah",
    "address": "Alamat",
    "desil": "Desil",
    "programs": "Program bantuan",
    "ownership": "Status Kepemilikan",
    "floor_area_m2": "Luas lantai",
    "floor": "Lantai",
    "wall": "Dinding",
    "roof": "Atap",
    "water_source": "Sumber Air Minum",
    "lighting": "Penerangan",
    "cooking_fuel": "Bahan Bakar Memasak",
    "toilet": "Fasilitas BAB",
    "motorcycle": "Sepeda motor",
    "car": "Mobil",
    "refrigerator": "Lemari es",
    "land_m2": "Luas lahan",
    "nik": "NIK",
    "name": "Nama",
    "sex": "Jenis kelamin",
    "birth_date": "Tanggal lahir",
    "relationship": "Hubungan keluarga",
    "marital_status": "Status perkawinan",
    "education": "Pendidikan",
    "occupation": "Pekerjaan",
    "disability": "Disabilitas",
    "status": "Status keberadaan",
}


def label(path: str) -> str:
    """`members[m1].occupation` → "Pekerjaan anggota keluarga"."""
    place = parse_path(path)
    if place.kind != "member":
        return _LABELS.get(place.field or "", place.field or path)
    if place.field is None:
        return "Anggota Keluarga"
    return f"{_LABELS.get(place.field, place.field)} anggota keluarga"
