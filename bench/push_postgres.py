"""Push ingest on PostgreSQL with 4 gunicorn workers, 50 laptops at once; SQLite beside it.

    .venv/bin/python bench/push_postgres.py [--surveys 50000] [--agents 50] [--batch 50]
                                            [--workers 4] [--no-sqlite]

The database server is `VERIVALI_BENCH_POSTGRES_URL` (an admin URL; a database is made
and dropped there), else a throwaway cluster started here with `.ci/postgres.sh start
--durable`: fsync and synchronous commit on, as a deployment runs.

For each database, the same synthetic regency (`server.demo.data`, faults on) is
imported with the real importer, 50 enumerators get 1/50th of it each, and then 50
client threads push one visit per household, in gzip batches of 50 (the agent's batch),
over real HTTP on loopback. About 40 % of the visits observe a change, so flags are
raised. The SQLite run serves with waitress in one process: what `verivali-server serve`
runs for a regency (several processes on SQLite only take turns at its one writer).

Printed for each: surveys/s over the whole push phase, success (every survey answered
`accepted`, and every one stored), batch latency p50/p95/max, and the CPU seconds the
server processes and PostgreSQL used per survey; then the ratio PostgreSQL / SQLite.
Client, server and database share this machine's cores.
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
for path in (REPO, REPO / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from push_ingest import add_enumerators, make_survey, percentile  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from server.demo.data import generate_households  # noqa: E402
from server.services.registry_import.files import write_jsonl  # noqa: E402
from server.services.registry_import.run import import_registry  # noqa: E402
from server.store.db import make_engine  # noqa: E402
from server.store.schema import create_all  # noqa: E402
from server.store.tables import households as households_table  # noqa: E402
from server.store.tables import surveys as surveys_table  # noqa: E402

BIN = Path(sys.executable).parent
POSTGRES_SH = REPO / ".ci" / "postgres.sh"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- process CPU (Linux /proc) ------------------------------------------------------------


def _cpu_of(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # utime, stime of the process and of its children already waited for
    ticks = int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


def tree_cpu(root: int) -> float:
    """CPU seconds of a process and all its live descendants (gunicorn workers, backends)."""
    children: dict[int, list[int]] = collections.defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children[ppid].append(int(entry.name))
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += _cpu_of(pid)
        todo.extend(children.get(pid, []))
    return total


# --- databases ----------------------------------------------------------------------------


@contextmanager
def postgres_admin_url() -> Iterator[tuple[str, int | None]]:
    """(admin URL, postmaster pid if we started it)."""
    given = os.environ.get("VERIVALI_BENCH_POSTGRES_URL")
    if given:
        yield given, None
        return
    folder = Path(tempfile.mkdtemp(prefix="verivali-bench-pg-"))
    cluster = folder / "pg"
    try:
        url = subprocess.run([str(POSTGRES_SH), "start", str(cluster), "--durable"],
                             check=True, capture_output=True, text=True).stdout.strip()
        pid = int((cluster / "data" / "postmaster.pid").read_text().split()[0])
        yield url, pid
    finally:
        subprocess.run([str(POSTGRES_SH), "stop", str(cluster)], capture_output=True)
        subprocess.run(["rm", "-rf", str(folder)])


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    name = f"verivali_bench_{os.getpid()}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- the run ------------------------------------------------------------------------------


@dataclass
class Outcome:
    label: str
    surveys: int
    wall: float
    statuses: collections.Counter[str]
    stored: int
    latencies: list[float]
    errors: list[str]
    server_cpu: float
    database_cpu: float | None
    seed_seconds: float
    flags: int = 0

    @property
    def rate(self) -> float:
        return self.surveys / self.wall

    @property
    def success(self) -> float:
        ok = min(self.statuses["accepted"], self.stored)
        return ok / self.surveys


@dataclass(eq=False)  # a thread must stay hashable
class Laptop(threading.Thread):
    url: str
    token: str
    bodies: list[bytes]
    gate: threading.Barrier
    latencies: list[float] = field(default_factory=list)
    statuses: collections.Counter[str] = field(default_factory=collections.Counter)
    errors: list[str] = field(default_factory=list)
    flags: int = 0

    def __post_init__(self) -> None:
        threading.Thread.__init__(self, daemon=True)

    def run(self) -> None:
        session = requests.Session()
        session.headers.update({
            "Authorization": f"Bearer {self.token}",
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
        })
        self.gate.wait()
        for body in self.bodies:
            started = time.perf_counter()
            try:
                response = session.post(self.url, data=body, timeout=300)
            except requests.RequestException as exc:
                self.errors.append(type(exc).__name__)
                continue
            self.latencies.append(time.perf_counter() - started)
            if response.status_code != 200:
                self.errors.append(f"HTTP {response.status_code}")
                continue
            for result in response.json()["results"]:
                self.statuses[result["status"]] += 1
                self.flags += len(result["flags"])
        session.close()


@contextmanager
def serving(database_url: str, workers: int | None, threads: int = 8) -> Iterator[tuple[str, int]]:
    port = free_port()
    args = ["serve", "--port", str(port), "--no-nightly-scan"]
    if workers:
        args += ["--workers", str(workers), "--threads", str(threads)]
    env = {**os.environ, "VERIVALI_DATABASE_URL": database_url, "VERIVALI_SECRET_KEY": "bench"}
    process = subprocess.Popen([str(BIN / "verivali-server"), *args], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        ready = 0
        while ready < (workers or 1) * 2:  # a few answers, so every worker has booted
            if process.poll() is not None:
                raise RuntimeError("server exited: " + process.stderr.read().decode()[-2000:])
            try:
                ready += requests.get(url + "/api/v1/health", timeout=5).ok
            except requests.RequestException:
                time.sleep(0.2)
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start in 60 s")
        yield url, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def prepare(database_url: str, jsonl: Path, agents: int, per_agent: int,
            batch: int) -> tuple[list[list[bytes]], list[str], float]:
    """Import the regency, make the enumerators, build every laptop's gzip batches."""
    started = time.perf_counter()
    engine = make_engine(database_url)
    try:
        create_all(engine)
        import_registry(engine, jsonl, actor="bench", workers=0)
        with engine.connect() as conn:
            rows = conn.execute(
                select(households_table.c.household_id, households_table.c.body)
                .order_by(households_table.c.household_id)
            ).all()
    finally:
        engine.dispose()
    bodies = [json.loads(r.body) for r in rows]
    shares = [bodies[i * per_agent:(i + 1) * per_agent] for i in range(agents)]
    tokens = add_enumerators(database_url, [[h["household_id"] for h in s] for s in shares])
    rng = random.Random(20261128)
    laptops = []
    for number, share in enumerate(shares):
        visits = [make_survey(h, seq, rng) for seq, h in enumerate(share, 1)]
        laptops.append([
            gzip.compress(json.dumps({"device_id": f"laptop-{number:02d}",
                                      "surveys": visits[i:i + batch]}).encode(), 5)
            for i in range(0, len(visits), batch)
        ])
    return laptops, tokens, time.perf_counter() - started


def run(label: str, database_url: str, jsonl: Path, args: argparse.Namespace,
        workers: int | None, database_pid: int | None) -> Outcome:
    per_agent = args.surveys // args.agents
    total = per_agent * args.agents
    laptops, tokens, seed_seconds = prepare(database_url, jsonl, args.agents, per_agent,
                                            args.batch)
    print(f"[{label}] imported {total:,} households, {args.agents} enumerators, "
          f"{sum(map(len, laptops)):,} batches ready in {seed_seconds:.0f} s", flush=True)
    gate = threading.Barrier(args.agents + 1)
    with serving(database_url, workers, args.threads) as (url, server_pid):
        clients = [Laptop(url + "/api/v1/sync/push", token, bodies, gate)
                   for token, bodies in zip(tokens, laptops, strict=True)]
        for client in clients:
            client.start()
        server_cpu = tree_cpu(server_pid)
        database_cpu = tree_cpu(database_pid) if database_pid else None
        gate.wait()
        started = time.perf_counter()
        for client in clients:
            client.join()
        wall = time.perf_counter() - started
        server_cpu = tree_cpu(server_pid) - server_cpu
        if database_pid:
            database_cpu = tree_cpu(database_pid) - (database_cpu or 0.0)
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            stored = conn.execute(select(func.count()).select_from(surveys_table)).scalar() or 0
    finally:
        engine.dispose()
    statuses: collections.Counter[str] = collections.Counter()
    latencies: list[float] = []
    errors: list[str] = []
    flags = 0
    for client in clients:
        statuses.update(client.statuses)
        latencies.extend(client.latencies)
        errors.extend(client.errors)
        flags += client.flags
    return Outcome(label, total, wall, statuses, stored, latencies, errors, server_cpu,
                   database_cpu, seed_seconds, flags)


def report(outcome: Outcome) -> None:
    lat = outcome.latencies or [0.0]
    print(f"{outcome.label}")
    print(f"  throughput     {outcome.rate:8,.0f} surveys/s over {outcome.wall:.1f} s")
    print(f"  success        {outcome.success:8.2%}   (answers {dict(outcome.statuses)}, "
          f"stored {outcome.stored:,} of {outcome.surveys:,}, "
          f"{len(outcome.errors)} failed batches {dict(collections.Counter(outcome.errors))})")
    print(f"  batch latency  p50 {statistics.median(lat) * 1000:,.0f} ms   "
          f"p95 {percentile(lat, 0.95) * 1000:,.0f} ms   max {max(lat) * 1000:,.0f} ms")
    cpu = f"  CPU / survey   server {outcome.server_cpu / outcome.surveys * 1e3:.2f} ms"
    if outcome.database_cpu is not None:
        cpu += f", PostgreSQL {outcome.database_cpu / outcome.surveys * 1e3:.2f} ms"
    print(cpu + f"   (flags raised {outcome.flags:,})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--surveys", type=int, default=50_000)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8, help="threads per gunicorn worker")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    args = parser.parse_args()
    print(f"push ingest bench: {args.surveys:,} surveys, {args.agents} laptops, batches of "
          f"{args.batch}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}",
          flush=True)
    with tempfile.TemporaryDirectory(prefix="verivali-bench-") as folder:
        jsonl = Path(folder) / "regency.jsonl"
        write_jsonl(generate_households(args.surveys // args.agents * args.agents,
                                        faults=True), jsonl)
        with postgres_admin_url() as (admin_url, pg_pid), postgres_database(admin_url) as url:
            pg = run(f"PostgreSQL, gunicorn {args.workers} workers", url, jsonl, args,
                     args.workers, pg_pid)
        report(pg)
        sqlite = None
        if not args.no_sqlite:
            sqlite_url = f"sqlite:///{Path(folder) / 'verivali.db'}"
            sqlite = run("SQLite, waitress (one process, 8 threads)", sqlite_url, jsonl, args,
                         None, None)
            report(sqlite)
    if pg.database_cpu is not None:
        # What the cores could carry if nothing but the server and PostgreSQL ran on them.
        per_survey = (pg.server_cpu + pg.database_cpu) / pg.surveys
        print(f"ceiling on {os.cpu_count()} cores at this CPU a survey (server + PostgreSQL, "
              f"no clients): {os.cpu_count() / per_survey:,.0f} surveys/s")
    target_met = pg.rate >= 1500 and pg.success == 1.0
    print(f"target (>= 1,500 surveys/s on PostgreSQL, 100 % success): "
          f"{'MET' if target_met else 'MISSED'}")
    if sqlite is not None:
        print(f"ratio PostgreSQL / SQLite: {pg.rate / sqlite.rate:.2f}x throughput, "
              f"p95 latency {percentile(pg.latencies, 0.95) / percentile(sqlite.latencies, 0.95):.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
