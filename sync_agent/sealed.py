"""Whole files encrypted with the store's data key (AES-256-GCM): the token, photos.

    sealed = b"VVS1" + nonce (12 bytes) + ciphertext with its 16-byte tag

`seal(key, data)` / `open_sealed(key, sealed)` work on bytes; `write_sealed(path, key,
data)` / `read_sealed(path, key)` on files in the agent home, written durably and
readable by their owner only. The file's name is bound in as associated data, so a
sealed token cannot be passed off as a photo or another photo. The key is the open
store's `Store.key` (sync_agent.vault unwraps it with the PIN).
"""

from __future__ import annotations

import secrets
from pathlib import Path

from sync_agent import platform

MAGIC = b"VVS1"
_NONCE = 12


class SealError(Exception):
    """Not a sealed file, or sealed with another key or under another name."""


def seal(key: bytes, data: bytes, label: str = "") -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = secrets.token_bytes(_NONCE)
    return MAGIC + nonce + AESGCM(key).encrypt(nonce, data, label.encode("utf-8"))


def open_sealed(key: bytes, sealed: bytes, label: str = "") -> bytes:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if not sealed.startswith(MAGIC) or len(sealed) < len(MAGIC) + _NONCE + 16:
        raise SealError("not a sealed file")
    nonce = sealed[len(MAGIC):len(MAGIC) + _NONCE]
    try:
        return AESGCM(key).decrypt(nonce, sealed[len(MAGIC) + _NONCE:], label.encode("utf-8"))
    except InvalidTag as exc:
        raise SealError("sealed with another key, or damaged") from exc


def write_sealed(path: Path, key: bytes, data: bytes) -> None:
    """Seal `data` into `path` (complete or absent after a crash; mode 0600)."""
    platform.write_file_durably(path, seal(key, data, path.name), private=True)


def read_sealed(path: Path, key: bytes) -> bytes:
    return open_sealed(key, path.read_bytes(), path.name)
