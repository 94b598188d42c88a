"""Opening a home's store: the data key from the PIN, and a plain store encrypted on the way.

A home made before encryption has a plain `agent.db` and a plain `token`; the first
command run after the upgrade asks for a new PIN, creates the key file and rewrites both
encrypted (SQLCipher's `sqlcipher_export`, every table and row as it was). It goes by
what the files hold, not by which files exist, so a crash half-way is finished by the
next command. The key a process unlocked is kept in its memory, so the daemon asks once.
"""

from __future__ import annotations

import os
from pathlib import Path

import sqlcipher3

from sync_agent import pin, platform, sealed, vault
from sync_agent.store import DB_FILE, Store, key_pragma, store_path

PLAIN_HEADER = b"SQLite format 3\x00"
RECOVERY_KEY = "recovery_key"  # config: a new recovery key waiting to be escrowed

_unlocked: dict[Path, bytes] = {}


def forget_keys() -> None:
    """Drop every key this process unlocked (tests)."""
    _unlocked.clear()


def remember_key(home: Path, key: bytes) -> None:
    _unlocked[home.resolve()] = key


def cached_key(home: Path) -> bytes | None:
    return _unlocked.get(home.resolve())


def forget_key(home: Path) -> None:
    """Lock this home again in this process (the capture form's lock)."""
    _unlocked.pop(home.resolve(), None)


def is_plain(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(len(PLAIN_HEADER)) == PLAIN_HEADER
    except FileNotFoundError:
        return False


def data_key(home: Path) -> tuple[bytes, bytes | None]:
    """(data key, new recovery key or None): unlocks the vault, or makes one with a new PIN."""
    home = home.resolve()
    if home in _unlocked:
        return _unlocked[home], None
    if not pin.may_prompt() and not pin.given():
        raise vault.VaultError("locked: unlock the form with the PIN first")
    if vault.exists(home):
        key, recovery = vault.unlock(home, pin.obtain()), None
    else:
        created = vault.create(home, pin.obtain("New PIN (at least 6 characters): ", True))
        key, recovery = created.data_key, created.recovery_key
    _unlocked[home] = key
    return key, recovery


def encrypt_plain_store(path: Path, key: bytes) -> None:
    """Rewrite a plain store encrypted, keeping every row and the schema version."""
    plain = sqlcipher3.connect(str(path), isolation_level=None)
    tmp = path.with_name(path.name + ".encrypting")
    tmp.unlink(missing_ok=True)
    try:
        plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        version = int(plain.execute("PRAGMA user_version").fetchone()[0])
        plain.execute(f"ATTACH DATABASE ? AS encrypted KEY {key_pragma(key)}", [str(tmp)])
        plain.execute("SELECT sqlcipher_export('encrypted')")
        plain.execute(f"PRAGMA encrypted.user_version = {version}")
        plain.execute("DETACH DATABASE encrypted")
    finally:
        plain.close()
    with tmp.open("r+b") as handle:  # writable: Windows fsyncs only those
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    for leftover in ("-wal", "-shm"):
        path.with_name(path.name + leftover).unlink(missing_ok=True)
    platform.fsync_dir(path.parent)


def seal_plain_token(home: Path, key: bytes) -> None:
    from sync_agent.home import token_path

    path = token_path(home)
    if path.exists() and not path.read_bytes().startswith(sealed.MAGIC):
        sealed.write_sealed(path, key, path.read_bytes().strip())


def open_home_store(home: Path, key: bytes | None = None) -> Store:
    platform.make_private_dir(home)
    recovery = None
    if key is None:
        key, recovery = data_key(home)
    path = store_path(home)
    if is_plain(path):
        encrypt_plain_store(path, key)
    seal_plain_token(home, key)
    store = Store(path, key)
    if recovery is not None:
        with store.write():
            store.put(RECOVERY_KEY, vault.encode_key(recovery))
    return store


__all__ = ["DB_FILE", "data_key", "forget_keys", "open_home_store"]
