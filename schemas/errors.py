"""The error body every 4xx and 5xx carries, and marshmallow errors flattened to paths."""

from __future__ import annotations

from typing import Any

from schemas.base import StrictSchema
from schemas.fields import Dict, Nested, Str


class ErrorSchema(StrictSchema):
    code = Str(required=True)
    message = Str(required=True)
    details = Dict(allow_none=True)


class ErrorBodySchema(StrictSchema):
    error = Nested(ErrorSchema, required=True)


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """`{"observed": {"members": {0: {"nik": [...]}}}}` → `{"observed.members.0.nik": [...]}`.

    Schema-level errors (`_schema`) are reported under the parent path, or `_schema`
    at the top.
    """
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            if key == "_schema":
                path = prefix or "_schema"
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            for sub_path, sub_messages in flatten_errors(value, path).items():
                flat.setdefault(sub_path, []).extend(sub_messages)
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        flat[prefix or "_schema"] = list(messages)
    elif isinstance(messages, list):
        for item in messages:
            for sub_path, sub_messages in flatten_errors(item, prefix).items():
                flat.setdefault(sub_path, []).extend(sub_messages)
    else:
        flat[prefix or "_schema"] = [str(messages)]
    return flat
