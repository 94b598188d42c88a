"""Push/pull orchestration against an in-process stand-in for the server's two calls.

The point here is the agent's own bookkeeping (batches, states, cursor, re-pull); the
real server and real HTTP are exercised in test_agent_live.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sync_agent import sync
from sync_agent.client import CursorExpired, Offline
from sync_agent.record import record_survey
from sync_agent.store import Store, open_store
from tests.factories import VILLAGE
from tests.sync_agent.test_store import pulled, versioned

H1 = f"{VILLAGE}-000001"


class FakeServer:
    """Push and pull with the contract's semantics, and faults on demand."""

    def __init__(self) -> None:
        self.stored: dict[str, dict[str, Any]] = {}
        self.push_calls: list[list[str]] = []
        self.lose_answer_of_call: int | None = None  # store the batch, then drop the answer
        self.reject: set[str] = set()
        self.instance = "A"
        self.changes: list[dict[str, Any]] = []
        self.pull_calls: list[str | None] = []
        self.fail_pull_call: int | None = None
        self.escrowed: list[str] = []  # recovery keys left with the server
        self.wipe_requested = False
        self.retries = 0  # a failed pull is not asked again smaller here (tested live)
        self.retries_made = self.bytes_sent = self.bytes_received = 0

    def escrow(self, recovery_key: str) -> None:
        self.escrowed.append(recovery_key)

    def pause(self, attempt: int, retry_after: float | None) -> None:
        pass

    def health(self) -> bool:
        return True

    # push ---------------------------------------------------------------------
    def push(self, surveys: list[dict[str, Any]], pending: int) -> list[dict[str, Any]]:
        self.push_calls.append([s["survey_id"] for s in surveys])
        results = []
        for survey in surveys:
            sid = survey["survey_id"]
            if sid in self.reject:
                results.append({"survey_id": sid, "status": "rejected", "state": None,
                                "flags": [], "errors": {"household_id": ["tidak ditugaskan"]}})
            elif sid in self.stored:
                assert self.stored[sid] == survey  # a resend carries the same content
                results.append({"survey_id": sid, "status": "duplicate", "state": "verified",
                                "flags": [], "errors": None})
            else:
                self.stored[sid] = survey
                results.append({"survey_id": sid, "status": "accepted", "state": "verified",
                                "flags": [], "errors": None})
        if self.lose_answer_of_call == len(self.push_calls):
            raise Offline("offline: connection cut mid-reply")
        return results

    # pull ---------------------------------------------------------------------
    def pull(self, cursor: str | None, limit: int, pending: int,
             retries: int | None = None) -> dict[str, Any]:
        self.pull_calls.append(cursor)
        if self.fail_pull_call == len(self.pull_calls):
            raise Offline("offline: cannot reach the server")
        after = 0
        if cursor:
            instance, _, seq = cursor.partition(".")
            if instance != self.instance:
                raise CursorExpired("cursor expired")
            after = int(seq)
        rest = [c for c in self.changes if c["seq"] > after]
        page = rest[:limit]
        end = page[-1]["seq"] if page else after
        return {"changes": page, "cursor": f"{self.instance}.{end}", "has_more": len(rest) > limit}


def household_changes(count: int, start_seq: int = 1, version: int = 1) -> list[dict[str, Any]]:
    return [
        {"seq": start_seq + n, "kind": "household",
         "household": versioned(f"{VILLAGE}-{n + 1:06d}", version=version)}
        for n in range(count)
    ]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = open_store(tmp_path / "home")
    pulled(s, versioned())
    yield s
    s.close()


def fill(store: Store, count: int) -> list[str]:
    return [record_survey(store, household_id=H1, outcome="refused")["survey_id"]
            for _ in range(count)]


def test_push_goes_in_batches_and_acknowledges_from_answers(store: Store) -> None:
    ids = fill(store, 120)
    server = FakeServer()
    report = sync.push(store, server, batch_size=50)
    assert [len(call) for call in server.push_calls] == [50, 50, 20]
    assert [sid for call in server.push_calls for sid in call] == ids  # oldest first
    assert report.acknowledged == 120 and store.counts()["acknowledged"] == 120


def test_a_batch_whose_answer_was_lost_is_resent_whole_and_nothing_doubles(store: Store) -> None:
    ids = fill(store, 30)
    server = FakeServer()
    server.lose_answer_of_call = 2
    with pytest.raises(Offline):
        sync.push(store, server, batch_size=10)
    states = {sid: store.survey(sid)["state"] for sid in ids}
    assert all(states[sid] == "acknowledged" for sid in ids[:10])
    assert all(states[sid] == "sent" for sid in ids[10:20])  # stored there, unknown here
    assert all(states[sid] == "pending" for sid in ids[20:])
    server.lose_answer_of_call = None
    sync.push(store, server, batch_size=10)
    assert server.push_calls[2] == ids[10:20]  # the cut batch again, whole
    assert store.counts()["acknowledged"] == 30
    assert len(server.stored) == 30


def test_a_rejected_survey_keeps_its_errors_and_blocks_nobody(store: Store) -> None:
    ids = fill(store, 5)
    server = FakeServer()
    server.reject = {ids[1]}
    report = sync.push(store, server, batch_size=2)
    assert (report.acknowledged, report.rejected) == (4, 1)
    row = store.survey(ids[1])
    assert row["state"] == "rejected" and row["errors"] == {"household_id": ["tidak ditugaskan"]}
    sync.push(store, server, batch_size=2)
    assert len(server.push_calls) == 3  # nothing resent


def test_pull_pages_until_done_and_keeps_the_cursor_of_stored_pages(store: Store) -> None:
    server = FakeServer()
    server.changes = household_changes(25)
    server.fail_pull_call = 3
    with pytest.raises(Offline):
        sync.pull(store, server, page_size=10)
    assert store.get("pull_cursor") == "A.20"  # two pages stored, the third never came
    assert len(store.assigned_households()) == 20
    server.fail_pull_call = None
    report = sync.pull(store, server, page_size=10)
    assert server.pull_calls[-1] == "A.20"
    assert report.households == 5 and store.get("pull_cursor") == "A.25"
    assert len(store.assigned_households()) == 25


def test_cursor_expired_pulls_from_scratch_and_leaves_the_outbox(store: Store) -> None:
    server = FakeServer()
    server.changes = household_changes(3)
    sync.pull(store, server, page_size=10)
    survey = record_survey(store, household_id=H1, outcome="found")
    before = store.survey(survey["survey_id"])
    # The server is restored from a backup: another instance, and one household fewer.
    server.instance = "B"
    server.changes = household_changes(2, version=4)
    report = sync.pull(store, server, page_size=10)
    assert report.restarted and server.pull_calls[-2:] == ["A.3", None]
    assert store.get("pull_cursor") == "B.2"
    assert [h["household_id"] for h in store.assigned_households()] == [H1, f"{VILLAGE}-000002"]
    assert store.household(H1)["version"] == 4
    assert store.survey(survey["survey_id"]) == before  # outbox untouched
    assert store.base(H1, 1) is not None


def test_run_writes_every_attempt_to_the_sync_log(store: Store) -> None:
    fill(store, 2)
    server = FakeServer()
    sync.run(store, server, "sync")
    server.fail_pull_call = len(server.pull_calls) + 1
    with pytest.raises(Offline):
        sync.run(store, server, "pull")
    log = store.sync_log()
    assert [(e["action"], e["ok"]) for e in log[:2]] == [("pull", 0), ("sync", 1)]
    assert log[0]["reason"].startswith("offline") and log[1]["pushed"] == 2
    assert len(server.escrowed) == 1  # the new store's recovery key, left with the server once


def test_a_server_answering_503_keeps_the_outbox_and_the_next_sync_sends_it(store: Store) -> None:
    """Storage trouble on the server (503 with Retry-After): retried, honouring the wait,
    then given up for now with every survey still waiting; the next push sends them."""
    from sync_agent.client import Client, ServerError
    from tests.sync_agent.scripted_server import ScriptedServer

    ids = fill(store, 3)
    unavailable = ("json", 503, {"error": {"code": "unavailable", "message": "coba lagi"}},
                   {"Retry-After": "7"})
    server = ScriptedServer()
    sleeps: list[float] = []
    try:
        client = Client(server.url, "vv_secret", "dev-1", retries=2, backoff=1.0,
                        max_backoff=30.0, connect_timeout=2, read_timeout=5,
                        sleep=sleeps.append)
        server.script = [unavailable] * 3
        with pytest.raises(ServerError, match="try again later"):
            sync.push(store, client, batch_size=10)
        assert len(server.seen) == 3 and sleeps and min(sleeps) >= 7  # Retry-After honoured
        assert {store.survey(sid)["state"] for sid in ids} <= {"pending", "sent"}
        answer = {"results": [{"survey_id": sid, "status": "accepted", "state": "verified",
                               "flags": [], "errors": None} for sid in ids]}
        server.script = [("json", 200, answer)]
        sync.push(store, client, batch_size=10)
        assert server.seen[-1].json()["surveys"][0]["survey_id"] == ids[0]
        assert store.counts()["acknowledged"] == 3
    finally:
        server.close()


def test_the_summary_names_households_assignments_and_findings(store: Store) -> None:
    server = FakeServer()
    server.changes = household_changes(2) + [
        {"seq": 3, "kind": "assignment", "assignment": {
            "assignment_id": "a-1", "household_id": H1, "status": "open"}},
        {"seq": 4, "kind": "flag", "flag": {
            "flag_id": "f-1", "household_id": H1, "survey_id": "s-1", "rule": "FIELD_CHANGED",
            "status": "revisit", "message": "Data lapangan berbeda"}},
        {"seq": 5, "kind": "flag", "flag": {
            "flag_id": "f-2", "household_id": H1, "survey_id": "s-1", "rule": "FIELD_CHANGED",
            "status": "open", "message": "Data lapangan berbeda"}},
    ]
    report = sync.pull(store, server, page_size=10)
    assert (report.households, report.assignments, report.findings) == (2, 1, 2)
    assert "pulled 2 household(s), 1 assignment(s) and 2 finding(s)" in report.summary()
    assert "other change" not in report.summary()
