"""`serve --workers N` (gunicorn) and `server.serving.wsgi`, on whichever database the suite runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import requests
from sqlalchemy import Engine

from tests.conftest import BIN, LiveServer, free_port, run_cli
from tests.factories import enumerator, household, seed, survey


def test_gunicorn_workers_serve_push_and_pull(database_url: str, engine: Engine) -> None:
    base = household()
    seed(engine, base)
    _user_id, token = enumerator(engine, "ani", [base["household_id"]])
    server = LiveServer(database_url, free_port(), ["--workers", "2", "--no-nightly-scan"])
    try:
        headers = {"Authorization": f"Bearer {token}"}
        item = survey(base, change=lambda o: o.__setitem__("address", "Dusun VII"))
        body = {"device_id": "dev-1", "surveys": [item]}
        first = requests.post(server.url + "/api/v1/sync/push", json=body, headers=headers,
                              timeout=30)
        assert first.status_code == 200, first.text
        assert first.json()["results"][0]["status"] == "accepted"
        # Whichever worker answers, it reads the same database.
        for _ in range(6):
            again = requests.post(server.url + "/api/v1/sync/push", json=body, headers=headers,
                                  timeout=30)
            assert again.json()["results"][0]["status"] == "duplicate"
        pulled = requests.get(server.url + "/api/v1/sync/pull", headers=headers, timeout=30)
        assert pulled.status_code == 200
        assert {c["kind"] for c in pulled.json()["changes"]} >= {"household", "assignment"}
    finally:
        output = server.stop()
    assert server.process.returncode == 0, output
    assert "Booting worker" in output


def test_workers_must_be_two_or_more(database_url: str) -> None:
    result = run_cli("serve", "--workers", "1", database_url=database_url)
    assert result.returncode == 2
    assert "--workers" in result.stderr


def test_wsgi_module_opens_nothing_on_import(tmp_path) -> None:
    code = "import server.serving.wsgi, os; print(sorted(os.listdir('.')))"
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                            text=True, env={**os.environ, "VERIVALI_DATABASE_URL": ""},
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"  # no verivali.db made as a side effect


def test_gunicorn_run_by_hand_on_server_wsgi(database_url: str) -> None:
    port = free_port()
    env = {**os.environ, "VERIVALI_DATABASE_URL": database_url, "VERIVALI_SECRET_KEY": "t"}
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "server.serving.wsgi:app"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=20)
                break
            except requests.ConnectionError:
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.1)
        assert answer.json() == {"status": "ok"}
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
