"""Resumable photo uploads (docs/protocol.md §5: tus 1.0 core, creation, checksum).

An enumerator may send the bytes of a photo one of its own stored surveys names, of the
size that survey declared. Chunks land in the upload area (`server/store/uploads.py`),
each whole or not at all; the last one makes the photo whole, and only then is it
checked — its SHA-256 against its name, then as a JPEG — and kept in the blob store,
marked received, and its partial file removed. A photo the server has already answers
at once as complete, so no byte is sent twice.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from schemas.survey import MAX_PHOTO_BYTES
from server.errors import (
    ChecksumMismatch,
    Forbidden,
    InsufficientStorage,
    OffsetConflict,
    PayloadTooLarge,
    ValidationFailed,
)
from server.services.images import BadImage, check_jpeg
from server.store import photos as photo_store
from server.store.blobs import BlobStore, is_blob_name
from server.store.db import StorageUnavailable, reading, transaction
from server.store.uploads import OffsetMismatch, UploadArea, UploadBusy
from server.timeutil import now_iso

NOT_YOURS = "Tidak ada kunjungan Anda yang mencantumkan foto ini."
WRONG_LENGTH = "Harus sama dengan `bytes` foto ini pada kunjungan Anda ({})."
PAST_LENGTH = "Potongan melewati panjang unggahan yang dinyatakan (Upload-Length)."
HASH_MISMATCH = "Isi foto tidak cocok dengan photo_id (SHA-256); unggahan dibuang, kirim ulang."
BUSY = "Unggahan foto ini sedang berjalan dari permintaan lain."
MAX_UPLOAD = MAX_PHOTO_BYTES


@dataclass(frozen=True)
class Upload:
    photo_id: str
    length: int
    offset: int

    @property
    def complete(self) -> bool:
        return self.offset == self.length


def _declared(engine: Engine, user: dict[str, Any], photo_id: str) -> tuple[int, bool]:
    """(declared bytes, already received) of a photo one of the caller's surveys names."""
    claim = None
    if is_blob_name(photo_id):
        with reading(engine) as conn:
            claim = photo_store.claim(conn, photo_id, user["user_id"])
    if claim is None:
        raise Forbidden(NOT_YOURS)
    return claim


def upload_state(engine: Engine, blobs: BlobStore, user: dict[str, Any], photo_id: str) -> Upload:
    """Where the caller's upload of `photo_id` stands (HEAD)."""
    length, received = _declared(engine, user, photo_id)
    if received:
        return Upload(photo_id, length, length)
    if blobs.has(photo_id):  # kept, but the database was not told (a crash in between)
        _mark_received(engine, photo_id)
        return Upload(photo_id, length, length)
    return Upload(photo_id, length, UploadArea.beside(blobs).offset(photo_id))


def begin_upload(engine: Engine, blobs: BlobStore, user: dict[str, Any], photo_id: str,
                 length: int, first_chunk: bytes | None = None,
                 checksum: bytes | None = None) -> Upload:
    """Creation (POST): the upload of `photo_id`, resumed where it stands, or complete.

    With `first_chunk` (tus creation-with-upload) a new upload takes it at offset 0 in
    the same request, so a photo that fits one chunk costs one request. An upload that
    already stands past 0 ignores it (the client goes on from the offset answered).
    """
    if length > MAX_UPLOAD:
        raise PayloadTooLarge(f"Foto lebih dari {MAX_UPLOAD} bita.")
    upload = upload_state(engine, blobs, user, photo_id)
    if length != upload.length:
        raise ValidationFailed(details={"Upload-Length": [WRONG_LENGTH.format(upload.length)]})
    if not first_chunk or upload.offset != 0:
        return upload
    return _append(engine, blobs, upload, 0, first_chunk, checksum)


def append_chunk(engine: Engine, blobs: BlobStore, user: dict[str, Any], photo_id: str,
                 offset: int, chunk: bytes, checksum: bytes | None) -> Upload:
    """PATCH: `chunk` at `offset`; the last chunk checks and keeps the photo."""
    upload = upload_state(engine, blobs, user, photo_id)
    if upload.complete:
        return upload  # already here: nothing more to take
    return _append(engine, blobs, upload, offset, chunk, checksum)


def _append(engine: Engine, blobs: BlobStore, upload: Upload, offset: int, chunk: bytes,
            checksum: bytes | None) -> Upload:
    """One chunk, whole or not at all; the last one is checked before it is even written."""
    chunk_digest = hashlib.sha256(chunk)
    if checksum is not None and chunk_digest.digest() != checksum:
        raise ChecksumMismatch()
    if offset + len(chunk) > upload.length:
        raise PayloadTooLarge(PAST_LENGTH)
    area = UploadArea.beside(blobs)
    last = offset + len(chunk) == upload.length
    if last:
        _check_whole(area, upload.photo_id, offset, chunk, chunk_digest)
    try:
        end = area.append(upload.photo_id, offset, chunk, durable=last)
    except OffsetMismatch as mismatch:
        raise OffsetConflict(mismatch.offset) from None
    except UploadBusy:
        raise OffsetConflict(area.offset(upload.photo_id), BUSY) from None
    except StorageUnavailable:
        raise InsufficientStorage() from None
    if last:
        _keep(engine, blobs, area, upload.photo_id, offset)
    return Upload(upload.photo_id, upload.length, end)


def _check_whole(area: UploadArea, photo_id: str, offset: int, chunk: bytes,
                 chunk_digest: Any) -> None:
    """The whole photo, in memory: its SHA-256 against its name, then as a JPEG.

    A photo sent in one chunk is hashed once (the chunk's own checksum is the photo's);
    otherwise the bytes already received are read back once, beside the last chunk.
    On failure the upload is thrown away, so it starts again from 0.
    """
    before = area.read(photo_id) if offset else b""
    if len(before) != offset:  # another request moved it meanwhile: say where it is
        raise OffsetConflict(len(before))
    whole = before + chunk if offset else chunk
    digest = hashlib.sha256(whole) if offset else chunk_digest
    if digest.hexdigest() != photo_id:
        area.discard(photo_id)
        raise ChecksumMismatch(HASH_MISMATCH, {"photo_id": [HASH_MISMATCH]})
    try:
        check_jpeg(io.BytesIO(whole))
    except BadImage as bad:
        area.discard(photo_id)
        raise ValidationFailed(f"Foto ditolak: {bad}.", {"photo": [str(bad)]}) from None


def _keep(engine: Engine, blobs: BlobStore, area: UploadArea, photo_id: str,
          chunk_start: int) -> None:
    """The checked, fsync'd upload into the blob store (a rename), then marked received."""
    try:
        area.keep(photo_id, blobs, photo_id)
    except StorageUnavailable:
        area.truncate(photo_id, chunk_start)  # the last chunk is asked again later
        raise InsufficientStorage() from None
    _mark_received(engine, photo_id)
    area.discard(photo_id)


def keep_whole(engine: Engine, blobs: BlobStore, user: dict[str, Any], photo_id: str,
               data: bytes) -> None:
    """A whole photo that came another way (a USB bundle): the same checks, then kept.

    Raises `Forbidden` (no survey of the caller names it), `ValidationFailed` (another
    size than declared, not a whole JPEG) or `ChecksumMismatch`; nothing kept then.
    """
    length, received = _declared(engine, user, photo_id)
    if received and blobs.has(photo_id):
        return
    if len(data) != length:
        raise ValidationFailed(details={"bytes": [WRONG_LENGTH.format(length)]})
    if hashlib.sha256(data).hexdigest() != photo_id:
        raise ChecksumMismatch(HASH_MISMATCH, {"photo_id": [HASH_MISMATCH]})
    try:
        check_jpeg(io.BytesIO(data))
    except BadImage as bad:
        raise ValidationFailed(f"Foto ditolak: {bad}.", {"photo": [str(bad)]}) from None
    blobs.put(data, expected_sha256=photo_id)
    _mark_received(engine, photo_id)


def _mark_received(engine: Engine, photo_id: str) -> None:
    with transaction(engine) as conn:
        photo_store.mark_received(conn, photo_id, now_iso())
