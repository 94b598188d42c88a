"""Fixtures for the field agent: an agent home, a seeded server, real agent subprocesses."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sync_agent.store import Store, open_store
from tests.factories import VILLAGE, enumerator, household, seed

BIN = Path(sys.executable).parent
AGENT = str(BIN / "verivali-agent")
HOUSEHOLDS = [f"{VILLAGE}-{n:06d}" for n in range(1, 4)]


def run_agent(home: Path, *args: str, timeout: float = 120, **kw: Any) -> subprocess.CompletedProcess[str]:
    """`verivali-agent --home HOME ARGS` as a real subprocess (`env` replaces the suite's)."""
    env = kw.pop("env", None) or {k: v for k, v in os.environ.items() if k != "VERIVALI_AGENT_HOME"}
    return subprocess.run(
        [AGENT, "--home", str(home), *args],
        capture_output=True, text=True, timeout=timeout, env=env, **kw,
    )


def spawn_agent(home: Path, *args: str, **kw: Any) -> subprocess.Popen[str]:
    env = kw.pop("env", None) or {k: v for k, v in os.environ.items() if k != "VERIVALI_AGENT_HOME"}
    return subprocess.Popen(
        [AGENT, "--home", str(home), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, **kw,
    )


def raw_connection(home: Path) -> Any:
    """A bare SQLCipher connection to a home's store, keyed by the suite's PIN."""
    import sqlcipher3

    from sync_agent import vault
    from sync_agent.store import key_pragma

    key = vault.unlock(home, os.environ["VERIVALI_AGENT_PIN"])
    conn = sqlcipher3.connect(str(home / "agent.db"))
    conn.execute(f"PRAGMA key = {key_pragma(key)}")
    return conn


def photo_bytes(home: Path, photo_id: str) -> io.BytesIO:
    """A kept photo's JPEG bytes, unsealed with the suite's PIN; on disk it is no JPEG."""
    from sync_agent import photo_files, vault

    assert not photo_files.path_of(home, photo_id).read_bytes().startswith(b"\xff\xd8")
    key = vault.unlock(home, os.environ["VERIVALI_AGENT_PIN"])
    return io.BytesIO(photo_files.read(home, key, photo_id))


def integrity(home: Path) -> str:
    conn = raw_connection(home)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def status(home: Path) -> dict[str, Any]:
    result = run_agent(home, "status", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def one_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    assert len(lines) == 1, text
    return lines[0]


@dataclass
class Field:
    """A server with households assigned to enumerator `budi`, and budi's agent home."""

    url: str
    token: str
    user_id: int
    home: Path
    database_url: str

    def agent(self, *args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
        return run_agent(self.home, *args, **kw)

    def store(self) -> Store:
        return open_store(self.home)


@pytest.fixture
def agent_home(tmp_path: Path) -> Path:
    return tmp_path / "agent-home"


@pytest.fixture
def field(live_server, engine, agent_home: Path, database_url: str) -> Field:
    """Three households in one village, assigned to budi; budi's laptop initialised."""
    seed(engine, *(household(h) for h in HOUSEHOLDS))
    user_id, token = enumerator(engine, "budi", HOUSEHOLDS)
    result = run_agent(agent_home, "init", "--server", live_server.url, "--token", token,
                       "--name", "budi")
    assert result.returncode == 0, result.stderr
    return Field(live_server.url, token, user_id, agent_home, database_url)


def server_survey_ids(engine) -> list[str]:
    from sqlalchemy import select

    from server.store.tables import surveys

    with engine.connect() as conn:
        return [row[0] for row in conn.execute(select(surveys.c.survey_id))]
