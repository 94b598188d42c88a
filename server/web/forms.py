"""Small checks of the admin forms, each failure a sentence a person can act on."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _

from schemas.validators import IDENTIFIER
from server.web import regions

USER_NAME = re.compile(r"[A-Za-z0-9._-]{2,64}")
PASSWORD_MIN = 10
_SPLIT = re.compile(r"[\s,;]+")


def split_list(text: str | None) -> list[str]:
    return [part for part in _SPLIT.split(text or "") if part]


def region_list(text: str | None, user: dict[str, Any], errors: dict[str, str],
                key: str) -> list[str]:
    """Region codes typed one per line or comma-separated, each inside the admin's scope."""
    codes = []
    for raw in split_list(text):
        code = regions.clean_prefix(raw)
        if code is None:
            errors[key] = _("%(code)s bukan kode wilayah: pakai 2, 4, 6 atau 10 angka.",
                            code=raw[:20])
            return []
        if not regions.may_read_prefix(user, code):
            errors[key] = _("Wilayah %(code)s di luar cakupan Anda.", code=code)
            return []
        codes.append(code)
    return sorted(set(codes))


def household_list(text: str | None, errors: dict[str, str], key: str) -> list[str]:
    ids = []
    for raw in split_list(text):
        if not IDENTIFIER.fullmatch(raw):
            errors[key] = _("%(id)s bukan ID keluarga yang sah.", id=raw[:40])
            return []
        ids.append(raw)
    return list(dict.fromkeys(ids))


def check_password(password: str, repeat: str, errors: dict[str, str], key: str) -> None:
    if len(password) < PASSWORD_MIN:
        errors[key] = _("Kata sandi minimal %(n)s karakter.", n=PASSWORD_MIN)
    elif password != repeat:
        errors[key] = _("Kedua kata sandi tidak sama.")
