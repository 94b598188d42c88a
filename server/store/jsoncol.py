"""JSON in text columns: one canonical encoding so equal content hashes equal."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def content_hash(value: Any) -> str:
    return text_hash(dumps(value))


def text_hash(text: str) -> str:
    """`content_hash` of a value already encoded by `dumps`, for callers that keep the text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
