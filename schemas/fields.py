"""Field types with Bahasa Indonesia messages and JSON-ready loaded values.

Dates and timestamps load as the validated strings themselves, not `date` objects: the
registry, the reconciliation rules and the wire all speak JSON, so a household loaded
from input can be stored and compared as is.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Any

from marshmallow import fields
from marshmallow.types import ErrorMessages

REQUIRED = "Wajib diisi."
NULL = "Tidak boleh kosong (null)."

_BASE: ErrorMessages = {"required": REQUIRED, "null": NULL, "validator_failed": "Nilai tidak sah."}
DATE_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
    r"(?:Z|[+-][0-9]{2}:?[0-9]{2})"
)


class Str(fields.String):
    default_error_messages = {**_BASE, "invalid": "Harus berupa teks."}


class Int(fields.Integer):
    default_error_messages = {**_BASE, "invalid": "Harus berupa bilangan bulat."}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)


class Float(fields.Float):
    default_error_messages = {**_BASE, "invalid": "Harus berupa angka."}

    def _validated(self, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        return super()._validated(value)


class Bool(fields.Boolean):
    default_error_messages = {**_BASE, "invalid": "Harus true atau false."}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(truthy={True}, falsy={False}, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> bool:
        # `1 in {True}` holds in Python, so marshmallow alone would take 1 and 0.
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class Dict(fields.Dict):
    default_error_messages = {**_BASE, "invalid": "Harus berupa objek JSON."}


class List(fields.List):
    default_error_messages = {**_BASE, "invalid": "Harus berupa daftar (array)."}


class Nested(fields.Nested):
    default_error_messages = {**_BASE, "type": "Harus berupa objek JSON."}


class DateString(Str):
    """`YYYY-MM-DD`, a real calendar day; loads as the string."""

    default_error_messages = {**_BASE, "invalid": "Tanggal harus berformat YYYY-MM-DD."}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not DATE_SHAPE.fullmatch(text):
            raise self.make_error("invalid")
        try:
            date.fromisoformat(text)
        except ValueError as exc:
            raise self.make_error("invalid") from exc
        return text


class Timestamp(Str):
    """ISO 8601 with an offset: a survey timestamp without one is ambiguous across WIB/WITA/WIT."""

    default_error_messages = {
        **_BASE,
        "invalid": "Waktu harus ISO 8601 dengan zona waktu, mis. 2026-11-20T09:15:00+07:00.",
    }

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not _TIMESTAMP.fullmatch(text):
            raise self.make_error("invalid")
        try:
            datetime.fromisoformat(text)
        except ValueError as exc:
            raise self.make_error("invalid") from exc
        return text


class UUIDString(Str):
    """A UUID made on the device; loads as its canonical lower-case string."""

    default_error_messages = {**_BASE, "invalid": "Harus berupa UUID."}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return str(uuid.UUID(text))
        except ValueError as exc:
            raise self.make_error("invalid") from exc


class Raw(fields.Raw):
    default_error_messages = _BASE


class QueryInt(fields.Integer):
    """An integer from a URL query string, where every value arrives as text."""

    default_error_messages = {**_BASE, "invalid": "Harus berupa bilangan bulat."}
