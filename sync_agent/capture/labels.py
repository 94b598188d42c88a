"""What the enumerator reads on the form: the contract's codes in Bahasa Indonesia.

Codes stay in English in the data (`schemas.enums`); the words follow the project
glossary (docs/glossary.md) and the BPS/DTSEN questionnaire terms.
"""

from __future__ import annotations

from schemas import enums

OUTCOME = {"found": "Ditemukan", "not_found": "Tidak Ditemukan", "moved": "Pindah",
           "refused": "Menolak"}
SEX = {"M": "Laki-laki", "F": "Perempuan"}
RELATIONSHIP = {
    "head": "Kepala Keluarga", "spouse": "Istri/Suami", "child": "Anak",
    "child_in_law": "Menantu", "grandchild": "Cucu", "parent": "Orang Tua",
    "parent_in_law": "Mertua", "other_relative": "Famili Lain", "other": "Lainnya",
}
MARITAL_STATUS = {"single": "Belum Kawin", "married": "Kawin", "divorced": "Cerai Hidup",
                  "widowed": "Cerai Mati"}
EDUCATION = {"none": "Tidak/Belum Sekolah", "sd": "SD", "smp": "SMP", "sma": "SMA",
             "diploma": "Diploma", "university": "Perguruan Tinggi"}
DISABILITY = {"none": "Tidak Ada", "physical": "Fisik", "sensory": "Sensorik",
              "intellectual": "Intelektual", "mental": "Mental", "multiple": "Ganda"}
MEMBER_STATUS = {"alive": "Tinggal Bersama", "deceased": "Meninggal", "moved_out": "Pindah"}
OWNERSHIP = {"own": "Milik Sendiri", "rent": "Sewa/Kontrak", "rent_free": "Bebas Sewa",
             "official": "Dinas", "other": "Lainnya"}
FLOOR = {"ceramic": "Keramik", "tile": "Ubin/Tegel", "wood": "Kayu/Papan", "cement": "Semen",
         "bamboo": "Bambu", "earth": "Tanah", "other": "Lainnya"}
WALL = {"brick": "Tembok", "wood": "Kayu/Papan", "bamboo": "Bambu", "other": "Lainnya"}
ROOF = {"concrete": "Beton", "tile": "Genteng", "zinc": "Seng", "asbestos": "Asbes",
        "thatch": "Ijuk/Rumbia", "other": "Lainnya"}
WATER_SOURCE = {
    "piped": "Air Ledeng/PDAM", "protected_well": "Sumur Terlindung",
    "unprotected_well": "Sumur Tak Terlindung", "spring": "Mata Air",
    "river": "Sungai/Danau", "rain": "Air Hujan", "bottled": "Air Kemasan/Isi Ulang",
    "other": "Lainnya",
}
LIGHTING = {"pln_meter": "Listrik PLN dengan meteran", "pln_no_meter": "PLN tanpa meteran",
            "non_pln": "Listrik non-PLN", "none": "Bukan Listrik"}
COOKING_FUEL = {"electricity": "Listrik", "lpg": "Gas/LPG", "kerosene": "Minyak Tanah",
                "wood": "Kayu Bakar", "charcoal": "Arang", "other": "Lainnya",
                "none": "Tidak Memasak"}
TOILET = {"own": "Milik Sendiri", "shared": "Bersama", "public": "Umum", "none": "Tidak Ada"}
PROGRAM = {"PKH": "PKH", "BPNT": "BPNT / Sembako", "PBI_JK": "PBI-JK", "BLT": "BLT"}
VERIFICATION = {"unverified": "Belum Diverifikasi", "verified": "Terverifikasi",
                "flagged": "Ada Temuan", "not_found": "Tidak Ditemukan"}
OUTBOX = {"pending": "Belum Terkirim", "sent": "Belum Terkirim (menunggu jawaban)",
          "acknowledged": "Terkirim", "rejected": "Ditolak Server",
          "replaced": "Sudah Diperbaiki"}

HOUSING = {
    "ownership": ("Status Kepemilikan", OWNERSHIP),
    "floor": ("Lantai", FLOOR),
    "wall": ("Dinding", WALL),
    "roof": ("Atap", ROOF),
    "water_source": ("Sumber Air Minum", WATER_SOURCE),
    "lighting": ("Penerangan", LIGHTING),
    "cooking_fuel": ("Bahan Bakar Memasak", COOKING_FUEL),
    "toilet": ("Fasilitas BAB", TOILET),
}
ASSET_COUNTS = {"motorcycle": "Sepeda Motor (unit)", "car": "Mobil (unit)",
                "land_m2": "Luas Lahan (m²)"}

FIELD_NAMES = {
    "kk_number": "Nomor KK", "region_code": "Desa/Kelurahan", "address": "Alamat",
    "desil": "Desil", "housing.floor_area_m2": "Luas Lantai (m²)",
    "assets.refrigerator": "Lemari Es", "outcome": "Hasil Kunjungan", "notes": "Catatan",
    "gps.lat": "Lintang", "gps.lon": "Bujur", "gps.accuracy_m": "Akurasi (m)",
    "nik": "NIK", "name": "Nama", "sex": "Jenis Kelamin", "birth_date": "Tanggal Lahir",
    "relationship": "Hubungan dengan Kepala Keluarga", "marital_status": "Status Perkawinan",
    "education": "Pendidikan Tertinggi", "occupation": "Pekerjaan", "disability": "Disabilitas",
    "status": "Keberadaan",
}

# Sanity: every code of the contract has words (checked by the tests too).
_PAIRS = [
    (enums.OUTCOME, OUTCOME), (enums.SEX, SEX), (enums.RELATIONSHIP, RELATIONSHIP),
    (enums.MARITAL_STATUS, MARITAL_STATUS), (enums.EDUCATION, EDUCATION),
    (enums.DISABILITY, DISABILITY), (enums.MEMBER_STATUS, MEMBER_STATUS),
    (enums.OWNERSHIP, OWNERSHIP), (enums.FLOOR, FLOOR), (enums.WALL, WALL), (enums.ROOF, ROOF),
    (enums.WATER_SOURCE, WATER_SOURCE), (enums.LIGHTING, LIGHTING),
    (enums.COOKING_FUEL, COOKING_FUEL), (enums.TOILET, TOILET), (enums.PROGRAM, PROGRAM),
    (enums.VERIFICATION_STATE, VERIFICATION),
]


def missing_words() -> list[str]:
    """Codes without a label; empty when this module is complete."""
    return [code for codes, words in _PAIRS for code in codes if code not in words]
