"""tus 1.0 resumable uploads of photo bytes: core, creation, checksum (docs/protocol.md §5).

`POST /uploads` (Upload-Length, Upload-Metadata `photo_id`) names the upload
`/uploads/<photo_id>`, and may carry its first chunk (creation-with-upload); `HEAD` says
its offset; `PATCH` appends one chunk (`application/offset+octet-stream`, Upload-Offset,
optionally Upload-Checksum `sha256`).
This module only reads and writes tus headers; the rules are in `services/uploads.py`.
"""

from __future__ import annotations

import base64
import binascii

from flask import Blueprint, Response, request, url_for
from flask.typing import ResponseReturnValue

from server.api.auth import current_user, require
from server.errors import ApiError, PayloadTooLarge, PreconditionFailed, UnsupportedMediaType
from server.http.engine import get_blobs, get_engine
from server.services.uploads import MAX_UPLOAD, Upload, append_chunk, begin_upload, upload_state

bp = Blueprint("uploads", __name__)

TUS_VERSION = "1.0.0"
MAX_CHUNK = 8 * 1024 * 1024
CHUNK_TYPE = "application/offset+octet-stream"


class BadHeader(ApiError):
    code = "bad_request"

    def __init__(self, header: str, why: str):
        super().__init__(f"{header}: {why}", {header: [why]})


@bp.after_request
def _tus_headers(response: Response) -> Response:
    response.headers["Tus-Resumable"] = TUS_VERSION
    response.headers["Cache-Control"] = "no-store"
    return response


def _require_tus() -> None:
    if request.headers.get("Tus-Resumable") != TUS_VERSION:
        raise PreconditionFailed()


def _int_header(name: str) -> int:
    value = request.headers.get(name, "")
    if not value.isascii() or not value.isdigit() or len(value) > 12:
        raise BadHeader(name, "harus bilangan bulat tak negatif")
    return int(value)


def _metadata() -> dict[str, str]:
    """`Upload-Metadata`: comma-separated `key base64value` pairs."""
    pairs: dict[str, str] = {}
    for item in request.headers.get("Upload-Metadata", "").split(","):
        key, _, value = item.strip().partition(" ")
        if not key:
            continue
        try:
            pairs[key] = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise BadHeader("Upload-Metadata", f"nilai {key} bukan base64") from None
    return pairs


def _checksum() -> bytes | None:
    header = request.headers.get("Upload-Checksum")
    if header is None:
        return None
    algorithm, _, value = header.strip().partition(" ")
    if algorithm != "sha256":
        raise BadHeader("Upload-Checksum", "hanya sha256 yang didukung")
    try:
        digest = base64.b64decode(value, validate=True)
    except binascii.Error:
        raise BadHeader("Upload-Checksum", "nilai bukan base64") from None
    if len(digest) != 32:
        raise BadHeader("Upload-Checksum", "SHA-256 harus 32 bita")
    return digest


def _answer(upload: Upload, status: int) -> Response:
    response = Response(status=status)
    response.headers["Upload-Offset"] = str(upload.offset)
    response.headers["Upload-Length"] = str(upload.length)
    return response


@bp.route("/uploads", methods=["OPTIONS"], provide_automatic_options=False)
def options() -> ResponseReturnValue:
    """What this server speaks of tus (no token needed, as tus clients expect)."""
    response = Response(status=204)
    response.headers.update({
        "Tus-Version": TUS_VERSION, "Tus-Extension": "creation,creation-with-upload,checksum",
        "Tus-Checksum-Algorithm": "sha256", "Tus-Max-Size": str(MAX_UPLOAD)})
    return response


@bp.post("/uploads")
@require("enumerator")
def create() -> ResponseReturnValue:
    """Start (or find) the upload of a photo one of the caller's surveys names.

    A body is its first chunk (creation-with-upload): a small photo in one request.
    """
    _require_tus()
    length = _int_header("Upload-Length")
    photo_id = _metadata().get("photo_id")
    if not photo_id:
        raise BadHeader("Upload-Metadata", "photo_id wajib ada")
    chunk = None
    if request.content_length or request.headers.get("Transfer-Encoding"):
        if request.mimetype != CHUNK_TYPE:
            raise UnsupportedMediaType(f"Content-Type harus {CHUNK_TYPE}.")
        chunk = _chunk()
    upload = begin_upload(get_engine(), get_blobs(), current_user(), photo_id, length, chunk,
                          _checksum() if chunk else None)
    response = _answer(upload, 201)
    response.headers["Location"] = url_for("uploads.head", photo_id=photo_id)
    return response


@bp.route("/uploads/<photo_id>", methods=["HEAD"], provide_automatic_options=False)
@require("enumerator")
def head(photo_id: str) -> ResponseReturnValue:
    """Where the upload stands: resume from `Upload-Offset`."""
    _require_tus()
    return _answer(upload_state(get_engine(), get_blobs(), current_user(), photo_id), 200)


@bp.patch("/uploads/<photo_id>")
@require("enumerator")
def patch(photo_id: str) -> ResponseReturnValue:
    """Append one chunk, whole or not at all."""
    _require_tus()
    if request.mimetype != CHUNK_TYPE:
        raise UnsupportedMediaType(f"Content-Type harus {CHUNK_TYPE}.")
    offset = _int_header("Upload-Offset")
    checksum = _checksum()
    upload = append_chunk(get_engine(), get_blobs(), current_user(), photo_id, offset, _chunk(),
                          checksum)
    return _answer(upload, 204)


def _chunk() -> bytes:
    """The request body: one chunk of at most `MAX_CHUNK` bytes."""
    if request.content_length is not None and request.content_length > MAX_CHUNK:
        raise PayloadTooLarge(f"Satu potongan paling banyak {MAX_CHUNK} bita.")
    chunk = request.stream.read(MAX_CHUNK + 1)
    if len(chunk) > MAX_CHUNK:
        raise PayloadTooLarge(f"Satu potongan paling banyak {MAX_CHUNK} bita.")
    return chunk
