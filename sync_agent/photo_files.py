"""Every byte of a photo on the laptop is written, read and deleted here, and nowhere else.

A photo lives in `<home>/photos/<sha256>.jpg` from the moment its visit is saved until
the server confirms it has the same hash. Written durably: a temporary file in the same
folder, fsync'd, renamed, the folder fsync'd, so a power cut leaves the whole photo or
none. The name is the SHA-256 of the bytes as sent; `read` checks it, so a file damaged
on disk is noticed before it is uploaded.

On disk a photo is sealed with the store's data key (`sealed.seal`, AES-GCM, the file
name bound in): a house or a family card (KK) is personal data, encrypted at rest like
the store itself (docs/agent.md, the threat model).
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from sync_agent.sealed import SealError, open_sealed, seal

FOLDER = "photos"


class PhotoDamaged(OSError):
    """The file under a photo's name no longer hashes to it."""


def folder(home: Path) -> Path:
    return home / FOLDER


def path_of(home: Path, photo_id: str) -> Path:
    if len(photo_id) != 64 or any(c not in "0123456789abcdef" for c in photo_id):
        raise ValueError("not a photo id")
    return folder(home) / f"{photo_id}.jpg"


def photo_id_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write(home: Path, key: bytes, data: bytes) -> str:
    """Keep `data` durably, sealed; its photo_id (the same bytes twice are kept once)."""
    photo_id = photo_id_of(data)
    final = path_of(home, photo_id)
    if final.is_file():
        return photo_id
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.parent / f".{secrets.token_hex(8)}.part"
    try:
        with tmp.open("wb") as out:
            out.write(seal(key, data, final.name))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_folder(final.parent)
    return photo_id


def read(home: Path, key: bytes, photo_id: str) -> bytes:
    path = path_of(home, photo_id)
    try:
        data = open_sealed(key, path.read_bytes(), path.name)
    except SealError as exc:
        raise PhotoDamaged(f"photo {photo_id[:12]}… is damaged on disk") from exc
    if photo_id_of(data) != photo_id:
        raise PhotoDamaged(f"photo {photo_id[:12]}… is damaged on disk")
    return data


def size(home: Path, photo_id: str) -> int | None:
    try:
        return path_of(home, photo_id).stat().st_size
    except FileNotFoundError:
        return None


def delete(home: Path, photo_id: str) -> None:
    path_of(home, photo_id).unlink(missing_ok=True)


def listed(home: Path) -> list[str]:
    """The photo ids on disk."""
    if not folder(home).is_dir():
        return []
    return sorted(p.stem for p in folder(home).glob("*.jpg"))


def _fsync_folder(path: Path) -> None:
    if os.name == "nt":  # Windows cannot open a folder for fsync; NTFS journals the rename
        return
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
