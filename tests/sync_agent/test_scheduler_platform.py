"""The daemon's timing decisions (fake clock) and the OS-specific corner (platform.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sync_agent import platform
from sync_agent.scheduler import Attempt, SyncDaemon


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def daemon(outcomes: list[str], reachable: list[bool], clock: Clock) -> tuple[SyncDaemon, list[str]]:
    calls: list[str] = []

    def attempt() -> Attempt:
        outcome = outcomes.pop(0)
        calls.append(outcome)
        return Attempt(outcome, "x")

    def probe() -> bool:
        return reachable.pop(0) if reachable else False

    return SyncDaemon(attempt, probe, interval=60, max_backoff=600, clock=clock,
                      report=lambda _line: None), calls


def test_syncs_at_once_then_every_interval() -> None:
    clock = Clock()
    d, calls = daemon(["ok", "ok"], [], clock)
    d.tick()
    clock.now = 30
    assert d.tick() is None
    clock.now = 61
    d.tick()
    assert calls == ["ok", "ok"]


def test_backs_off_while_offline_and_resets_after_success() -> None:
    clock = Clock()
    d, calls = daemon(["offline"] * 5 + ["ok"], [], clock)
    delays = []
    for _ in range(5):
        d.tick()
        delays.append(d.next_at - clock.now)
        clock.now = d.next_at
    assert calls == ["offline"] * 5
    # 60, 120, 240, 480, then capped at 600 — each ±20 % jitter.
    for delay, base in zip(delays, [60, 120, 240, 480, 600], strict=True):
        assert 0.8 * base <= delay <= 1.2 * base
    d.tick()
    assert d.failures == 0 and 0.99 * 60 <= d.next_at - clock.now <= 60.01


def test_a_probe_that_finds_the_server_syncs_promptly() -> None:
    clock = Clock()
    d, calls = daemon(["offline", "ok"], [False, True], clock)
    d.tick()
    clock.now = 10
    assert d.tick() is None  # probe: still unreachable
    clock.now = 20
    assert d.tick().outcome == "ok"  # probe: back — no need to wait for the backoff
    assert calls == ["offline", "ok"]


def test_no_probing_after_a_revoked_token() -> None:
    clock = Clock()
    d, calls = daemon(["revoked"], [True, True], clock)
    d.tick()
    clock.now = 10
    assert d.tick() is None
    assert calls == ["revoked"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_secret_files_are_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "dir" / "token"
    platform.write_secret(path, "vv_secret\n")
    assert path.read_text() == "vv_secret\n"
    assert path.stat().st_mode & 0o777 == 0o600
    assert platform.secret_is_private(path)
    platform.write_secret(path, "vv_new\n")  # replaced atomically, still private
    assert path.read_text() == "vv_new\n" and platform.secret_is_private(path)
    assert [p.name for p in path.parent.iterdir()] == ["token"]


def test_default_home_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(platform.HOME_ENV, str(tmp_path))
    assert platform.default_home() == tmp_path
    monkeypatch.delenv(platform.HOME_ENV)
    assert "verivali-agent" in str(platform.default_home())


def test_no_posix_only_calls_outside_platform_module() -> None:
    package = Path(platform.__file__).parent
    forbidden = ("import fcntl", "os.fork(", "os.fchmod(", "os.getuid(", "signal.SIGKILL",
                 "signal.SIGTERM", "os.chmod(", "import pwd", "os.kill(")
    for source in package.rglob("*.py"):
        if source.name == "platform.py":
            continue
        text = source.read_text(encoding="utf-8")
        for word in forbidden:
            assert word not in text, f"{word} in {source.name}"


def test_every_code_has_bahasa_words() -> None:
    from sync_agent.capture.labels import missing_words

    assert missing_words() == []


def test_every_outbox_state_has_words() -> None:
    from schemas.labels import OUTBOX
    from sync_agent.store import OUTBOX_STATES

    assert tuple(OUTBOX) == OUTBOX_STATES


def test_every_agent_command_is_in_the_field_guide() -> None:
    from sync_agent.cli import main

    guide = (Path(__file__).resolve().parents[2] / "docs" / "field-guide.md").read_text("utf-8")
    for name in main.commands:
        assert f"verivali-agent {name}" in guide or f"`{name}`" in guide, name
    for header in ("X-Verivali-Pending", "X-Verivali-Agent"):
        assert header in guide
