"""The base schema: unknown fields refused, messages in Bahasa Indonesia."""

from __future__ import annotations

from marshmallow import RAISE, Schema
from marshmallow.validate import Length, OneOf, Range

UNKNOWN_FIELD = "Kolom tidak dikenal."

MAX_COUNTER = 2**53 - 1
"""The largest `device_seq`, version or feed number: exact in every JSON reader
(JavaScript's safe integers) and far inside the 64-bit columns that hold them."""


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE

    error_messages = {
        "unknown": UNKNOWN_FIELD,
        "type": "Harus berupa objek JSON.",
    }


def one_of(choices: tuple[str, ...]) -> OneOf:
    return OneOf(choices, error="Harus salah satu dari: {choices}.")


def length(min: int | None = None, max: int | None = None) -> Length:  # noqa: A002
    if min is not None and max is not None:
        message = f"Panjang harus {min}–{max}."
    elif max is not None:
        message = f"Paling banyak {max}."
    else:
        message = f"Paling sedikit {min}."
    return Length(min=min, max=max, error=message)


def in_range(min: float | None = None, max: float | None = None) -> Range:  # noqa: A002
    if min is not None and max is not None:
        message = f"Harus antara {min} dan {max}."
    elif min is not None:
        message = f"Paling kecil {min}."
    else:
        message = f"Paling besar {max}."
    return Range(min=min, max=max, error=message)
