"""Push ingest on embedded SQLite: 20 field laptops pushing at once, over real HTTP.

A real `verivali-server serve` (waitress) runs on a loopback port; 20 client threads,
each with its own requests session and token, push 1,000 surveys each in batches of
100. Households come from the synthetic regency (`server.demo.data`, faults on) and are
seeded through the store. About 40 % of the visits observe a change (an occupation, a
desil, a new baby, a death, a family not found), so flags are raised on the way.

Printed: surveys/s over the whole run, success %, p50/p95 batch latency, flags raised,
and the raw floor: the very survey rows the server stored, inserted again with plain
`sqlite3` `executemany` into an equivalent table, 100 rows a transaction.

    .venv/bin/python bench/push_ingest.py [--surveys 20000] [--clients 20] [--batch 100]
"""

from __future__ import annotations

import argparse
import collections
import copy
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from server.demo.data import DEMO_AS_OF, generate_households
from server.store import assignments, users
from server.store import households as household_store
from server.store.db import make_engine, transaction
from server.store.schema import create_all
from server.store.tables import surveys as surveys_table

BIN = Path(sys.executable).parent
VISIT_DAY = DEMO_AS_OF.isoformat()
SEED_CHUNK = 2000


# --- shared with the other benches ----------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A running `verivali-server serve`: its base URL and the CPU time it has used."""

    def __init__(self, url: str, pid: int):
        self.url = url
        self.pid = pid

    def cpu_seconds(self) -> float | None:
        """User + system CPU of the server process (Linux /proc), None elsewhere."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def live_server(database_url: str, threads: int = 8,
                extra_args: list[str] | None = None) -> Iterator[Server]:
    """A real `verivali-server serve` subprocess on a loopback port."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "VERIVALI_DATABASE_URL": database_url, "VERIVALI_SECRET_KEY": "bench"}
    process = subprocess.Popen(
        [str(BIN / "verivali-server"), "serve", "--port", str(port), "--threads", str(threads),
         "--no-nightly-scan", *(extra_args or [])],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError("server exited: " + process.stderr.read().decode()[-2000:])
            try:
                if requests.get(url + "/api/v1/health", timeout=5).ok:
                    break
            except requests.RequestException:  # not up yet, or slow on a busy machine
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start in 120 s")
            time.sleep(0.1)
        yield Server(url, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def fresh_database(folder: str) -> str:
    url = f"sqlite:///{Path(folder) / 'verivali.db'}"
    create_all(make_engine(url))
    return url


def seed_households(database_url: str, households: list[dict[str, Any]]) -> None:
    """Import through the store (`save_version`), a few thousand per transaction."""
    engine = make_engine(database_url)
    for start in range(0, len(households), SEED_CHUNK):
        with transaction(engine) as conn:
            for household in households[start:start + SEED_CHUNK]:
                household_store.save_version(conn, household, source="import", actor="bench")
    engine.dispose()


def add_enumerators(
    database_url: str, assigned: list[list[str]], prefix: str = "enum"
) -> list[str]:
    """One enumerator per list of household ids; returns their API tokens."""
    engine = make_engine(database_url)
    tokens = []
    for number, household_ids in enumerate(assigned, 1):
        name = f"{prefix}{number:02d}"
        with transaction(engine) as conn:
            tokens.append(users.create(conn, name, "enumerator", []))
            user = users.by_name(conn, name)
            assert user is not None
            assignments.assign_households(conn, user["user_id"], household_ids)
    engine.dispose()
    return tokens


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


# --- the visits -------------------------------------------------------------------------


def _observe(household: dict[str, Any], rng: random.Random) -> tuple[str, dict | None]:
    """(outcome, observed): most doors confirm the registry, some see a change."""
    roll = rng.random()
    if roll < 0.03:
        return "not_found", None
    observed = copy.deepcopy(household)
    head = observed["members"][0]
    if roll < 0.60:
        pass  # unchanged
    elif roll < 0.75:
        head["occupation"] = rng.choice(("petani", "buruh harian", "pedagang", "nelayan"))
    elif roll < 0.87:
        observed["desil"] = rng.randint(1, 10)
    elif roll < 0.94:
        observed["members"].append({
            "member_id": str(uuid.uuid4()), "nik": None, "name": "Bayi", "sex": "F",
            "birth_date": "2026-08-01", "relationship": "grandchild",
            "marital_status": "single", "education": "none", "occupation": None,
            "disability": "none", "status": "alive",
        })
    else:
        observed["members"][-1]["status"] = "deceased"
    return "found", observed


def make_survey(household: dict[str, Any], seq: int, rng: random.Random) -> dict[str, Any]:
    outcome, observed = _observe(household, rng)
    minute = seq % 50
    return {
        "survey_id": str(uuid.uuid4()),
        "household_id": household["household_id"],
        "base_version": 1,
        "parent_survey_id": None,
        "device_seq": seq,
        "started_at": f"{VISIT_DAY}T09:{minute:02d}:00+07:00",
        "completed_at": f"{VISIT_DAY}T09:{minute + 9:02d}:00+07:00",
        "outcome": outcome,
        "observed": observed,
        "gps": {"lat": -3.91, "lon": 105.36, "accuracy_m": 12},
        "notes": None,
    }


# --- the run ----------------------------------------------------------------------------


class Client(threading.Thread):
    """One laptop: its own session and token, its batches pushed one after another."""

    def __init__(self, url: str, token: str, device_id: str, batches: list[list[dict]],
                 start_gate: threading.Barrier):
        super().__init__(daemon=True)
        self.url = url + "/api/v1/sync/push"
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {token}"})
        self.device_id = device_id
        self.batches = batches
        self.start_gate = start_gate
        self.latencies: list[float] = []
        self.statuses: collections.Counter[str] = collections.Counter()
        self.rules: collections.Counter[str] = collections.Counter()
        self.http_errors: list[str] = []

    def run(self) -> None:
        self.start_gate.wait()
        for batch in self.batches:
            started = time.perf_counter()
            try:
                response = self.session.post(
                    self.url, json={"device_id": self.device_id, "surveys": batch}, timeout=120
                )
            except requests.RequestException as exc:
                self.http_errors.append(type(exc).__name__)
                self.statuses["lost"] += len(batch)
                continue
            self.latencies.append(time.perf_counter() - started)
            if response.status_code != 200:
                self.http_errors.append(f"HTTP {response.status_code}")
                self.statuses["lost"] += len(batch)
                continue
            for result in response.json()["results"]:
                self.statuses[result["status"]] += 1
                self.rules.update(flag["rule"] for flag in result["flags"])


def raw_floor(database_url: str, folder: str, batch: int) -> tuple[float, int]:
    """Rows/s of plain sqlite3 executemany of the stored survey rows into a twin table."""
    source = sqlite3.connect(database_url.removeprefix("sqlite:///"))
    columns = [c.name for c in surveys_table.columns]
    rows = source.execute(f"SELECT {', '.join(columns)} FROM surveys").fetchall()
    source.close()
    target = sqlite3.connect(Path(folder) / "floor.db", isolation_level=None)
    target.execute("PRAGMA journal_mode=WAL")
    target.execute("PRAGMA synchronous=NORMAL")
    target.execute(
        "CREATE TABLE surveys (survey_id VARCHAR(36) PRIMARY KEY, household_id VARCHAR(40) "
        "NOT NULL, enumerator_id INTEGER NOT NULL, device_id VARCHAR(64) NOT NULL, "
        "device_seq INTEGER NOT NULL, base_version INTEGER, parent_survey_id VARCHAR(36), "
        "outcome VARCHAR(16) NOT NULL, completed_at VARCHAR(40) NOT NULL, "
        "content_hash VARCHAR(64) NOT NULL, body TEXT NOT NULL, state VARCHAR(16) NOT NULL, "
        "result TEXT NOT NULL, superseded_by VARCHAR(36), received_at VARCHAR(40) NOT NULL)"
    )
    target.execute("CREATE INDEX ix_s_household ON surveys (household_id)")
    target.execute("CREATE INDEX ix_s_parent ON surveys (parent_survey_id)")
    insert = f"INSERT INTO surveys ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    started = time.perf_counter()
    for start in range(0, len(rows), batch):
        target.execute("BEGIN IMMEDIATE")
        target.executemany(insert, rows[start:start + batch])
        target.execute("COMMIT")
    elapsed = time.perf_counter() - started
    target.close()
    return len(rows) / elapsed, len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--surveys", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--threads", type=int, default=8, help="waitress worker threads")
    args = parser.parse_args()
    per_client = args.surveys // args.clients
    total = per_client * args.clients

    with tempfile.TemporaryDirectory(prefix="verivali-bench-") as folder:
        database_url = fresh_database(folder)
        started = time.perf_counter()
        households = list(generate_households(total, faults=True))
        seed_households(database_url, households)
        shares = [households[i * per_client:(i + 1) * per_client] for i in range(args.clients)]
        tokens = add_enumerators(database_url, [[h["household_id"] for h in s] for s in shares])
        print(f"seeded {total:,} households and {args.clients} enumerators in "
              f"{time.perf_counter() - started:.1f} s")

        rng = random.Random(20261128)
        gate = threading.Barrier(args.clients + 1)
        with live_server(database_url, args.threads) as server:
            clients = []
            for number, (share, token) in enumerate(zip(shares, tokens, strict=True)):
                visits = [make_survey(h, seq, rng) for seq, h in enumerate(share, 1)]
                batches = [visits[i:i + args.batch] for i in range(0, len(visits), args.batch)]
                clients.append(Client(server.url, token, f"laptop-{number:02d}", batches, gate))
            for client in clients:
                client.start()
            load_before = os.getloadavg()[0]
            server_cpu = server.cpu_seconds()
            client_cpu = time.process_time()
            gate.wait()
            started = time.perf_counter()
            for client in clients:
                client.join()
            wall = time.perf_counter() - started
            client_cpu = time.process_time() - client_cpu
            if server_cpu is not None:
                server_cpu = (server.cpu_seconds() or 0.0) - server_cpu
            load_after = os.getloadavg()[0]

        statuses: collections.Counter[str] = collections.Counter()
        rules: collections.Counter[str] = collections.Counter()
        latencies: list[float] = []
        errors: list[str] = []
        for client in clients:
            statuses.update(client.statuses)
            rules.update(client.rules)
            latencies.extend(client.latencies)
            errors.extend(client.http_errors)
        rate = total / wall
        accepted = statuses["accepted"]
        floor_rate, floor_rows = raw_floor(database_url, folder, args.batch)

    print(f"push ingest: {total:,} surveys, {args.clients} clients, batches of {args.batch}, "
          f"embedded SQLite, waitress {args.threads} threads, {os.cpu_count()} CPUs")
    print(f"  wall            {wall:8.2f} s   (load average {load_before:.1f} before, "
          f"{load_after:.1f} after)")
    print(f"  throughput      {rate:8,.0f} surveys/s   (target >= 1,000)  "
          f"{'MET' if rate >= 1000 else 'MISSED'}")
    print(f"  success         {100 * accepted / total:8.2f} %   ({dict(statuses)}; "
          f"{len(errors)} failed batches {collections.Counter(errors) or ''})")
    print(f"  batch latency   p50 {statistics.median(latencies) * 1000:,.0f} ms   "
          f"p95 {percentile(latencies, 0.95) * 1000:,.0f} ms   "
          f"max {max(latencies) * 1000:,.0f} ms")
    print(f"  flags raised    {sum(rules.values()):,}  "
          + ", ".join(f"{rule} {count:,}" for rule, count in rules.most_common()))
    if server_cpu:
        print(f"  server CPU      {server_cpu:8.2f} s = {server_cpu / total * 1e6:,.0f} us a survey "
              f"-> {total / server_cpu:,.0f} surveys per CPU-second of the server process "
              f"(clients used {client_cpu:.1f} s)")
    print(f"  raw floor       {floor_rate:8,.0f} rows/s   (sqlite3 executemany of the "
          f"{floor_rows:,} stored survey rows, {args.batch} a transaction)")
    print(f"  ratio           server = {rate / floor_rate:.1%} of the floor "
          f"(floor is {floor_rate / rate:,.1f}x faster)")


if __name__ == "__main__":
    main()
