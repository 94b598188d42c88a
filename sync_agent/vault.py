"""The agent's data key: random, kept on disk only wrapped by the PIN and by a recovery key.

    keys.json   {"version", "kdf": {scrypt n, r, p, salt}, "pin_wrap", "recovery_wrap",
                 "failures", "locked", "device_id", "server_url"}

Every byte of the store and of sealed files (the token, photos) is encrypted with one
random 256-bit data key. The key is written to disk only wrapped (AES-GCM) twice: by a
key derived from the PIN with scrypt (memory-hard, parameters stored beside it, so a
PIN change or a stronger default rewraps the one key without re-encrypting the store),
and by a random recovery key escrowed on the server (docs/agent.md, "Recovery").

Five wrong PINs in a row lock the vault until a recovery: the counter is in this file,
so it stops guessing through the agent; guessing offline against a copied disk costs one
scrypt run per try (docs/agent.md, "Threat model").
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sync_agent import platform

VAULT_FILE = "keys.json"
MAX_FAILURES = 5
KEY_BYTES = 32
MIN_PIN_LENGTH = 6
# scrypt cost as log2(N), r=8: 17 is 128 MiB and about half a second per try on a laptop.
DEFAULT_SCRYPT_LOG2_N = 17
SCRYPT_COST_ENV = "VERIVALI_AGENT_SCRYPT_LOG2_N"  # tests lower it; 10..22 accepted
_PIN_AAD = b"verivali-agent data key, wrapped by PIN"
_RECOVERY_AAD = b"verivali-agent data key, wrapped by recovery key"


class VaultError(Exception):
    """The data key cannot be had as asked; the text is safe to show (no PIN, no key)."""


class WrongPin(VaultError):
    """The PIN does not open the vault; `left` tries remain before it locks."""

    def __init__(self, left: int):
        self.left = left
        super().__init__(
            f"wrong PIN ({left} tries left before the store locks)" if left
            else "wrong PIN: the store is now locked; ask the admin for a recovery code "
            "and run `verivali-agent recover --code CODE`"
        )


class VaultLocked(VaultError):
    """Five wrong PINs in a row: only a recovery code from the server opens it now."""

    def __init__(self) -> None:
        super().__init__(
            "store locked after 5 wrong PINs; ask the admin for a recovery code and run "
            "`verivali-agent recover --code CODE` (no visit is lost)"
        )


def vault_path(home: Path) -> Path:
    return home / VAULT_FILE


def exists(home: Path) -> bool:
    return vault_path(home).exists()


def check_pin(pin: str) -> str:
    """A PIN or passphrase of at least 6 characters, no surrounding blanks."""
    pin = pin.strip()
    if len(pin) < MIN_PIN_LENGTH:
        raise VaultError(f"PIN too short: use at least {MIN_PIN_LENGTH} characters")
    return pin


def scrypt_cost() -> int:
    raw = platform.setting(SCRYPT_COST_ENV)
    if not raw:
        return DEFAULT_SCRYPT_LOG2_N
    if not raw.isdigit() or not 10 <= int(raw) <= 22:
        raise VaultError(f"{SCRYPT_COST_ENV} must be a whole number from 10 to 22")
    return int(raw)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _pin_key(pin: str, kdf: dict[str, Any]) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(
        salt=_unb64(kdf["salt"]), length=KEY_BYTES, n=2 ** kdf["log2_n"], r=kdf["r"], p=kdf["p"]
    ).derive(pin.encode("utf-8"))


def _wrap(wrapping_key: bytes, data_key: bytes, aad: bytes) -> dict[str, str]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = secrets.token_bytes(12)
    return {"nonce": _b64(nonce), "ct": _b64(AESGCM(wrapping_key).encrypt(nonce, data_key, aad))}


def _unwrap(wrapping_key: bytes, wrapped: dict[str, str], aad: bytes) -> bytes | None:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        return AESGCM(wrapping_key).decrypt(_unb64(wrapped["nonce"]), _unb64(wrapped["ct"]), aad)
    except InvalidTag:
        return None


@dataclass
class Created:
    """A new vault: the data key and the recovery key to escrow on the server."""

    data_key: bytes
    recovery_key: bytes


def _read(home: Path) -> dict[str, Any]:
    try:
        return dict(json.loads(vault_path(home).read_text(encoding="utf-8")))
    except FileNotFoundError as exc:
        raise VaultError(f"no key file in {home}: run `verivali-agent init` first") from exc
    except ValueError as exc:
        raise VaultError(f"the key file {vault_path(home)} is damaged") from exc


def _write(home: Path, record: dict[str, Any]) -> None:
    platform.write_file_durably(
        vault_path(home), json.dumps(record, indent=1).encode("utf-8"), private=True
    )


def _pin_fields(pin: str, data_key: bytes) -> dict[str, Any]:
    kdf = {"name": "scrypt", "log2_n": scrypt_cost(), "r": 8, "p": 1,
           "salt": _b64(secrets.token_bytes(16))}
    return {"kdf": kdf, "pin_wrap": _wrap(_pin_key(pin, kdf), data_key, _PIN_AAD)}


def create(home: Path, pin: str) -> Created:
    """A new data key and recovery key, written wrapped; refuses to replace a vault."""
    if exists(home):
        raise VaultError(f"a key file already exists in {home}")
    data_key = secrets.token_bytes(KEY_BYTES)
    recovery_key = secrets.token_bytes(KEY_BYTES)
    record = {"version": 1, **_pin_fields(check_pin(pin), data_key),
              "recovery_wrap": _wrap(recovery_key, data_key, _RECOVERY_AAD),
              "failures": 0, "locked": False}
    _write(home, record)
    return Created(data_key, recovery_key)


def unlock(home: Path, pin: str) -> bytes:
    """The data key for this PIN; counts a wrong one, locking at the fifth in a row."""
    record = _read(home)
    if record.get("locked"):
        raise VaultLocked()
    data_key = _unwrap(_pin_key(pin.strip(), record["kdf"]), record["pin_wrap"], _PIN_AAD)
    if data_key is None:
        record["failures"] = int(record.get("failures", 0)) + 1
        record["locked"] = record["failures"] >= MAX_FAILURES
        _write(home, record)
        raise WrongPin(max(0, MAX_FAILURES - record["failures"]))
    if record.get("failures"):
        record["failures"] = 0
        _write(home, record)
    return data_key


def change_pin(home: Path, data_key: bytes, new_pin: str) -> None:
    """Rewrap the data key under a new PIN (with today's scrypt cost); unlocks the vault."""
    record = _read(home)
    record.update(_pin_fields(check_pin(new_pin), data_key), failures=0, locked=False)
    _write(home, record)


def recover(home: Path, recovery_key: bytes, new_pin: str) -> tuple[bytes, bytes]:
    """Open with the escrowed recovery key, set a new PIN and a new recovery key.

    Returns (data key, new recovery key); the old recovery key, released by the server,
    opens nothing afterwards.
    """
    record = _read(home)
    data_key = _unwrap(recovery_key, record["recovery_wrap"], _RECOVERY_AAD)
    if data_key is None:
        raise VaultError("the recovery key from the server does not open this store")
    new_recovery = secrets.token_bytes(KEY_BYTES)
    record.update(_pin_fields(check_pin(new_pin), data_key), failures=0, locked=False,
                  recovery_wrap=_wrap(new_recovery, data_key, _RECOVERY_AAD))
    _write(home, record)
    return data_key, new_recovery


def state(home: Path) -> dict[str, Any]:
    """What may be shown without the PIN: failures, locked, the scrypt cost."""
    record = _read(home)
    return {"failures": int(record.get("failures", 0)), "locked": bool(record.get("locked")),
            "log2_n": record["kdf"]["log2_n"]}


def remember(home: Path, **public: str | None) -> None:
    """Keep facts needed before unlocking (the server address, the device id): no secret."""
    record = _read(home)
    record.setdefault("public", {}).update(public)
    _write(home, record)


def public(home: Path) -> dict[str, str]:
    return dict(_read(home).get("public") or {})


def encode_key(key: bytes) -> str:
    return _b64(key)


def decode_key(text: str) -> bytes:
    try:
        key = _unb64(text)
    except (ValueError, UnicodeEncodeError) as exc:
        raise VaultError("the recovery key from the server is not base64") from exc
    if len(key) != KEY_BYTES:
        raise VaultError("the recovery key from the server has the wrong length")
    return key
