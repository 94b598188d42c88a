"""The HTTP client against a scripted loopback server: retries, cut replies, odd answers."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from sync_agent.client import Client, CursorExpired, Offline, ServerError, TokenRevoked
from tests.sync_agent.scripted_server import ScriptedServer

SURVEY = {"survey_id": "3f1c2a9e-5b7d-4c8e-9a61-0d2b7e4f8a10", "household_id": "h1"}
ACCEPTED = {"results": [{"survey_id": SURVEY["survey_id"], "status": "accepted",
                         "state": "verified", "flags": [], "errors": None}]}
PAGE = {"changes": [], "cursor": "i.1", "has_more": False}


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    s = ScriptedServer()
    yield s
    s.close()


def client(url: str, sleeps: list[float], retries: int = 4) -> Client:
    return Client(url, "vv_secret", "dev-1", retries=retries, backoff=1.0, max_backoff=30.0,
                  connect_timeout=2, read_timeout=5, sleep=sleeps.append)


def test_push_sends_gzip_and_the_reporting_headers(server: ScriptedServer) -> None:
    server.script = [("json", 200, ACCEPTED)]
    results = client(server.url, []).push([SURVEY], pending=7)
    assert results[0]["status"] == "accepted"
    (seen,) = server.seen
    assert (seen.method, seen.path) == ("POST", "/api/v1/sync/push")
    assert seen.headers["content-encoding"] == "gzip"
    assert seen.headers["x-verivali-pending"] == "7"
    assert seen.headers["x-verivali-agent"]
    assert seen.headers["x-verivali-device"] == "dev-1"
    assert seen.headers["authorization"] == "Bearer vv_secret"
    assert seen.json() == {"device_id": "dev-1", "surveys": [SURVEY]}


def test_5xx_and_429_are_retried_with_growing_jittered_pauses(server: ScriptedServer) -> None:
    server.script = [("json", 503, {}), ("json", 500, {}), ("json", 502, {}),
                     ("json", 429, {}, {"Retry-After": "3"}), ("json", 200, PAGE)]
    sleeps: list[float] = []
    page = client(server.url, sleeps).pull(None, 100, pending=0)
    assert page["cursor"] == "i.1"
    assert len(server.seen) == 5 and len(sleeps) == 4
    for attempt, pause in enumerate(sleeps[:3], start=1):
        assert 0 <= pause <= 2 ** (attempt - 1)  # full jitter under the exponential ceiling
    assert sleeps[3] >= 3  # Retry-After honoured


def test_a_reply_cut_mid_way_is_retried(server: ScriptedServer) -> None:
    server.script = [("cut",), ("close",), ("json", 200, ACCEPTED)]
    sleeps: list[float] = []
    assert client(server.url, sleeps).push([SURVEY], pending=1)[0]["status"] == "accepted"
    assert len(server.seen) == 3 and len(sleeps) == 2


def test_giving_up_says_offline_in_one_line(server: ScriptedServer) -> None:
    server.script = [("close",)] * 3
    with pytest.raises(Offline) as caught:
        client(server.url, [], retries=2).pull(None, 10, pending=0)
    assert "\n" not in str(caught.value) and str(caught.value).startswith("offline")


def test_connection_refused_is_offline() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed when the block ends: nobody listens
    sleeps: list[float] = []
    with pytest.raises(Offline, match="refused"):
        client(f"http://127.0.0.1:{port}", sleeps, retries=3).pull(None, 10, pending=0)
    assert len(sleeps) == 3


def test_dns_failure_is_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_dns(*_args: object, **_kw: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    with pytest.raises(Offline, match="server name not found"):
        client("http://verivali.example", [], retries=1).pull(None, 10, pending=0)


def test_401_is_token_revoked_without_retrying(server: ScriptedServer) -> None:
    server.script = [("json", 401, {"error": {"code": "unauthorized", "message": "x"}})]
    with pytest.raises(TokenRevoked) as caught:
        client(server.url, []).push([SURVEY], pending=1)
    assert len(server.seen) == 1
    assert "vv_secret" not in str(caught.value)


def test_410_cursor_expired(server: ScriptedServer) -> None:
    server.script = [("json", 410, {"error": {"code": "cursor_expired", "message": "x"}})]
    with pytest.raises(CursorExpired):
        client(server.url, []).pull("old.5", 10, pending=0)
    assert "cursor=old.5" in server.seen[0].path


def test_an_answer_that_is_not_json_is_a_server_error(server: ScriptedServer) -> None:
    server.script = [("raw", 200, "text/html", b"<html>Login hotspot</html>")]
    with pytest.raises(ServerError, match="not JSON"):
        client(server.url, []).pull(None, 10, pending=0)


def test_a_push_answer_for_other_surveys_is_refused(server: ScriptedServer) -> None:
    wrong = {"results": [{**ACCEPTED["results"][0], "survey_id": "other"}]}
    server.script = [("json", 200, wrong), ("json", 200, {"results": []})]
    with pytest.raises(ServerError):
        client(server.url, []).push([SURVEY], pending=1)
    with pytest.raises(ServerError):
        client(server.url, []).push([SURVEY], pending=1)


def test_other_4xx_is_one_line_with_the_servers_code(server: ScriptedServer) -> None:
    server.script = [("json", 413, {"error": {"code": "payload_too_large", "message": "Terlalu\nbesar"}})]
    with pytest.raises(ServerError) as caught:
        client(server.url, []).push([SURVEY], pending=1)
    assert "payload_too_large" in str(caught.value) and "\n" not in str(caught.value)
