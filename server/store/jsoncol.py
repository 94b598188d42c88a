"""JSON in text columns: one canonical encoding so equal content hashes equal."""

from __future__ import annotations

import hashlib
import json
from typing import Any

# One encoder for every call: `json.dumps` with options builds a new one each time, which
# cost a registry import about a tenth of its serialising (the output is the same).
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def dumps(value: Any) -> str:
    return _ENCODER.encode(value)


def loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def content_hash(value: Any) -> str:
    return text_hash(dumps(value))


def text_hash(text: str) -> str:
    """`content_hash` of a value already encoded by `dumps`, for callers that keep the text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
