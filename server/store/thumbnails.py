"""Thumbnails of photos for the supervisor pages, made once and kept beside the blobs.

`<blob root>/thumbs/ab/<photo_id>.jpg`: named by the photo they show (not by their own
hash), so the page finds one without the database. Written like a blob (temporary
file, fsync, rename); losing them costs only the time to make them again.
"""

from __future__ import annotations

import errno
import os
import secrets
from pathlib import Path

from server.store.blobs import BlobStore, is_blob_name
from server.store.db import StorageUnavailable


class ThumbnailStore:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    @classmethod
    def beside(cls, blobs: BlobStore) -> ThumbnailStore:
        return cls(blobs.root / "thumbs")

    def _path(self, photo_id: str) -> Path:
        if not is_blob_name(photo_id):
            raise ValueError("not a blob name")
        return self.root / photo_id[:2] / f"{photo_id}.jpg"

    def get(self, photo_id: str) -> bytes | None:
        try:
            return self._path(photo_id).read_bytes()
        except FileNotFoundError:
            return None

    def put(self, photo_id: str, data: bytes) -> None:
        final = self._path(photo_id)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.parent / f".{secrets.token_hex(8)}.part"
        try:
            with tmp.open("wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, final)
        except OSError as error:
            if error.errno in (errno.ENOSPC, errno.EDQUOT):
                raise StorageUnavailable("full") from None
            raise
        finally:
            tmp.unlink(missing_ok=True)
