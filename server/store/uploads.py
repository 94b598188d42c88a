"""Photos on their way in: the partial file of each resumable upload (docs/protocol.md §5).

One partial file per photo, `uploads/<photo_id>.part` beside the blobs (same disk), its
size the upload's offset, so the state survives a restart without a table. Each chunk
is appended whole or not at all: under an exclusive lock the offset is checked and the
bytes written; a failed write (the disk full) is cut back to where the chunk began.
Only the chunk that makes the photo whole is fsync'd (it makes every earlier one durable
too), just before the photo is kept: a chunk lost to a power cut on the way shows as a
shorter file (the client resends from `HEAD`'s offset), and bytes damaged by one fail
the photo's SHA-256 check, so it starts again — nothing wrong is ever kept, and a photo
sent in many small chunks over a bad link costs one fsync, not one a chunk. A finished
upload, its hash checked by the caller, leaves this area for the blob store by a rename
(`BlobStore.adopt`): its bytes are written once.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from filelock import FileLock, Timeout

from server.store.blobs import NO_ROOM, READ_CHUNK, BlobStore, StoredBlob, is_blob_name
from server.store.db import StorageUnavailable


class OffsetMismatch(ValueError):
    """The chunk does not start where the partial file ends; nothing written."""

    def __init__(self, offset: int):
        super().__init__(f"upload is at {offset}")
        self.offset = offset


class UploadBusy(RuntimeError):
    """Another request is appending to this upload right now."""


class UploadArea:
    """Partial uploads under `root` (the blob store's `uploads/` folder)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    @classmethod
    def beside(cls, blobs: BlobStore) -> UploadArea:
        return cls(blobs.root / "uploads")

    def _path(self, photo_id: str) -> Path:
        if not is_blob_name(photo_id):
            raise ValueError("not a blob name")
        return self.root / f"{photo_id}.part"

    def offset(self, photo_id: str) -> int:
        try:
            return self._path(photo_id).stat().st_size
        except FileNotFoundError:
            return 0

    def append(self, photo_id: str, offset: int, chunk: bytes, durable: bool = True) -> int:
        """Append `chunk` at `offset` (which must be the current end); the new offset.

        `durable`: fsync the file before answering (the last chunk, before it is kept).
        """
        self.root.mkdir(parents=True, exist_ok=True)
        with self._locked(photo_id, create=offset == 0) as part:
            size = os.fstat(part.fileno()).st_size
            if size != offset:
                raise OffsetMismatch(size)
            try:
                part.write(chunk)
                part.flush()
                if durable:
                    os.fsync(part.fileno())
            except OSError as error:
                part.truncate(size)  # nothing of this chunk is kept
                if error.errno in NO_ROOM:
                    raise StorageUnavailable("full") from None
                raise
            return size + len(chunk)

    def read(self, photo_id: str) -> bytes:
        """The bytes received so far (to check a photo whose last chunk is in hand)."""
        try:
            return self._path(photo_id).read_bytes()
        except FileNotFoundError:
            return b""

    def keep(self, photo_id: str, blobs: BlobStore, sha256: str) -> StoredBlob:
        """Hand the finished upload, its hash checked, to the blob store (a rename)."""
        return blobs.adopt(self._path(photo_id), sha256)

    def truncate(self, photo_id: str, offset: int) -> None:
        """Cut the upload back to `offset` (a finished chunk whose blob could not be kept)."""
        with self._locked(photo_id) as part:
            part.truncate(offset)
            os.fsync(part.fileno())

    def open(self, photo_id: str) -> BinaryIO:
        """The partial file for reading (a finished upload, to be checked)."""
        return self._path(photo_id).open("rb")

    def read_chunks(self, photo_id: str) -> Iterator[bytes]:
        with self._path(photo_id).open("rb") as part:
            while piece := part.read(READ_CHUNK):
                yield piece

    def discard(self, photo_id: str) -> None:
        path = self._path(photo_id)
        path.unlink(missing_ok=True)
        path.with_suffix(".lock").unlink(missing_ok=True)

    @contextmanager
    def _locked(self, photo_id: str, create: bool = True) -> Iterator[BinaryIO]:
        """The partial file opened for appending, held by this request alone (any worker).

        Only a chunk at offset 0 creates it: a chunk that lost the race to a finished
        upload (renamed into the blob store meanwhile) finds no file and offset 0.
        """
        path = self._path(photo_id)
        lock = FileLock(path.with_suffix(".lock"), timeout=0)
        try:
            lock.acquire()
        except Timeout:
            raise UploadBusy(photo_id) from None
        try:
            try:
                part = path.open("ab" if create else "r+b")
            except FileNotFoundError:
                raise OffsetMismatch(0) from None
            with part:
                part.seek(0, os.SEEK_END)
                yield part
        finally:
            lock.release()
