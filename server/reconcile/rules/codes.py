"""Identity-number facts shared by the NIK and KK rules (Kemendagri numbering).

A NIK is PP KK CC DDMMYY SSSS: province, regency, district of first registration,
birth date (day + 40 for women) and a serial. A KK number starts with the same
six-digit area code.
"""

from __future__ import annotations

import re

# Valid first two digits of a NIK or KK number (docs/protocol.md §2, NIK_INVALID):
# defined once in schemas.enums, re-exported for the rules.
from schemas.enums import PROVINCE_CODES as PROVINCE_CODES

# ASCII digits only: `\d` would accept Arabic-Indic or Devanagari digits.
SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")
TEN_DIGITS = re.compile(r"[0-9]{10}")

# The whole NIK_INVALID test in one pass, for the common case of a plausible NIK:
# province, regency, district, day (01–31, or 41–71 for women), month, year, serial.
PLAUSIBLE_NIK = re.compile(
    "(?:" + "|".join(sorted(PROVINCE_CODES)) + ")[0-9]{4}"
    "(?:0[1-9]|[12][0-9]|3[01]|4[1-9]|[56][0-9]|7[01])"
    "(?:0[1-9]|1[0-2])[0-9]{6}"
)

# Women's NIKs carry the birth day plus 40.
FEMALE_DAY_OFFSET = 40


def nik_problem(nik: str) -> str | None:
    """Why a NIK cannot have been issued, in the supervisor's words; None when plausible."""
    if PLAUSIBLE_NIK.fullmatch(nik):
        return None
    if not SIXTEEN_DIGITS.fullmatch(nik):
        return "bukan 16 angka"
    if nik[0:2] not in PROVINCE_CODES:
        return "kode provinsi tidak dikenal"
    if not "01" <= nik[8:10] <= "12":
        return "bulan lahir tidak valid"
    day = nik[6:8]
    if not ("01" <= day <= "31" or "41" <= day <= "71"):
        return "tanggal lahir tidak valid"
    return None


def kk_problem(kk_number: str | None) -> str | None:
    """Why a KK number cannot have been issued, in the supervisor's words; None when valid."""
    if kk_number is None:
        return "kosong"
    if not SIXTEEN_DIGITS.fullmatch(kk_number):
        return "bukan 16 angka"
    if kk_number[0:2] not in PROVINCE_CODES:
        return "kode provinsi tidak dikenal"
    return None
