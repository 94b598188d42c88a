"""The blob store keeps bytes under their hash, whole or not at all."""

from __future__ import annotations

import errno
import hashlib
from pathlib import Path

import pytest

from server.settings import blob_folder
from server.store.blobs import BlobMismatch, BlobStore, BlobTooLarge, is_blob_name
from server.store.db import StorageUnavailable


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_put_keeps_bytes_under_their_hash(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    stored = store.put([b"abc", b"def"])
    assert stored.sha256 == sha(b"abcdef") and stored.size == 6
    assert store.has(stored.sha256)
    with store.get(stored.sha256) as blob:
        assert blob.read() == b"abcdef"
    assert b"".join(store.read_chunks(stored.sha256, chunk=2)) == b"abcdef"
    assert store.path_of(stored.sha256).parent.parent.parent == tmp_path
    assert list((tmp_path / "tmp").iterdir()) == []


def test_put_twice_is_one_blob(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    first = store.put(b"photo", expected_sha256=sha(b"photo"))
    second = store.put(b"photo", expected_sha256=sha(b"photo"))
    assert first == second
    assert sum(1 for p in tmp_path.rglob("*") if p.is_file()) == 1


def test_wrong_hash_keeps_nothing(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    with pytest.raises(BlobMismatch):
        store.put(b"photo", expected_sha256=sha(b"other"))
    assert not store.has(sha(b"photo")) and not store.has(sha(b"other"))
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_too_large_keeps_nothing(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    with pytest.raises(BlobTooLarge):
        store.put([b"x" * 10, b"y" * 10], max_bytes=15)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_full_disk_is_storage_unavailable_and_keeps_nothing(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)

    def pieces():  # the disk fills while the bytes are written
        yield b"part"
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(StorageUnavailable) as raised:
        store.put(pieces())
    assert raised.value.reason == "full"
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


@pytest.mark.parametrize("name", ["", "../etc/passwd", "A" * 64, "a" * 63, "a" * 64 + "\n"])
def test_names_that_are_not_hashes_never_become_paths(tmp_path: Path, name: str) -> None:
    store = BlobStore(tmp_path)
    assert not is_blob_name(name)
    assert not store.has(name)
    with pytest.raises(ValueError):
        store.path_of(name)


def test_delete(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    stored = store.put(b"scan")
    assert store.delete(stored.sha256) is True
    assert store.delete(stored.sha256) is False
    assert not store.has(stored.sha256)


def test_blob_folder_defaults(tmp_path: Path) -> None:
    database = tmp_path / "verivali.db"
    assert blob_folder("", f"sqlite:///{database}") == tmp_path / "verivali-blobs"
    assert blob_folder(str(tmp_path / "x"), f"sqlite:///{database}") == tmp_path / "x"
    assert blob_folder("", "postgresql+psycopg://u@h/db").name == "verivali-blobs"
