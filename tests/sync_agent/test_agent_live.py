"""The agent CLI as real subprocesses against a real server on a loopback port."""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select, update

from server.store.tables import devices, meta
from tests.conftest import LiveServer, run_cli
from tests.factories import household
from tests.sync_agent.conftest import (
    HOUSEHOLDS,
    Field,
    integrity,
    one_line,
    run_agent,
    server_survey_ids,
    status,
)
from tests.sync_agent.scripted_server import ScriptedServer, Seen


def observed_file(tmp_path: Path, body: dict[str, Any], name: str = "observed.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(body), encoding="utf-8")
    return str(path)


def test_init_pull_record_push_status(field: Field, engine, tmp_path: Path) -> None:
    assert field.agent("pull").returncode == 0
    listing = json.loads(field.agent("households", "--json").stdout)
    assert [h["household_id"] for h in listing] == HOUSEHOLDS
    if sys.platform != "win32":
        assert (field.home / "token").stat().st_mode & 0o077 == 0

    changed = listing[0]["household"]  # whole: no need to read agent.db by hand
    assert changed["members"] == household(HOUSEHOLDS[0])["members"]
    changed["members"][0]["occupation"] = "petani"
    found = field.agent("record", "--household", HOUSEHOLDS[0], "--outcome", "found",
                        "--observed", observed_file(tmp_path, changed), "--notes", "kebun")
    assert found.returncode == 0, found.stderr
    survey_id = one_line(found.stdout)
    assert str(uuid.UUID(survey_id)) == survey_id
    moved = field.agent("record", "--household", HOUSEHOLDS[1], "--outcome", "moved")
    assert moved.returncode == 0, moved.stderr
    assert status(field.home)["pending"] == 2

    pushed = field.agent("push")
    assert pushed.returncode == 0, pushed.stderr
    assert "acknowledged 2" in pushed.stdout
    assert sorted(server_survey_ids(engine)) == sorted([survey_id, one_line(moved.stdout)])
    assert field.agent("pull").returncode == 0
    state = status(field.home)
    assert (state["pending"], state["acknowledged"], state["rejected"]) == (0, 2, 0)
    assert state["last_sync"]["ok"] and state["user"] == "budi"
    flags = json.loads(field.agent("flags", "--json").stdout)
    assert {f["rule"] for f in flags} >= {"FIELD_CHANGED", "HOUSEHOLD_NOT_FOUND"}
    verification = {h["household_id"]: h["verification"]["state"]
                    for h in json.loads(field.agent("households", "--json").stdout)}
    assert verification[HOUSEHOLDS[0]] == "flagged"
    assert verification[HOUSEHOLDS[1]] == "not_found"
    # What the laptop reported, for the server's sync-health dashboard.
    with engine.connect() as conn:
        device = conn.execute(select(devices)).mappings().one()
    assert device["device_id"] == state["device_id"]
    assert device["pending_reported"] == 0 and device["agent_version"]
    assert device["last_push_at"] and device["last_pull_at"]


def test_new_household_proposal_and_invalid_record(field: Field, engine, tmp_path: Path) -> None:
    assert field.agent("pull").returncode == 0
    proposal = household("draft")
    proposal.pop("household_id")
    new = field.agent("record", "--new", "--observed", observed_file(tmp_path, proposal))
    assert new.returncode == 0, new.stderr
    bad = household(HOUSEHOLDS[0])
    bad["members"][0]["nik"] = "12"
    invalid = field.agent("record", "--household", HOUSEHOLDS[0], "--outcome", "found",
                          "--observed", observed_file(tmp_path, bad, "bad.json"))
    assert invalid.returncode == 8
    assert "observed.members.0.nik" in one_line(invalid.stderr)
    assert field.agent("push").returncode == 0
    assert server_survey_ids(engine) == [one_line(new.stdout)]


def forwarding(target: str, drop_pushes: dict[str, bool]):
    """A proxy action: forward to the real server; drop push answers while asked to."""

    def act(seen: Seen) -> tuple[Any, ...]:
        headers = {k: v for k, v in seen.headers.items()
                   if k in ("authorization", "content-type", "content-encoding")
                   or k.startswith("x-verivali")}
        answer = requests.request(seen.method, target + seen.path, data=seen.body or None,
                                  headers=headers, timeout=30)
        if drop_pushes["on"] and seen.path.startswith("/api/v1/sync/push"):
            return ("close",)  # the server stored the batch; the laptop never hears so
        return ("raw", answer.status_code, answer.headers.get("Content-Type", "text/plain"),
                answer.content)

    return act


def test_resend_after_a_lost_answer_doubles_nothing(field: Field, engine, live_server) -> None:
    drop = {"on": True}
    proxy = ScriptedServer(default=forwarding(live_server.url, drop))
    try:
        assert field.agent("init", "--server", proxy.url, "--token", field.token).returncode == 0
        assert field.agent("pull").returncode == 0
        ids = [one_line(field.agent("record", "--household", h, "--outcome", "refused").stdout)
               for h in HOUSEHOLDS]
        lost = field.agent("push", "--retries", "2")
        assert lost.returncode == 3
        assert one_line(lost.stderr).startswith("Error: offline")
        assert sorted(server_survey_ids(engine)) == sorted(ids)  # stored, answer lost
        assert status(field.home)["pending"] == 3
        drop["on"] = False
        again = field.agent("push")
        assert again.returncode == 0, again.stderr
        assert "acknowledged 3" in again.stdout
        assert sorted(server_survey_ids(engine)) == sorted(ids)  # each exactly once
        pushes = [s for s in proxy.seen if s.path.startswith("/api/v1/sync/push")]
        assert len(pushes) == 4  # 1 + 2 retries while dropped, 1 after
    finally:
        proxy.close()


def test_revoked_token_fails_in_one_line_and_keeps_the_outbox(field: Field, database_url: str) -> None:
    assert field.agent("pull").returncode == 0
    for h in HOUSEHOLDS[:2]:
        assert field.agent("record", "--household", h, "--outcome", "refused").returncode == 0
    revoked = run_cli("users", "revoke", "budi", database_url=database_url)
    assert revoked.returncode == 0, revoked.stderr
    result = field.agent("sync")
    assert result.returncode == 4
    line = one_line(result.stderr)
    assert "token revoked" in line and field.token not in line
    assert status(field.home)["pending"] == 2
    assert integrity(field.home) == "ok"
    assert field.token not in json.dumps(
        [dict(r) for r in field.store().sync_log()]
    )


def test_server_down_loses_nothing_and_the_next_run_continues(
    field: Field, engine, live_server, database_url: str
) -> None:
    assert field.agent("pull").returncode == 0
    ids = [one_line(field.agent("record", "--household", h, "--outcome", "refused").stdout)
           for h in HOUSEHOLDS]
    live_server.stop()
    for command in ("push", "pull", "sync"):
        result = field.agent(command, "--retries", "1")
        assert result.returncode == 3, result.stderr
        assert one_line(result.stderr).startswith("Error: offline")
    assert status(field.home)["pending"] == 3
    assert status(field.home)["last_sync"]["ok"] is False
    assert integrity(field.home) == "ok"
    back = LiveServer(database_url, live_server.port)
    try:
        assert field.agent("sync").returncode == 0
    finally:
        back.stop()
    assert sorted(server_survey_ids(engine)) == sorted(ids)
    assert status(field.home)["acknowledged"] == 3


def test_cursor_expired_pulls_again_and_keeps_the_outbox(field: Field, engine) -> None:
    assert field.agent("pull").returncode == 0
    assert field.agent("record", "--household", HOUSEHOLDS[0], "--outcome", "found").returncode == 0
    before = [dict(r) for r in field.store().surveys(("pending",))]
    # The server is restored from another copy: the cursor's database id is unknown.
    with engine.begin() as conn:
        conn.execute(update(meta).where(meta.c.key == "instance_id").values(value=uuid.uuid4().hex))
    result = field.agent("pull")
    assert result.returncode == 0, result.stderr
    assert "from scratch" in result.stdout
    assert [dict(r) for r in field.store().surveys(("pending",))] == before
    assert len(json.loads(field.agent("households", "--json").stdout)) == 3
    assert field.agent("push").returncode == 0


def test_not_initialised_is_one_line(tmp_path: Path) -> None:
    result = run_agent(tmp_path / "nowhere", "status")
    assert result.returncode == 6
    assert "init" in one_line(result.stderr)


def refusing(target: str, refuse: dict[str, bool]):
    """A proxy action: forward to the real server; answer 500 to everything while asked to."""
    forward = forwarding(target, {"on": False})

    def act(seen: Seen) -> tuple[Any, ...]:
        if refuse["on"]:
            return ("json", 500, {"error": {"code": "internal_error", "message": "x"}})
        return forward(seen)

    return act


@pytest.mark.parametrize("command", ["push", "pull", "sync"])
def test_a_refusing_server_is_a_server_error(command: str, field: Field, engine) -> None:
    refuse = {"on": False}
    proxy = ScriptedServer(default=refusing(field.url, refuse))
    try:
        assert field.agent("init", "--server", proxy.url, "--token", field.token).returncode == 0
        assert field.agent("record", "--household", HOUSEHOLDS[0],
                           "--outcome", "refused").returncode == 8  # not pulled yet
        assert field.agent("pull").returncode == 0
        recorded = field.agent("record", "--household", HOUSEHOLDS[0], "--outcome", "refused")
        assert recorded.returncode == 0, recorded.stderr
        survey_id = one_line(recorded.stdout)
        refuse["on"] = True
        before = len(proxy.seen)
        result = field.agent(command, "--retries", "0")
        assert result.returncode == 5, result.stderr
        assert one_line(result.stderr).startswith("Error: server error")
        # The request that met the 500: the push (push and sync push first), or the pull.
        refused = proxy.seen[before:]
        expected = "/api/v1/sync/pull" if command == "pull" else "/api/v1/sync/push"
        assert [seen.path.partition("?")[0] for seen in refused] == [expected]
        if command != "pull":
            assert [s["survey_id"] for s in refused[0].json()["surveys"]] == [survey_id]
        assert status(field.home)["pending"] == 1  # still waiting to be sent
        assert server_survey_ids(engine) == []
    finally:
        proxy.close()


def test_init_checks_the_token_with_the_server(live_server, tmp_path: Path) -> None:
    """A mistyped token is refused at once and nothing is written; offline init still works."""
    from tests.conftest import free_port

    home = tmp_path / "typo"
    result = run_agent(home, "init", "--server", live_server.url, "--token", "abc")
    assert result.returncode == 4
    assert "does not know this token" in one_line(result.stderr) and "abc" not in result.stderr
    assert run_agent(home, "status").returncode == 6  # not set up
    offline = run_agent(tmp_path / "offline", "init", "--server",
                        f"http://127.0.0.1:{free_port()}", "--token", "vv_later")
    assert offline.returncode == 0, offline.stderr
    assert "could not reach the server to check the token" in offline.stderr


def test_init_with_a_good_token_says_it_was_checked(field: Field) -> None:
    again = field.agent("init", "--server", field.url, "--token", field.token)
    assert again.returncode == 0 and "token checked with the server: accepted" in again.stdout


def test_push_with_nothing_to_send_and_the_server_down_is_no_success(
        field: Field, live_server) -> None:
    assert field.agent("pull").returncode == 0
    assert field.agent("push").returncode == 0  # nothing to send, the server is there
    live_server.stop()
    result = field.agent("push", "--retries", "0")
    assert result.returncode == 3, result.stdout
    assert one_line(result.stderr).startswith("Error: offline")
    assert status(field.home)["last_sync"]["ok"] is False


def test_capture_on_a_busy_port_suggests_another(field: Field) -> None:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = field.agent("capture", "--port", str(port), timeout=30)
    assert result.returncode == 6
    assert f"port {port} is already in use" in one_line(result.stderr)
    assert "--port" in result.stderr
    assert field.agent("-h").returncode == 0
