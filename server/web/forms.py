"""Small checks of the admin forms, each failure a sentence a person can act on."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _

from schemas.validators import IDENTIFIER
from server.web import region_picker

USER_NAME = re.compile(r"[A-Za-z0-9._-]{2,64}")
PASSWORD_MIN = 10
_SPLIT = re.compile(r"[\s,;]+")


def split_list(text: str | None) -> list[str]:
    return [part for part in _SPLIT.split(text or "") if part]


def region_list(text: str | None, user: dict[str, Any], errors: dict[str, str],
                key: str, field: str, picked: str | None = None) -> list[str]:
    """Regions typed one per line or comma-separated, by name or code, plus the one chosen
    in the picker (`picked`), each inside the user's scope; `field` names the form field
    in an error."""
    picker = region_picker.Picker(user)
    try:
        return picker.resolve_all(region_picker.entries(text, picked), field)
    except region_picker.EntryError as problem:
        errors[key] = problem.message
        return []


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
