"""Content-addressed files: survey photos, signed berita acara scans, phone attachments.

A blob is named by the SHA-256 of its bytes, so the same photo sent twice (a resend, a
USB bundle imported again, a phone's split submission) is kept once, and a name proves
its content. The database says which survey names which blob and whether its bytes have
arrived; this module only keeps bytes. The interface is small on purpose — put, get, has,
delete — so an object store can stand behind it later.

Durability: bytes go to a temporary file in the store's own `tmp/` folder (same disk),
are fsync'd, checked against the expected hash, then renamed into place and the folder
fsync'd. A crash leaves either the whole blob or a stray temporary file, never a torn one
under a real name. A file already written and fsync'd on the same disk (a finished
upload) is `adopt`ed by that rename alone, without copying its bytes again. `ENOSPC` (and
`EFBIG`, a file-size limit such as `ulimit -f`) becomes `StorageUnavailable("full")` with
nothing kept.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from server.store.db import StorageUnavailable

SHA256_HEX = re.compile(r"\A[0-9a-f]{64}\Z")
READ_CHUNK = 256 * 1024
# What the operating system answers when there is no room for the bytes: the disk or a
# quota is full, or a file-size limit is reached.
NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


class BlobMismatch(ValueError):
    """The bytes given do not hash to the name they were offered under; nothing kept."""

    def __init__(self, expected: str, actual: str):
        super().__init__(f"bytes hash to {actual}, not {expected}")
        self.expected = expected
        self.actual = actual


class BlobTooLarge(ValueError):
    """More bytes than the caller allowed; nothing kept."""


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int


def is_blob_name(name: str) -> bool:
    """Whether `name` is a blob name (64 lowercase hex): the one check before a path is built."""
    return bool(SHA256_HEX.match(name))


class BlobStore:
    """Blobs under `root`: `root/ab/cd/abcd…` (two levels keep folders small at millions)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path_of(self, sha256: str) -> Path:
        if not is_blob_name(sha256):
            raise ValueError("not a blob name")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def has(self, sha256: str) -> bool:
        return is_blob_name(sha256) and self.path_of(sha256).is_file()

    def size(self, sha256: str) -> int | None:
        try:
            return self.path_of(sha256).stat().st_size
        except (FileNotFoundError, ValueError):
            return None

    def get(self, sha256: str) -> BinaryIO:
        """The blob opened for reading; `FileNotFoundError` when it is not here."""
        return self.path_of(sha256).open("rb")

    def read_chunks(self, sha256: str, chunk: int = READ_CHUNK) -> Iterator[bytes]:
        """The blob's bytes in chunks, for a streamed answer (flat memory at any size)."""
        with self.get(sha256) as blob:
            while piece := blob.read(chunk):
                yield piece

    def put(self, content: bytes | Iterable[bytes], expected_sha256: str | None = None,
            max_bytes: int | None = None) -> StoredBlob:
        """Keep `content` under its hash; when `expected_sha256` is given it must match.

        Idempotent: a blob already here is not rewritten (its name proves its bytes).
        """
        if expected_sha256 is not None and not is_blob_name(expected_sha256):
            raise ValueError("not a blob name")
        pieces = [content] if isinstance(content, bytes) else content
        tmp_folder = self.root / "tmp"
        tmp_folder.mkdir(parents=True, exist_ok=True)
        tmp = tmp_folder / f"{secrets.token_hex(8)}.part"
        try:
            digest, size = _write_durably(tmp, pieces, max_bytes)
            if expected_sha256 is not None and digest != expected_sha256:
                raise BlobMismatch(expected_sha256, digest)
            final = self.path_of(digest)
            if not final.is_file():
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, final)
                _fsync_folder(final.parent)
            return StoredBlob(digest, size)
        except OSError as error:
            if error.errno in NO_ROOM:
                raise StorageUnavailable("full") from None
            raise
        finally:
            tmp.unlink(missing_ok=True)

    def adopt(self, path: Path, sha256: str) -> StoredBlob:
        """Keep the finished file at `path` as blob `sha256`, by renaming it (no copy).

        The caller has fsync'd the file and checked that its bytes hash to `sha256`; it
        must be on this store's disk. Once kept the file is no longer at `path` (a blob
        already here is not replaced); a full disk leaves it there. An object store would
        upload it instead.
        """
        final = self.path_of(sha256)
        size = path.stat().st_size
        try:
            if final.is_file():
                path.unlink()
                return StoredBlob(sha256, size)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, final)
            _fsync_folder(final.parent)
        except OSError as error:
            if error.errno in NO_ROOM:
                raise StorageUnavailable("full") from None
            raise
        return StoredBlob(sha256, size)

    def delete(self, sha256: str) -> bool:
        """Remove a blob; whether it was here. Callers decide that nothing names it any more."""
        try:
            self.path_of(sha256).unlink()
            return True
        except FileNotFoundError:
            return False


def _write_durably(tmp: Path, pieces: Iterable[bytes], max_bytes: int | None) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with tmp.open("wb") as out:
        for piece in pieces:
            size += len(piece)
            if max_bytes is not None and size > max_bytes:
                raise BlobTooLarge(f"more than {max_bytes} bytes")
            digest.update(piece)
            out.write(piece)
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest(), size


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
