"""What a place is called in a flag message: the words of `schemas.labels`.

Flag messages are stored and served in Bahasa Indonesia; they name the place but never
its value.
"""

from __future__ import annotations

from schemas.labels import FIELD, MEMBER
from server.reconcile.fields import parse_path


def label(path: str) -> str:
    """`members[m1].occupation` → "Pekerjaan anggota keluarga"."""
    place = parse_path(path)
    if place.kind != "member":
        return FIELD.get(place.field or "", place.field or path)
    if place.field is None:
        return MEMBER
    return f"{FIELD.get(place.field, place.field)} anggota keluarga"
