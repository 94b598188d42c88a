"""Reading a JSON request body: gzip, size limits, content type, schema.

A body over the limit, compressed or after inflating, gets 413, so a gzip bomb costs
the server no more than the limit.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

from flask import current_app, request
from marshmallow import Schema, ValidationError

from schemas import flatten_errors
from server.errors import MalformedJson, PayloadTooLarge, UnsupportedMediaType, ValidationFailed


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
    return inflated


def json_body() -> Any:
    if request.mimetype != "application/json":
        raise UnsupportedMediaType()
    try:
        return json.loads(raw_body())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedJson() from exc


def load(schema: Schema, data: Any) -> Any:
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise ValidationFailed(details=flatten_errors(exc.messages)) from exc


def parse(schema: Schema) -> Any:
    return load(schema, json_body())


def parse_query(schema: Schema) -> Any:
    return load(schema, {k: v for k, v in request.args.items()})
