"""The words people read for the contract's codes and field names, defined once.

Codes stay in English in the data (`schemas.enums`); the words follow the project
glossary and, where it is silent, the fuller BPS/DTSEN questionnaire term, option words
in Title Case. The capture form and the flag messages show them as they are; the
supervisor pages pass them through the translation catalogue at render time;
`docs/data-shapes.md` lists them (tests keep each in step).

Pure data, no Babel: `N_` only marks a text so `pybabel extract -k N_` finds it (see
`server/translations/babel.cfg`). Acronyms and program names are not marked: they read
the same in every language.
"""

from __future__ import annotations


def N_(text: str) -> str:
    """Marks a text for the translation catalogue; returns it unchanged."""
    return text


# --- households and members ------------------------------------------------------------

SEX = {"M": N_("Laki-laki"), "F": N_("Perempuan")}
RELATIONSHIP = {
    "head": N_("Kepala Keluarga"), "spouse": N_("Istri/Suami"), "child": N_("Anak"),
    "child_in_law": N_("Menantu"), "grandchild": N_("Cucu"), "parent": N_("Orang Tua"),
    "parent_in_law": N_("Mertua"), "other_relative": N_("Famili Lain"),
    "other": N_("Lainnya"),
}
MARITAL_STATUS = {
    "single": N_("Belum Kawin"), "married": N_("Kawin"), "divorced": N_("Cerai Hidup"),
    "widowed": N_("Cerai Mati"),
}
EDUCATION = {
    "none": N_("Tidak/Belum Sekolah"), "sd": "SD", "smp": "SMP", "sma": "SMA",
    "diploma": N_("Diploma"), "university": N_("Perguruan Tinggi"),
}
DISABILITY = {
    "none": N_("Tidak Ada"), "physical": N_("Fisik"), "sensory": N_("Sensorik"),
    "intellectual": N_("Intelektual"), "mental": N_("Mental"), "multiple": N_("Ganda"),
}
MEMBER_STATUS = {
    "alive": N_("Tinggal Bersama"), "deceased": N_("Meninggal"), "moved_out": N_("Pindah"),
}

OWNERSHIP = {
    "own": N_("Milik Sendiri"), "rent": N_("Sewa/Kontrak"), "rent_free": N_("Bebas Sewa"),
    "official": N_("Dinas"), "other": N_("Lainnya"),
}
FLOOR = {
    "ceramic": N_("Keramik"), "tile": N_("Ubin/Tegel"), "wood": N_("Kayu/Papan"),
    "cement": N_("Semen"), "bamboo": N_("Bambu"), "earth": N_("Tanah"),
    "other": N_("Lainnya"),
}
WALL = {
    "brick": N_("Tembok"), "wood": N_("Kayu/Papan"), "bamboo": N_("Bambu"),
    "other": N_("Lainnya"),
}
ROOF = {
    "concrete": N_("Beton"), "tile": N_("Genteng"), "zinc": N_("Seng"),
    "asbestos": N_("Asbes"), "thatch": N_("Ijuk/Rumbia"), "other": N_("Lainnya"),
}
WATER_SOURCE = {
    "piped": N_("Air Ledeng/PDAM"), "protected_well": N_("Sumur Terlindung"),
    "unprotected_well": N_("Sumur Tak Terlindung"), "spring": N_("Mata Air"),
    "river": N_("Sungai/Danau"), "rain": N_("Air Hujan"),
    "bottled": N_("Air Kemasan/Isi Ulang"), "other": N_("Lainnya"),
}
LIGHTING = {
    "pln_meter": N_("Listrik PLN dengan meteran"), "pln_no_meter": N_("PLN tanpa meteran"),
    "non_pln": N_("Listrik non-PLN"), "none": N_("Bukan Listrik"),
}
COOKING_FUEL = {
    "electricity": N_("Listrik"), "lpg": N_("Gas/LPG"), "kerosene": N_("Minyak Tanah"),
    "wood": N_("Kayu Bakar"), "charcoal": N_("Arang"), "other": N_("Lainnya"),
    "none": N_("Tidak Memasak"),
}
TOILET = {
    "own": N_("Milik Sendiri"), "shared": N_("Bersama"), "public": N_("Umum"),
    "none": N_("Tidak Ada"),
}

PROGRAM = {"PKH": "PKH", "BPNT": "BPNT/Sembako", "PBI_JK": "PBI-JK", "BLT": "BLT"}

# --- visits, the outbox, review --------------------------------------------------------

OUTCOME = {
    "found": N_("Ditemukan"), "not_found": N_("Tidak Ditemukan"), "moved": N_("Pindah"),
    "refused": N_("Menolak"),
}
PHOTO_KIND = {
    "house_front": N_("Foto Rumah Tampak Depan"), "house_inside": N_("Foto Bagian Dalam Rumah"),
    "kk": N_("Foto Kartu Keluarga (KK)"), "other": N_("Foto Lain"),
}
PHOTO_MISSING = N_("Foto belum diterima")
VERIFICATION_STATE = {
    "unverified": N_("Belum Diverifikasi"), "verified": N_("Terverifikasi"),
    "flagged": N_("Ada Temuan"), "not_found": N_("Tidak Ditemukan"),
}
# The agent's own outbox states (`sync_agent.store.OUTBOX_STATES`), not the contract's.
OUTBOX = {
    "pending": N_("Belum Terkirim"), "sent": N_("Belum Terkirim (menunggu jawaban)"),
    "acknowledged": N_("Terkirim"), "rejected": N_("Ditolak Server"),
    "replaced": N_("Sudah Diperbaiki"),
}

# The visit form's lock (the store is encrypted under the enumerator's PIN).
LOCK = {
    "title": N_("Buka Kunci"),
    "pin": N_("PIN"),
    "unlock": N_("Buka"),
    "lock": N_("Kunci"),
    "intro": N_("Data kunjungan di laptop ini terkunci. Masukkan PIN Anda."),
    "idle": N_("Formulir terkunci karena lama tidak dipakai."),
    "wrong": N_("PIN salah. Sisa percobaan sebelum data terkunci: {left}."),
    "blocked": N_("Data terkunci setelah 5 kali PIN salah. Tidak ada kunjungan yang hilang: "
                  "minta kode pemulihan ke admin, lalu jalankan "
                  "verivali-agent recover --code KODE."),
}

RULES = {
    "FIELD_CHANGED": N_("Ketidaksesuaian Data"),
    "MEMBER_ADDED": N_("Anggota Keluarga Baru"),
    "MEMBER_REMOVED": N_("Anggota Keluarga Keluar"),
    "CONFLICT": N_("Konflik Data"),
    "HOUSEHOLD_NOT_FOUND": N_("Keluarga Tidak Ditemukan"),
    "NIK_INVALID": N_("NIK Tidak Sah"),
    "NIK_MISMATCH": N_("NIK Tidak Cocok"),
    "NIK_DUPLICATE": N_("NIK Ganda"),
    "KK_INVALID": N_("Nomor KK Tidak Sah"),
    "HEAD_MISSING": N_("Kepala Keluarga Tidak Tepat"),
    "DECEASED_RECEIVING_AID": N_("Bantuan untuk Keluarga Meninggal/Tidak Ditemukan"),
    "GRADUATION_DUE": N_("Waktunya Graduasi"),
    "INELIGIBLE_DESIL": N_("Desil di atas Batas Program"),
    "REGION_UNKNOWN": N_("Kode Wilayah Tidak Dikenal"),
    "NEW_HOUSEHOLD": N_("Usulan Baru"),
}
SEVERITY = {"info": N_("Catatan"), "warning": N_("Perlu dicek"), "error": N_("Berat")}
FLAG_STATUS = {
    "open": N_("Terbuka"), "accepted": N_("Diterima"), "rejected": N_("Ditolak"),
    "revisit": N_("Kunjungan Ulang"), "superseded": N_("Digantikan"),
    "closed": N_("Selesai (tidak berlaku lagi)"),
}
RESOLVE_ACTION = {
    "accept": N_("Terima"), "reject": N_("Tolak"), "revisit": N_("Minta Kunjungan Ulang"),
}
AUDIT_ACTION = {
    "signin.ok": N_("Masuk"), "signin.failed": N_("Gagal masuk"),
    "signin.locked": N_("Masuk ditahan (terlalu banyak percobaan)"),
    "user.create": N_("Akun dibuat"), "user.password_reset": N_("Kata sandi diganti"),
    "user.regions": N_("Wilayah diubah"), "user.token_revoke": N_("Token dicabut"),
    "user.token_rotate": N_("Token baru dibuat"), "assignment.assign": N_("Tugas diberikan"),
    "assignment.reassign": N_("Tugas dipindahkan"), "flag.accept": N_("Temuan diterima"),
    "flag.reject": N_("Temuan ditolak"), "flag.revisit": N_("Kunjungan ulang diminta"),
}
SIGNIN_FAILURE = {"password": N_("nama atau kata sandi salah"),
                  "role": N_("peran tanpa akses halaman ini")}
ROLE = {
    "enumerator": N_("Petugas Verifikasi"), "supervisor": N_("Supervisor"),
    "admin": N_("Admin Dinas Sosial"),
}
# The monthly cycle (glossary: The monthly cycle).
LIST_CHANGE = {"add": N_("Usulan Tambah"), "remove": N_("Usulan Hapus"),
               "update": N_("Usulan Perbaikan")}
PERIOD_STATE = {"empty": N_("Belum ada usulan"), "open": N_("Siap musdes"),
                "ratified": N_("Sudah musdes"), "sptjm": "SPTJM", "approved": N_("Disetujui")}
HISTORY_SOURCE = {
    "import": N_("Impor DTSEN"), "survey": N_("Kunjungan"),
    "review": N_("Keputusan supervisor"),
}

# --- field names ----------------------------------------------------------------------

# The last part of a path (`housing.floor` → `floor`): contract field names are unique
# across sections.
FIELD = {
    "household_id": N_("ID Keluarga"),
    "kk_number": N_("Nomor KK"),
    "region_code": N_("Desa/Kelurahan"),
    "address": N_("Alamat"),
    "desil": N_("Desil"),
    "programs": N_("Program Bantuan"),
    "ownership": N_("Status Kepemilikan"),
    "floor_area_m2": N_("Luas Lantai (m²)"),
    "floor": N_("Lantai"),
    "wall": N_("Dinding"),
    "roof": N_("Atap"),
    "water_source": N_("Sumber Air Minum"),
    "lighting": N_("Penerangan"),
    "cooking_fuel": N_("Bahan Bakar Memasak"),
    "toilet": N_("Fasilitas BAB"),
    "motorcycle": N_("Sepeda Motor"),
    "car": N_("Mobil"),
    "refrigerator": N_("Lemari Es"),
    "land_m2": N_("Luas Lahan (m²)"),
    "nik": "NIK",
    "name": N_("Nama"),
    "sex": N_("Jenis Kelamin"),
    "birth_date": N_("Tanggal Lahir"),
    "relationship": N_("Hubungan dengan Kepala Keluarga"),
    "marital_status": N_("Status Perkawinan"),
    "education": N_("Pendidikan Tertinggi"),
    "occupation": N_("Pekerjaan"),
    "disability": N_("Disabilitas"),
    "status": N_("Status Keberadaan"),
    "outcome": N_("Hasil Kunjungan"),
    "notes": N_("Catatan"),
    "lat": N_("Lintang"),
    "lon": N_("Bujur"),
    "accuracy_m": N_("Akurasi (m)"),
}
# A whole member, as a place of the household.
MEMBER = N_("Anggota Keluarga")

# The words of a coded field's values, by field name.
VALUES = {
    "sex": SEX, "relationship": RELATIONSHIP, "marital_status": MARITAL_STATUS,
    "education": EDUCATION, "disability": DISABILITY, "status": MEMBER_STATUS,
    "ownership": OWNERSHIP, "floor": FLOOR, "wall": WALL, "roof": ROOF,
    "water_source": WATER_SOURCE, "lighting": LIGHTING, "cooking_fuel": COOKING_FUEL,
    "toilet": TOILET,
}
