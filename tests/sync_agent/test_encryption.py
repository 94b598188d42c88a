"""The laptop's data at rest, against a real server and the real agent (docs/agent.md).

The store is SQLCipher, the token sealed, the data key wrapped by the PIN: these tests
read the bytes on disk, give the PIN each way the contract allows (§4a), count wrong
PINs to the lock, and upgrade a home written before encryption.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import signal
import subprocess
import time
from pathlib import Path

import sqlcipher3

from sync_agent import vault
from sync_agent.store import key_pragma
from tests.factories import household
from tests.sync_agent.conftest import (
    AGENT,
    HOUSEHOLDS,
    Field,
    integrity,
    one_line,
    run_agent,
    server_survey_ids,
    status,
)

SECRETS_IN_HOUSEHOLDS = ("1811014507800002", "Siti Aminah", "1811011203050001", "Rudi")


def home_bytes(home: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(home.iterdir()) if p.is_file())


def without_pin() -> dict[str, str]:
    return {k: v for k, v in os.environ.items()
            if k not in ("VERIVALI_AGENT_PIN", "VERIVALI_AGENT_HOME")}


def test_nothing_personal_or_secret_is_readable_on_disk(field: Field) -> None:
    assert field.agent("pull").returncode == 0
    assert field.agent("record", "--household", HOUSEHOLDS[0], "--outcome", "found",
                       "--notes", "Siti Aminah di kebun").returncode == 0
    assert field.agent("record", "--household", HOUSEHOLDS[1], "--outcome", "moved").returncode == 0
    on_disk = home_bytes(field.home)
    for secret in (*SECRETS_IN_HOUSEHOLDS, field.token, "kebun", HOUSEHOLDS[0]):
        assert secret.encode() not in on_disk, secret
    assert not (field.home / "agent.db").read_bytes().startswith(b"SQLite format 3")
    # With the key from the PIN the same bytes are the store.
    assert status(field.home)["pending"] == 2 and integrity(field.home) == "ok"


def test_every_pin_source_opens_and_none_refuses(field: Field, tmp_path: Path) -> None:
    pin_file = tmp_path / "pin.txt"
    pin_file.write_text(os.environ["VERIVALI_AGENT_PIN"] + "\n", encoding="utf-8")
    by_file = subprocess.run([AGENT, "--home", str(field.home), "--pin-file", str(pin_file),
                              "status", "--json"], capture_output=True, text=True,
                             env=without_pin(), timeout=60)
    assert by_file.returncode == 0, by_file.stderr
    assert json.loads(by_file.stdout)["pending"] == 0

    none = subprocess.run([AGENT, "--home", str(field.home), "status"], capture_output=True,
                          text=True, env=without_pin(), stdin=subprocess.DEVNULL, timeout=60)
    assert none.returncode == 10
    assert "no PIN" in one_line(none.stderr) and "VERIVALI_AGENT_PIN" in none.stderr

    typed = on_terminal([AGENT, "--home", str(field.home), "status", "--json"],
                        os.environ["VERIVALI_AGENT_PIN"])
    assert '"pending": 0' in typed


def on_terminal(argv: list[str], *answers: str, timeout: float = 60) -> str:
    """Run `argv` with a pseudo-terminal as its controlling terminal, typing the next of
    `answers` each time a new `PIN…: ` prompt appears; returns everything it wrote."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: its terminal is the pty
        os.execve(argv[0], argv, without_pin())
    seen, pending, deadline = b"", list(answers), time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 1.0)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
            prompts = len(re.findall(rb"PIN[^\n:]*: ", seen))
            while pending and prompts > len(answers) - len(pending):
                os.write(fd, pending.pop(0).encode() + b"\n")
    finally:
        if time.monotonic() >= deadline:
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)
    return seen.decode(errors="replace")


def test_init_asks_for_a_pin_on_the_terminal(live_server, engine, tmp_path: Path) -> None:
    from tests.factories import enumerator, seed

    seed(engine, household(HOUSEHOLDS[0]))
    _, token = enumerator(engine, "ani", [HOUSEHOLDS[0]])
    home = tmp_path / "ani"
    out = on_terminal([AGENT, "--home", str(home), "init", "--server", live_server.url,
                       "--token", token], "135790", "135790")
    assert "ready: device" in out, out
    assert vault.unlock(home, "135790")
    refused = run_agent(home, "status")  # the suite's PIN is not ani's
    assert refused.returncode == 10 and "wrong PIN (4 tries left" in one_line(refused.stderr)


def test_five_wrong_pins_lock_the_store_even_for_the_right_one(field: Field) -> None:
    for left in (4, 3, 2, 1):
        wrong = field.agent("status", env={**without_pin(), "VERIVALI_AGENT_PIN": "000000"})
        assert wrong.returncode == 10 and f"{left} tries left" in wrong.stderr
    assert field.agent("status").returncode == 0  # a right PIN starts the count again
    for _ in range(5):
        field.agent("status", env={**without_pin(), "VERIVALI_AGENT_PIN": "000000"})
    locked = field.agent("status")
    assert locked.returncode == 10 and "locked" in one_line(locked.stderr)
    assert vault.state(field.home)["locked"]


def decrypt_to_plain(home: Path) -> None:
    """Turn an encrypted home into what an agent before encryption wrote: a plain SQLite
    store (same schema and rows), a plain token file, no key file."""
    key = vault.unlock(home, os.environ["VERIVALI_AGENT_PIN"])
    from sync_agent import sealed

    token = sealed.read_sealed(home / "token", key)
    conn = sqlcipher3.connect(str(home / "agent.db"), isolation_level=None)
    conn.execute(f"PRAGMA key = {key_pragma(key)}")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    conn.execute("ATTACH DATABASE ? AS plain KEY ''", [str(home / "plain.db")])
    conn.execute("SELECT sqlcipher_export('plain')")
    conn.execute(f"PRAGMA plain.user_version = {version}")
    conn.execute("DETACH DATABASE plain")
    conn.close()
    os.replace(home / "plain.db", home / "agent.db")
    (home / "token").write_bytes(token + b"\n")
    (home / "keys.json").unlink()


def test_a_plain_store_is_encrypted_keeping_every_survey_and_the_pulled_copy(
    field: Field, engine
) -> None:
    from sync_agent.unlock import forget_keys

    assert field.agent("pull").returncode == 0
    ids = [one_line(field.agent("record", "--household", h, "--outcome", "refused").stdout)
           for h in HOUSEHOLDS]
    assert field.agent("push").returncode == 0
    pending = one_line(field.agent("record", "--household", HOUSEHOLDS[0], "--outcome",
                                   "found").stdout)
    before = [json.loads(field.agent(c, "--json").stdout) for c in ("households", "status")]
    decrypt_to_plain(field.home)
    forget_keys()
    assert b"Siti Aminah" in (field.home / "agent.db").read_bytes()  # really plain now

    after = [json.loads(field.agent(c, "--json").stdout) for c in ("households", "status")]
    assert after == before and after[1]["pending"] == 1 and after[1]["acknowledged"] == 3
    assert b"Siti Aminah" not in home_bytes(field.home)
    assert field.token.encode() not in home_bytes(field.home)
    assert integrity(field.home) == "ok"
    pushed = field.agent("push")
    assert pushed.returncode == 0, pushed.stderr
    assert sorted(server_survey_ids(engine)) == sorted([*ids, pending])


def test_change_pin_rewraps_the_key_and_keeps_every_visit(field: Field) -> None:
    assert field.agent("pull").returncode == 0
    assert field.agent("record", "--household", HOUSEHOLDS[0], "--outcome", "moved").returncode == 0
    changed = field.agent("change-pin", env={**without_pin(), "VERIVALI_AGENT_PIN":
                                             os.environ["VERIVALI_AGENT_PIN"],
                                             "VERIVALI_AGENT_NEW_PIN": "a-longer-passphrase"})
    assert changed.returncode == 0, changed.stderr
    old = field.agent("status")
    assert old.returncode == 10 and "wrong PIN" in one_line(old.stderr)
    new = field.agent("status", "--json",
                      env={**without_pin(), "VERIVALI_AGENT_PIN": "a-longer-passphrase"})
    assert new.returncode == 0 and json.loads(new.stdout)["pending"] == 1
