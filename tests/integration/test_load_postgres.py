"""50 laptops and 5 supervisors at once on a 4-worker server on PostgreSQL.

The real field agent (store, client, push/pull) runs in 50 threads, each with its own
home folder, recording visits and syncing in rounds, while 5 supervisors decide the
flags those visits raise, racing each other for the same flags. Loopback only, bounded
in count (500 surveys) and in time (the whole test stops itself after LOAD_SECONDS).

What must hold at the end:
- every survey was answered `accepted` exactly once, and only `duplicate` after that;
- every survey a laptop holds as acknowledged is stored on the server;
- no pull missed a change: after one last incremental pull every laptop holds each of
  its households at the server's current version, and each flag of its surveys in the
  server's current state;
- no answer was a 5xx (the agent retries 5xx; every response is counted, retried or not).
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import Engine, select

from server.store import users as user_store
from server.store.db import reading, transaction
from server.store.tables import flags, households, surveys
from sync_agent import sync
from sync_agent.home import initialise, make_client
from sync_agent.record import record_survey
from tests.conftest import LiveServer, free_port
from tests.factories import enumerator, household, seed

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

AGENTS = 50
HOUSEHOLDS_EACH = 10
ROUNDS = 3
SUPERVISORS = 5
DECISIONS = 300  # decided flags before the load stops (while agents keep pulling)
LOAD_SECONDS = 80.0


class Recorder:
    """Every HTTP status and every push result, from all threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: Counter[int] = Counter()
        self.results: list[tuple[str, str]] = []  # (survey_id, status)
        self.errors: list[str] = []

    def hook(self, response: requests.Response, *_args: Any, **_kwargs: Any) -> None:
        with self.lock:
            self.statuses[response.status_code] += 1
        if response.status_code >= 500:
            with self.lock:
                self.errors.append(f"{response.request.method} {response.url}: "
                                   f"{response.status_code} {response.text[:300]}")
        elif response.request.url and response.request.url.endswith("/sync/push"):
            if response.status_code == 200:
                with self.lock:
                    self.results.extend(
                        (r["survey_id"], r["status"]) for r in response.json()["results"]
                    )


def _vary(observed: dict[str, Any], rng: random.Random) -> None:
    """A visit that finds a difference or two, as real visits do."""
    choice = rng.randrange(4)
    if choice == 0:
        observed["address"] = f"Dusun {rng.randint(1, 9)} RT {rng.randint(1, 20):03d}"
    elif choice == 1:
        observed["desil"] = rng.randint(1, 4)
    elif choice == 2:
        observed["members"][1]["occupation"] = rng.choice(["petani", "nelayan", "pedagang"])
    # choice 3: everything as the registry holds it


def run_agent(index: int, server_url: str, token: str, home: Path, deadline: float,
              stop: threading.Event, recorder: Recorder, held: dict[int, Any],
              done: threading.Semaphore) -> None:
    rng = random.Random(index)
    store = initialise(home, server_url, token)
    client = make_client(home, store, retries=3, backoff=0.2, read_timeout=60)
    client.session.hooks["response"].append(recorder.hook)
    try:
        sync.run(store, client, "pull")
        ids = [row[0] for row in store.conn.execute("SELECT household_id FROM households")]
        assert len(ids) == HOUSEHOLDS_EACH, ids
        per_round = [ids[i::ROUNDS] for i in range(ROUNDS)]
        for round_ids in per_round:
            if time.monotonic() > deadline:
                break
            for household_id in round_ids:
                local = store.household(household_id)
                assert local is not None
                observed = {k: v for k, v in local.items() if k not in ("version", "verification")}
                _vary(observed, rng)
                record_survey(store, household_id=household_id, outcome="found",
                              observed=observed)
            sync.run(store, client, "sync", batch_size=rng.choice([2, 5, 10]))
            time.sleep(rng.uniform(0.0, 0.5))
        done.release()
        # Then keep pulling while the supervisors decide: the pulls that could miss one.
        while not stop.wait(rng.uniform(0.3, 1.0)):
            sync.run(store, client, "pull", page_size=rng.choice([3, 20, 500]))
        held[index] = (store, client)
    except Exception as exc:
        with recorder.lock:
            recorder.errors.append(f"agent {index}: {type(exc).__name__}: {exc}")
        done.release()
        store.close()
        client.close()


def run_supervisor(server_url: str, token: str, stop: threading.Event, seed_value: int,
                   recorder: Recorder, decided: Counter[str]) -> None:
    rng = random.Random(seed_value)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    session.hooks["response"].append(recorder.hook)
    api = server_url + "/api/v1"
    try:
        while not stop.is_set():
            page = session.get(api + "/flags", params={"status": "open", "limit": 50},
                               timeout=60)
            if page.status_code != 200:
                continue
            open_flags = page.json()["flags"]
            if not open_flags:
                time.sleep(0.2)
                continue
            for flag in rng.sample(open_flags, min(10, len(open_flags))):
                action = rng.choice(["accept", "accept", "reject", "revisit"])
                answer = session.post(api + f"/flags/{flag['flag_id']}/resolve",
                                      json={"action": action, "note": "uji beban"}, timeout=60)
                with recorder.lock:
                    decided[str(answer.status_code)] += 1
    except Exception as exc:
        with recorder.lock:
            recorder.errors.append(f"supervisor: {type(exc).__name__}: {exc}")
    finally:
        session.close()


def test_fifty_agents_and_five_supervisors_on_four_workers(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("a load test of several workers writing side by side: PostgreSQL only")
    started = time.monotonic()
    deadline = started + LOAD_SECONDS
    tokens = []
    for a in range(AGENTS):
        bases = [household(f"1811012001-{a:03d}{h:03d}") for h in range(HOUSEHOLDS_EACH)]
        seed(engine, *bases)
        _user_id, token = enumerator(engine, f"agent{a:02d}", [b["household_id"] for b in bases])
        tokens.append(token)
    with transaction(engine) as conn:
        supervisor_tokens = [user_store.create(conn, f"sup{s}", "supervisor", ["1811"])
                             for s in range(SUPERVISORS)]

    server = LiveServer(database_url, free_port(), ["--workers", "4", "--no-nightly-scan"])
    recorder = Recorder()
    held: dict[int, Any] = {}
    decided: Counter[str] = Counter()
    stop = threading.Event()
    done = threading.Semaphore(0)
    try:
        supervisors = [
            threading.Thread(target=run_supervisor, args=(server.url, token, stop, s, recorder,
                                                          decided), daemon=True)
            for s, token in enumerate(supervisor_tokens)
        ]
        agents = [
            threading.Thread(target=run_agent, args=(a, server.url, token, tmp_path / f"a{a}",
                                                     deadline, stop, recorder, held, done),
                             daemon=True)
            for a, token in enumerate(tokens)
        ]
        for thread in supervisors + agents:
            thread.start()
        for _ in agents:  # every agent has pushed all its surveys (or failed)
            done.acquire(timeout=max(0.1, deadline - time.monotonic()))
        while decided["200"] < DECISIONS and time.monotonic() < deadline:
            time.sleep(0.2)
        stop.set()
        for thread in agents + supervisors:
            thread.join(60)
        assert not any(t.is_alive() for t in agents + supervisors), "load did not stop in time"
        assert recorder.errors == []
        assert len(held) == AGENTS

        # One last incremental pull each, now that nobody writes any more.
        for store, client in held.values():
            sync.run(store, client, "sync")
        assert recorder.errors == []
        assert not [code for code in recorder.statuses if code >= 500], recorder.statuses

        # Every survey accepted exactly once; repeats only ever `duplicate`.
        outcome = Counter(recorder.results)
        recorded: set[str] = set()
        for store, _client in held.values():
            recorded |= {r[0] for r in store.conn.execute("SELECT survey_id FROM outbox")}
        assert len(recorded) == AGENTS * HOUSEHOLDS_EACH
        for survey_id in recorded:
            assert outcome[(survey_id, "accepted")] == 1, survey_id
            assert outcome[(survey_id, "rejected")] == 0, survey_id

        with reading(engine) as conn:
            stored = set(conn.execute(select(surveys.c.survey_id)).scalars())
            versions = dict(conn.execute(select(households.c.household_id,
                                                households.c.version)).all())
            flag_states = dict(conn.execute(select(flags.c.flag_id, flags.c.status)).all())
            flag_survey = dict(conn.execute(select(flags.c.flag_id, flags.c.survey_id)).all())
        assert stored == recorded

        # No pull missed a change.
        for store, _client in held.values():
            states = Counter(r[0] for r in store.conn.execute("SELECT state FROM outbox"))
            assert states == Counter({"acknowledged": HOUSEHOLDS_EACH}), states
            mine = {r[0] for r in store.conn.execute("SELECT survey_id FROM outbox")}
            for household_id, version in store.conn.execute(
                "SELECT household_id, version FROM households"
            ):
                assert versions[household_id] == version, household_id
            local_flags = {r[0]: json.loads(r[1])["status"]
                           for r in store.conn.execute("SELECT flag_id, body FROM flags")}
            for flag_id, survey_id in flag_survey.items():
                if survey_id in mine and flag_states[flag_id] in ("open", "revisit"):
                    assert local_flags.get(flag_id) == flag_states[flag_id], flag_id
            for flag_id, status in local_flags.items():
                assert flag_states[flag_id] == status, flag_id
        print(f"statuses {dict(recorder.statuses)} decisions {dict(decided)} "
              f"flags {Counter(flag_states.values())} in {time.monotonic() - started:.0f} s")
        assert decided["200"] > 0, decided
        assert time.monotonic() - started < 150
    finally:
        stop.set()
        for store, client in held.values():
            client.close()
            store.close()
        server.stop()
