"""Reading a JSON request body: gzip, size limits, content type, nesting, keys, schema.

A body over the limit, compressed or after inflating, gets 413, so a gzip bomb costs
the server no more than the limit. A gzip body must be one whole stream with nothing
after it. A body nesting arrays and objects deeper than `MAX_DEPTH` is refused before
the parser recurses into it, and an object naming one key twice is refused rather than
silently keeping the last value: both get 400 `malformed_json`.
"""

from __future__ import annotations

import json
import re
import zlib
from typing import Any

from flask import current_app, request
from marshmallow import Schema, ValidationError

from schemas import flatten_errors
from server.errors import MalformedJson, PayloadTooLarge, UnsupportedMediaType, ValidationFailed

MAX_DEPTH = 64
"""Deepest nesting of arrays and objects a body may have; a survey needs five."""

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_NOT_BRACKET_OR_QUOTE = bytes(b for b in range(256) if b not in b'[]{}"')
_OPEN = frozenset(b"[{")


def _structural_brackets(data: bytes) -> bytes:
    """The brackets of `data` outside strings, in order.

    Without an escaped quote every `"` opens or closes a string, so the brackets and
    quotes alone tell which brackets are inside one; dropping adjacent quote pairs
    first (strings without brackets) keeps every bracket's side and leaves little.
    With escaped quotes the strings are cut out by a regular expression: slower.
    """
    if b'\\"' in data:
        return _STRING.sub(b"", data).translate(None, _NOT_BRACKET)
    marks = data.translate(None, _NOT_BRACKET_OR_QUOTE).replace(b'""', b"")
    if b'"' not in marks:
        return marks
    return b"".join(marks.split(b'"')[::2])


def too_deep(data: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether the JSON text nests arrays and objects deeper than `limit` (strings skipped)."""
    brackets = _structural_brackets(data)
    if len(brackets) <= limit:
        return False
    depth = 0
    for byte in brackets:
        if byte in _OPEN:
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


class _DuplicateKey(Exception):
    pass


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _DuplicateKey
    return result


class _Pairs(list[tuple[str, Any]]):
    """An object as its key-value pairs in order: only to find where a key repeats."""


def _duplicate_path(value: Any, path: str = "") -> str | None:
    """The dotted path (as in error details: `surveys.1.outcome`) of the first repeated key."""
    if isinstance(value, _Pairs):
        seen: set[str] = set()
        for key, item in value:
            where = f"{path}.{key}" if path else key
            if key in seen:
                return where
            seen.add(key)
            found = _duplicate_path(item, where)
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _duplicate_path(item, f"{path}.{index}" if path else str(index))
            if found is not None:
                return found
    return None


def parse_json(data: bytes) -> Any:
    """The JSON value of `data`; MalformedJson when it is not JSON, too deep or repeats a key."""
    if too_deep(data):
        raise MalformedJson(f"JSON bersarang lebih dari {MAX_DEPTH} tingkat.")
    try:
        return json.loads(data, object_pairs_hook=_unique_object)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedJson() from exc
    except _DuplicateKey:
        pass
    try:
        path = _duplicate_path(json.loads(data, object_pairs_hook=_Pairs)) or "?"
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedJson() from exc
    path = path if len(path) <= 200 else path[:200] + "…"
    raise MalformedJson(f"Kunci ganda dalam objek JSON: {path}.",
                        details={path: ["Kunci yang sama muncul lebih dari sekali."]})


def raw_body() -> bytes:
    limit = current_app.config["MAX_INFLATED_BYTES"]
    data = request.get_data(cache=True)  # MAX_CONTENT_LENGTH bounds the compressed size
    encoding = request.headers.get("Content-Encoding", "identity").lower().strip()
    if encoding in ("", "identity"):
        return data
    if encoding != "gzip":
        raise UnsupportedMediaType("Content-Encoding yang diterima hanya gzip.")
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        inflated = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise MalformedJson("Badan gzip rusak.") from exc
    if len(inflated) > limit or inflater.unconsumed_tail:
        raise PayloadTooLarge("Badan permintaan setelah diekstrak melebihi batas.")
    if not inflater.eof:
        raise MalformedJson("Badan gzip terpotong.")
    if inflater.unused_data:
        raise MalformedJson("Ada data setelah akhir aliran gzip.")
    return inflated


def json_body() -> Any:
    if request.mimetype != "application/json":
        raise UnsupportedMediaType()
    return parse_json(raw_body())


def load(schema: Schema, data: Any) -> Any:
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise ValidationFailed(details=flatten_errors(exc.messages)) from exc


def parse(schema: Schema) -> Any:
    return load(schema, json_body())


def parse_query(schema: Schema) -> Any:
    return load(schema, {k: v for k, v in request.args.items()})
