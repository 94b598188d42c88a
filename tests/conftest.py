"""Shared fixtures: a fresh database per test, the app, and a real server on loopback.

The database is embedded SQLite in a temporary folder, or PostgreSQL when
`VERIVALI_TEST_POSTGRES_URL` is set (see `tests/pg.py`): the same tests run on both.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from server.app import create_app
from server.store import users as user_store
from server.store.db import make_engine, transaction
from server.store.schema import create_all

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


TEST_PIN = "246810"


@pytest.fixture(autouse=True)
def agent_pin(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Every agent home in the suite is encrypted under this PIN, with a cheap scrypt
    (docs/agent.md: `VERIVALI_AGENT_SCRYPT_LOG2_N`); agents run as subprocesses inherit it."""
    from sync_agent.unlock import forget_keys

    monkeypatch.setenv("VERIVALI_AGENT_PIN", TEST_PIN)
    monkeypatch.setenv("VERIVALI_AGENT_SCRYPT_LOG2_N", "10")
    yield TEST_PIN
    forget_keys()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


POSTGRES_URL = os.environ.get("VERIVALI_TEST_POSTGRES_URL")
NO_POSTGRES = "needs PostgreSQL: set VERIVALI_TEST_POSTGRES_URL (`make test-postgres` starts one)"


@pytest.hookimpl(trylast=True)  # after `-m` deselection: CI's SQLite pass leaves them out
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip `postgres` tests without a server, but never in CI, which must run them."""
    if POSTGRES_URL:
        return
    marked = [item for item in items if item.get_closest_marker("postgres")]
    if marked and os.environ.get("CI") == "true":
        raise pytest.UsageError(f"CI runs the postgres tests: {NO_POSTGRES}")
    for item in marked:
        item.add_marker(pytest.mark.skip(reason=NO_POSTGRES))


@pytest.fixture
def postgres_admin_url() -> str:
    """The server's admin URL, for tests that make databases of their own."""
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    return POSTGRES_URL


def _initialise(url: str) -> None:
    engine = make_engine(url)
    try:
        create_all(engine)
    finally:
        engine.dispose()


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A fresh, empty, initialised database for one test."""
    if POSTGRES_URL:
        from tests.pg import fresh_database, schema_template

        with fresh_database(POSTGRES_URL, template=schema_template(POSTGRES_URL)) as url:
            _initialise(url)
            yield url
        return
    url = f"sqlite:///{tmp_path / 'verivali.db'}"
    _initialise(url)
    yield url


@pytest.fixture
def engine(database_url: str):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def app(database_url: str, tmp_path: Path):
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "test",
                      "VERIVALI_BLOB_DIR": str(tmp_path / "blobs")})
    yield app
    app.extensions["verivali_engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user(engine):
    """`make_user(name, role, regions=[...]) -> token`."""

    def _make(name: str, role: str, regions: list[str] | None = None) -> str:
        with transaction(engine) as conn:
            return user_store.create(conn, name, role, regions or [])

    return _make


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class LiveServer:
    """A real `verivali-server serve` subprocess on a loopback port."""

    def __init__(self, database_url: str, port: int, extra_args: list[str] | None = None,
                 preexec_fn: Callable[[], None] | None = None, blob_dir: str | None = None):
        self.database_url = database_url
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "VERIVALI_DATABASE_URL": database_url, "VERIVALI_SECRET_KEY": "t"}
        if blob_dir is not None:
            env["VERIVALI_BLOB_DIR"] = blob_dir
        elif not database_url.startswith("sqlite:///"):  # SQLite keeps them beside its file
            env["VERIVALI_BLOB_DIR"] = tempfile.mkdtemp(prefix="verivali-blobs-")
        self.blob_dir = env.get("VERIVALI_BLOB_DIR", "")  # empty: beside the SQLite file
        self.process = subprocess.Popen(
            [str(BIN / "verivali-server"), "serve", "--port", str(port), *(extra_args or [])],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            preexec_fn=preexec_fn,  # e.g. a file-size limit (the full-disk tests)
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self.process.stdout.read().decode(errors="replace") if self.process.stdout else ""
                raise RuntimeError(f"server exited early: {output[-2000:]}")
            try:
                if requests.get(self.url + "/api/v1/health", timeout=1).ok:
                    return
            # gunicorn's socket accepts before a worker has built the app: a read timeout.
            except (requests.ConnectionError, requests.Timeout):
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not start in time")

    def stop(self) -> str:
        self.process.terminate()
        try:
            out, _ = self.process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, _ = self.process.communicate()
        return (out or b"").decode(errors="replace")


@pytest.fixture
def live_server(database_url: str) -> Iterator[LiveServer]:
    server = LiveServer(database_url, free_port())
    yield server
    server.stop()


def run_cli(*args: str, database_url: str, input: str | None = None, **kw: Any):  # noqa: A002
    """Run `verivali-server ARGS` as a real subprocess."""
    env = {**os.environ, "VERIVALI_DATABASE_URL": database_url}
    return subprocess.run(
        [str(BIN / "verivali-server"), *args],
        env=env,
        capture_output=True,
        text=True,
        input=input,
        timeout=300,
        **kw,
    )
