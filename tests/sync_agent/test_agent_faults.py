"""Killed processes, the scheduled daemon and the sync lock, with real processes."""

from __future__ import annotations

import random
import signal
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from server.store.tables import surveys as server_surveys
from sync_agent.record import record_survey
from sync_agent.scheduler import sync_lock
from sync_agent.store import open_store
from tests.sync_agent.conftest import (
    HOUSEHOLDS,
    Field,
    integrity,
    one_line,
    run_agent,
    server_survey_ids,
    spawn_agent,
    status,
)
from tests.sync_agent.scripted_server import ScriptedServer, Seen


def server_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(server_surveys)).scalar() or 0


@pytest.mark.slow
def test_sigkill_during_a_real_push_loses_and_doubles_nothing(field: Field, engine) -> None:
    assert field.agent("pull").returncode == 0
    store = open_store(field.home)
    ids = []
    for n in range(400):
        ids.append(record_survey(store, household_id=HOUSEHOLDS[n % 3],
                                 outcome="found" if n % 4 == 0 else "refused")["survey_id"])
    store.close()
    kills = 0
    for threshold in (40, 150, 290):
        process = spawn_agent(field.home, "push", "--batch-size", "10")
        deadline = time.monotonic() + 120
        while process.poll() is None and server_count(engine) < threshold:
            assert time.monotonic() < deadline, "push made no progress"
            time.sleep(0.005)
        if process.poll() is None:
            process.kill()  # SIGKILL on POSIX: no cleanup of any kind
            kills += 1
        process.wait()
        assert integrity(field.home) == "ok"
    assert kills >= 1
    final = field.agent("push", "--batch-size", "10")
    assert final.returncode == 0, final.stderr
    stored = server_survey_ids(engine)
    assert len(stored) == len(set(stored)) == 400
    assert set(stored) == set(ids)
    assert status(field.home)["acknowledged"] == 400
    with engine.connect() as conn:
        seqs = conn.execute(select(server_surveys.c.device_seq)).scalars().all()
    assert sorted(seqs) == list(range(1, 401))
    assert integrity(field.home) == "ok"


@pytest.mark.slow
def test_sigkill_during_record_leaves_whole_surveys_only(field: Field, engine) -> None:
    assert field.agent("pull").returncode == 0
    rng = random.Random(4)
    printed: list[str] = []
    for n in range(12):
        process = spawn_agent(field.home, "record", "--household", HOUSEHOLDS[n % 3],
                              "--outcome", "found")
        time.sleep(rng.uniform(0.05, 0.6))
        if process.poll() is None:
            process.kill()
        out, _ = process.communicate()
        if process.returncode == 0:
            printed.append(out.strip())
    assert integrity(field.home) == "ok"
    store = open_store(field.home)
    rows = store.surveys(("pending", "sent"))
    store.close()
    assert {r["survey_id"] for r in rows} >= set(printed)  # a printed id is on disk
    assert [r["device_seq"] for r in rows] == list(range(1, len(rows) + 1))
    assert field.agent("push").returncode == 0
    assert len(server_survey_ids(engine)) == len(rows)


def test_daemon_syncs_on_schedule_and_stops_cleanly(field: Field, engine) -> None:
    assert field.agent("pull").returncode == 0
    survey_id = one_line(field.agent("record", "--household", HOUSEHOLDS[0],
                                     "--outcome", "refused").stdout)
    daemon = spawn_agent(field.home, "daemon", "--interval", "1")
    try:
        deadline = time.monotonic() + 30
        while survey_id not in server_survey_ids(engine):
            assert daemon.poll() is None, daemon.stderr.read() if daemon.stderr else ""
            assert time.monotonic() < deadline
            time.sleep(0.2)
        later = one_line(field.agent("record", "--household", HOUSEHOLDS[1],
                                     "--outcome", "refused").stdout)
        while later not in server_survey_ids(engine):
            assert time.monotonic() < deadline
            time.sleep(0.2)
    finally:
        if sys.platform != "win32":
            daemon.send_signal(signal.SIGTERM)
        else:
            daemon.terminate()
        out, err = daemon.communicate(timeout=20)
    assert daemon.returncode == 0, err
    assert "ok:" in out
    store = open_store(field.home)
    log = store.sync_log()
    store.close()
    assert len([e for e in log if e["action"] == "sync" and e["ok"]]) >= 2


def test_capture_can_sync_in_the_background(field: Field, engine) -> None:
    from tests.conftest import free_port

    assert field.agent("pull").returncode == 0
    survey_id = one_line(field.agent("record", "--household", HOUSEHOLDS[2],
                                     "--outcome", "not_found").stdout)
    capture = spawn_agent(field.home, "capture", "--port", str(free_port()), "--sync-every", "1")
    try:
        deadline = time.monotonic() + 60
        while status(field.home)["pending"]:  # the answer applied on the laptop, too
            assert capture.poll() is None, capture.stderr.read() if capture.stderr else ""
            assert time.monotonic() < deadline
            time.sleep(0.2)
    finally:
        capture.terminate()
        capture.communicate(timeout=20)
    assert survey_id in server_survey_ids(engine)


def slow_server(delay: float) -> ScriptedServer:
    def answer(seen: Seen) -> tuple[object, ...]:
        if seen.path.startswith("/api/v1/health"):
            return ("json", 200, {"status": "ok"})
        time.sleep(delay)
        return ("json", 200, {"changes": [], "cursor": "i.0", "has_more": False})

    return ScriptedServer(default=answer)


def finished_syncs(home: Path) -> list[dict[str, object]]:
    store = open_store(home)
    try:
        return sorted((e for e in store.sync_log(500) if e["finished_at"]),
                      key=lambda e: e["started_at"])
    finally:
        store.close()


def test_two_processes_never_sync_at_once(tmp_path: Path) -> None:
    server = slow_server(0.4)
    home = tmp_path / "h"
    try:
        assert run_agent(home, "init", "--server", server.url, "--token", "vv_x").returncode == 0
        daemons = [spawn_agent(home, "daemon", "--interval", "1") for _ in range(2)]
        deadline = time.monotonic() + 60
        while True:  # until both daemons have synced a few times
            log = finished_syncs(home)
            if len(log) >= 6 and len({e["pid"] for e in log}) == 2:
                break
            assert time.monotonic() < deadline, log
            time.sleep(0.5)
        for daemon in daemons:
            daemon.terminate()
            daemon.communicate(timeout=20)
    finally:
        server.close()
    log = finished_syncs(home)
    for earlier, later in zip(log, log[1:], strict=False):
        assert earlier["finished_at"] <= later["started_at"]  # never at the same time


def test_a_sync_while_another_holds_the_lock_is_busy(tmp_path: Path) -> None:
    server = slow_server(0)
    home = tmp_path / "h"
    try:
        assert run_agent(home, "init", "--server", server.url, "--token", "vv_x").returncode == 0
        with sync_lock(home):
            busy = run_agent(home, "sync")
        assert busy.returncode == 7
        assert one_line(busy.stderr).startswith("Error: busy")
        assert run_agent(home, "sync").returncode == 0  # the lock went with its holder
    finally:
        server.close()
