"""The photos a USB bundle carries: each kept as an upload would keep it, or refused.

The payload's `photos` maps photo_id to the base64 of its bytes. Each goes through
`uploads.keep_whole` after the bundle's surveys are stored: named by a survey of the
bundle's signer, of the declared size, hashing to its name, a whole JPEG. A photo the
server has already is counted received again (a bundle imported twice stores nothing
twice), so the laptop can let go of it either way.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from sqlalchemy import Engine

from server.errors import ApiError
from server.services.uploads import keep_whole
from server.store.blobs import BlobStore, is_blob_name


def take_photos(engine: Engine, blobs: BlobStore, user: dict[str, Any],
                photos: dict[str, Any]) -> dict[str, Any]:
    """{"received": [photo_id, …], "refused": {photo_id: reason}}."""
    received: list[str] = []
    refused: dict[str, str] = {}
    for photo_id, encoded in sorted(photos.items()):
        if not is_blob_name(photo_id) or not isinstance(encoded, str):
            refused[str(photo_id)[:64]] = "bukan photo_id dan isi foto yang sah"
            continue
        try:
            data = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            refused[photo_id] = "isi foto bukan base64"
            continue
        try:
            keep_whole(engine, blobs, user, photo_id, data)
        except ApiError as error:
            refused[photo_id] = error.message
            continue
        received.append(photo_id)
    return {"received": received, "refused": refused}
