"""The server killed with SIGKILL in the middle of pushes: no survey lost, none doubled.

A laptop's push can meet a server that dies at any instant: before it reads the body,
inside the transaction, after the commit but before the answer leaves. The agent keeps
every survey until the server has acknowledged it, and the server's idempotency key
(survey id + content hash) turns a resend into a `duplicate`, so after any number of
kills each survey is stored exactly once. Here a real `verivali-server serve` is killed
at seeded random moments during 20 pushes of a real agent (20 new surveys each), restarted, and pushed to again.
"""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from server.store.tables import surveys as server_surveys
from sync_agent.record import record_survey
from sync_agent.store import open_store
from tests.conftest import LiveServer, free_port
from tests.factories import VILLAGE, enumerator, household, seed
from tests.sync_agent.conftest import run_agent, server_survey_ids, spawn_agent, status

HOUSEHOLDS = [f"{VILLAGE}-{n:06d}" for n in range(1, 6)]
PUSHES = 20
BATCH = 10


def stored_count(engine: Any) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(server_surveys)).scalar() or 0


@pytest.mark.slow
def test_kill_9_of_the_server_during_pushes_loses_and_doubles_nothing(
    database_url: str, engine: Any, tmp_path: Path
) -> None:
    seed(engine, *(household(h) for h in HOUSEHOLDS))
    _, token = enumerator(engine, "budi", HOUSEHOLDS)
    port = free_port()
    server = LiveServer(database_url, port)
    home = tmp_path / "agent-home"
    assert run_agent(home, "init", "--server", server.url, "--token", token,
                     "--name", "budi").returncode == 0
    assert run_agent(home, "pull").returncode == 0
    recorded: list[str] = []

    def record(count: int) -> None:
        store = open_store(home)
        for _ in range(count):
            n = len(recorded)
            recorded.append(record_survey(
                store, household_id=HOUSEHOLDS[n % len(HOUSEHOLDS)],
                outcome="found" if n % 3 == 0 else "refused")["survey_id"])
        store.close()

    chance = random.Random(1811)
    kills = interrupted = progressed = 0
    try:
        for _ in range(PUSHES):
            record(2 * BATCH)  # every push has work of its own, whatever the last one sent
            before = stored_count(engine)
            push = spawn_agent(home, "push", "--batch-size", str(BATCH), "--retries", "0")
            # Somewhere in the push: before anything arrives, or once some batches did,
            # then a little later still (inside a transaction, or before its answer).
            target = before + chance.choice([0, 1, BATCH // 2, BATCH, BATCH + BATCH // 2])
            deadline = time.monotonic() + 30
            while (push.poll() is None and stored_count(engine) < target
                   and time.monotonic() < deadline):
                time.sleep(0.002)
            time.sleep(chance.uniform(0.0, 0.05))
            if push.poll() is None:
                interrupted += 1
            server.process.kill()  # SIGKILL: no shutdown of any kind
            server.process.wait()
            kills += 1
            push.communicate(timeout=60)
            after = stored_count(engine)
            assert after >= before
            progressed += after > before
            server = LiveServer(database_url, port)
        final = run_agent(home, "push", "--batch-size", str(BATCH))
        assert final.returncode == 0, final.stderr
    finally:
        server.stop()

    stored = server_survey_ids(engine)
    print(f"\nserver kills: {kills}, pushes cut short: {interrupted}, with surveys stored "
          f"before the kill: {progressed}, surveys stored: {len(stored)}")
    assert kills == PUSHES and interrupted >= 1 and progressed >= 1
    assert len(stored) == len(set(stored)) == len(recorded)
    assert set(stored) == set(recorded)
    assert status(home)["acknowledged"] == len(recorded)
