"""The visit form's lock, over real HTTP to a real `verivali-agent capture` process.

Started without a PIN it asks for one; a PIN in the environment unlocks it at start;
it locks itself after `--idle-lock` minutes without a request, and a wrong PIN on its
page counts toward the store's lock like one on the command line.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import requests

from sync_agent import vault
from tests.conftest import free_port
from tests.sync_agent.conftest import Field, spawn_agent


@contextmanager
def start_form(field: Field, *args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """A real `capture` process, stopped however the test ends."""
    port = free_port()
    process = spawn_agent(field.home, "capture", "--port", str(port), *args,
                          **({"env": env} if env else {}))
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    try:
        while True:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            try:
                requests.get(url + "/buka", timeout=1)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "capture form did not start"
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.communicate(timeout=20)


@pytest.fixture
def idle_form(field: Field) -> Iterator[str]:
    assert field.agent("pull").returncode == 0
    with start_form(field, "--idle-lock", "0.06") as url:  # 3.6 s
        yield url


def unlock(session: requests.Session, url: str, pin: str) -> requests.Response:
    page = session.get(url + "/buka", timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text
    return session.post(url + "/buka", data={"csrf_token": token.group(1), "pin": pin},
                        allow_redirects=False, timeout=30)


def test_the_form_locks_itself_when_idle_and_opens_with_the_pin(idle_form: str) -> None:
    session = requests.Session()
    first = session.get(idle_form + "/", allow_redirects=False, timeout=10)
    assert first.status_code == 200 and "Daftar Keluarga" in first.text  # PIN from the env
    time.sleep(0.5)
    assert session.get(idle_form + "/", allow_redirects=False, timeout=10).status_code == 200
    time.sleep(4.5)  # longer than the idle limit without a request
    locked = session.get(idle_form + "/", allow_redirects=False, timeout=10)
    assert locked.status_code == 303 and locked.headers["Location"].endswith("/buka")
    page = session.get(idle_form + "/buka", timeout=10)
    assert "lama tidak dipakai" in page.text and "Siti Aminah" not in page.text
    wrong = unlock(session, idle_form, "000000")
    assert wrong.status_code == 401 and "Sisa percobaan sebelum data terkunci: 4" in wrong.text
    right = unlock(session, idle_form, os.environ["VERIVALI_AGENT_PIN"])
    assert right.status_code == 303
    again = session.get(idle_form + "/", timeout=10)
    assert again.status_code == 200 and "Siti Aminah" in again.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', again.text)
    assert token
    pressed = session.post(idle_form + "/kunci", data={"csrf_token": token.group(1)},
                           allow_redirects=False, timeout=10)  # the *Kunci* button
    assert pressed.status_code == 303
    assert session.get(idle_form + "/", allow_redirects=False, timeout=10).status_code == 303


def test_without_a_pin_the_form_asks_and_five_wrong_lock_the_store(field: Field) -> None:
    assert field.agent("pull").returncode == 0
    env = {k: v for k, v in os.environ.items()
           if k not in ("VERIVALI_AGENT_PIN", "VERIVALI_AGENT_HOME")}
    with start_form(field, env=env) as url:
        session = requests.Session()
        asked = session.get(url + "/", allow_redirects=False, timeout=10)
        assert asked.status_code == 303 and asked.headers["Location"].endswith("/buka")
        for _ in range(4):
            assert unlock(session, url, "111111").status_code == 401
        blocked = unlock(session, url, "111111")
        assert blocked.status_code == 423 and "kode pemulihan" in blocked.text
        assert vault.state(field.home)["locked"]
        still = session.get(url + "/buka", timeout=10)  # no PIN field any more
        assert still.status_code == 423 and 'name="pin"' not in still.text
        assert session.get(url + "/", allow_redirects=False, timeout=10).status_code == 303
