"""The data key's wrapping and the sealed files, without a server (sync_agent.vault, .sealed)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from sync_agent import sealed, vault


def test_the_key_survives_a_pin_change_and_the_old_pin_stops(tmp_path: Path) -> None:
    created = vault.create(tmp_path, "123456")
    assert vault.unlock(tmp_path, "123456") == created.data_key
    vault.change_pin(tmp_path, created.data_key, "abcdefgh")
    assert vault.unlock(tmp_path, "abcdefgh") == created.data_key
    with pytest.raises(vault.WrongPin):
        vault.unlock(tmp_path, "123456")


def test_the_key_file_holds_no_key_and_says_its_scrypt_cost(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(vault.SCRYPT_COST_ENV, "12")
    created = vault.create(tmp_path, "123456")
    text = vault.vault_path(tmp_path).read_text(encoding="utf-8")
    assert vault.encode_key(created.data_key) not in text
    assert vault.encode_key(created.recovery_key) not in text
    record = json.loads(text)
    assert record["kdf"] == {**record["kdf"], "name": "scrypt", "log2_n": 12, "r": 8, "p": 1}
    if sys.platform != "win32":
        assert vault.vault_path(tmp_path).stat().st_mode & 0o077 == 0


def test_the_default_cost_is_strong_and_bad_settings_are_refused(monkeypatch) -> None:
    monkeypatch.delenv(vault.SCRYPT_COST_ENV)
    assert vault.scrypt_cost() == 17
    for bad in ("9", "23", "x"):
        monkeypatch.setenv(vault.SCRYPT_COST_ENV, bad)
        with pytest.raises(vault.VaultError, match="10 to 22"):
            vault.scrypt_cost()


def test_short_pins_and_a_second_vault_are_refused(tmp_path: Path) -> None:
    with pytest.raises(vault.VaultError, match="at least 6"):
        vault.create(tmp_path, "12345")
    vault.create(tmp_path, "123456")
    with pytest.raises(vault.VaultError, match="already exists"):
        vault.create(tmp_path, "123456")


def test_recovery_opens_a_locked_vault_once(tmp_path: Path) -> None:
    created = vault.create(tmp_path, "123456")
    for _ in range(vault.MAX_FAILURES):
        with pytest.raises(vault.WrongPin):
            vault.unlock(tmp_path, "000000")
    with pytest.raises(vault.VaultLocked):
        vault.unlock(tmp_path, "123456")
    with pytest.raises(vault.VaultError, match="does not open"):
        vault.recover(tmp_path, b"\0" * 32, "654321")
    key, fresh = vault.recover(tmp_path, created.recovery_key, "654321")
    assert key == created.data_key and fresh != created.recovery_key
    assert vault.unlock(tmp_path, "654321") == key
    with pytest.raises(vault.VaultError):
        vault.recover(tmp_path, created.recovery_key, "111111")  # the old key is spent


def test_sealed_files_round_trip_and_refuse_another_key_name_or_a_flipped_bit(
    tmp_path: Path,
) -> None:
    key, other = b"k" * 32, b"o" * 32
    photo = bytes(range(256)) * 40
    path = tmp_path / "photos" / "abc.jpg"
    sealed.write_sealed(path, key, photo)
    assert sealed.read_sealed(path, key) == photo
    assert photo[:64] not in path.read_bytes()
    assert sealed.open_sealed(key, sealed.seal(key, b"x")) == b"x"
    with pytest.raises(sealed.SealError):
        sealed.read_sealed(path, other)
    renamed = tmp_path / "photos" / "def.jpg"
    renamed.write_bytes(path.read_bytes())
    with pytest.raises(sealed.SealError):
        sealed.read_sealed(renamed, key)  # the name is bound in
    flipped = bytearray(path.read_bytes())
    flipped[-1] ^= 1
    with pytest.raises(sealed.SealError):
        sealed.open_sealed(key, bytes(flipped), "abc.jpg")
    with pytest.raises(sealed.SealError, match="not a sealed file"):
        sealed.open_sealed(key, b"plain bytes")
