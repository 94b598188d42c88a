"""A province on one server: every page and job of Verivali timed at 1,000,000 households.

    .venv/bin/python bench/province.py [--households 1000000] [--postgres ADMIN_URL]
                                       [--cache DIR] [--runs 5]

The synthetic registry (`server.demo.data`, faults on) is written as JSONL in a temporary
folder (or kept in `--cache DIR` between runs) and imported with the real
`verivali-server import-registry` into embedded SQLite, or with `--postgres` into a fresh
database on that server (an admin URL; `own` starts a throwaway cluster with
`.ci/postgres.sh`). Then: the same file imported again (nothing changes), `scan`, a team
(60 % of the households assigned to enumerators two to a village, plus the benchmark's
own: 200 households spread over the registry, 2,000 of one village, ten laptops of 1,000
households), and a real `verivali-server serve` on a loopback port answering first
pulls, an incremental pull, a push of 10,000 surveys, the supervisor pages (median of
`--runs`, signed in as the province's supervisor) and both exports (streamed; the
server's peak RSS read from /proc before and after).

`--keep-db DIR` (SQLite) keeps the database and the team in DIR: a later run with the same
`--households` and `--keep-db` skips the import, `scan`, the team and the push and times
the pulls and the pages again on the kept database (upgraded to this release first).

Printed: one table of figure, target and verdict; the machine's load average (the figures
are wall clock on whatever else the machine runs).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
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
from pull_feed import pull_all
from push_ingest import Client, live_server, make_survey
from push_postgres import postgres_admin_url, postgres_database
from scan_registry import run_scan
from server_memory import Sampler, resting_mb, serving_pids

from server.demo.data import generate_households
from server.services.registry_import.files import write_jsonl
from server.store import feed, progress
from server.store import users as user_store
from server.store.db import make_engine, reading, transaction
from server.store.schema import create_all
from server.store.tables import assignments, households

BIN = Path(sys.executable).parent
PASSWORD = "bench-password-1"
PULLERS = {"spread": 200, "village": 2000}
PUSHERS, PUSHED = 10, 1000


class Table:
    """The figures as they come, printed at the end: (what, figure, target, verdict)."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str]] = []

    def add(self, what: str, figure: str, target: str = "", met: bool | None = None) -> None:
        verdict = "" if met is None else ("MET" if met else "MISSED")
        self.rows.append((what, figure, target, verdict))
        print(f"  {what}: {figure} {verdict}", flush=True)

    def print(self) -> None:
        width = max(len(r[0]) for r in self.rows)
        print(f"\n{'what':{width}}  {'figure':>28}  {'target':>12}  verdict")
        for what, figure, target, verdict in self.rows:
            print(f"{what:{width}}  {figure:>28}  {target:>12}  {verdict}")


def registry_file(count: int, cache: Path | None, folder: Path) -> Path:
    where = cache or folder
    where.mkdir(parents=True, exist_ok=True)
    path = where / f"province-{count}.jsonl"
    if not path.exists():
        started = time.perf_counter()
        write_jsonl(generate_households(count, faults=True), path.with_suffix(".part"))
        path.with_suffix(".part").rename(path)
        print(f"generated {count:,} households in {time.perf_counter() - started:.0f} s")
    return path


@contextmanager
def database(postgres: str | None, folder: Path) -> Iterator[str]:
    if postgres is None:
        folder.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{folder / 'province.db'}"
        create_all(make_engine(url))
        yield url
        return
    if postgres == "own":
        with postgres_admin_url() as (admin, _pid), postgres_database(admin) as url:
            create_all(make_engine(url))
            yield url
        return
    with postgres_database(postgres) as url:
        create_all(make_engine(url))
        yield url


def cli(url: str, *args: str) -> tuple[float, float, float, str]:
    """(wall seconds, CPU seconds, peak RSS MB of any child so far, last line printed) of
    one command; CPU counts the command's own worker processes too."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([str(BIN / "verivali-server"), *args], capture_output=True,
                          text=True, env={**os.environ, "VERIVALI_DATABASE_URL": url})
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr[-3000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return seconds, cpu, after.ru_maxrss / 1024, (done.stdout.strip().splitlines() or [""])[-1]


def import_twice(url: str, source: Path, count: int, table: Table) -> None:
    seconds, cpu, peak, _line = cli(url, "import-registry", str(source), "--actor", "bench")
    rate = count / seconds
    table.add("import (full validation)", f"{seconds:.0f} s, {rate:,.0f} hh/s", ">= 5,000 hh/s",
              rate >= 5000)
    table.add("import, CPU per household", f"{cpu / count * 1e6:.0f} µs (all processes)")
    table.add("import, peak RSS of a process", f"{peak:.0f} MB")
    seconds, cpu, _peak, line = cli(url, "import-registry", str(source), "--actor", "bench")
    table.add("re-import, same file", f"{seconds:.0f} s, {count / seconds:,.0f} hh/s, "
              f"{cpu / count * 1e6:.0f} µs CPU/hh")
    print(f"    {line}")


def scan(url: str, table: Table) -> None:
    seconds, _cpu, _counts, line = run_scan(url)
    table.add("scan", f"{seconds:.0f} s", "<= 120 s", seconds <= 120)
    print(f"    {line}")


def build_team(url: str, rng: random.Random) -> dict[str, Any]:
    """The field team: enumerators two to a village over 60 % of the registry, and the
    bench's own (pullers and pushers) over households nobody else holds."""
    engine = make_engine(url)
    with reading(engine) as conn:
        homes = conn.execute(select_homes()).all()
    by_village: dict[str, list[str]] = {}
    for household_id, region in homes:
        by_village.setdefault(region, []).append(household_id)
    village = max(by_village, key=lambda v: len(by_village[v]))
    own = set(by_village[village][:PULLERS["village"]])
    stride = max(1, len(homes) // (PULLERS["spread"] + 20))
    spread = [h for h, _r in homes[7::stride] if h not in own][:PULLERS["spread"]]
    own |= set(spread)
    rest = [h for h, _r in homes if h not in own]
    pushed = [rest[i * PUSHED:(i + 1) * PUSHED] for i in range(PUSHERS)]
    own |= {h for share in pushed for h in share}
    plan: dict[str, list[str]] = {"spread": spread, "village": by_village[village][:2000]}
    plan.update({f"push{i:02d}": share for i, share in enumerate(pushed)})
    villages = sorted(by_village)
    for index, region in enumerate(villages):
        for number, household_id in enumerate(by_village[region]):
            if household_id not in own and rng.random() < 0.6:
                plan.setdefault(f"team{2 * index + number % 2:04d}", []).append(household_id)
    tokens = assign(engine, plan, village[:4])
    engine.dispose()
    return {"tokens": tokens, "plan": plan, "village": village, "district": village[:6],
            "regency": village[:4], "province": village[:2]}


def select_homes() -> Any:
    from sqlalchemy import select

    return select(households.c.household_id, households.c.region_code).order_by(
        households.c.household_id)


def assign(engine: Any, plan: dict[str, list[str]], region: str) -> dict[str, str]:
    """Users and open assignments in bulk, with their two feed rows each, as
    `assign_households` writes them (it goes one household at a time)."""
    tokens: dict[str, str] = {}
    names = list(plan)
    for start in range(0, len(names), 50):
        with transaction(engine) as conn:
            for name in names[start:start + 50]:
                tokens[name] = user_store.create(conn, name, "enumerator", [])
                user = user_store.by_name(conn, name)
                assert user is not None
                at = "2026-11-28T00:00:00.000000+00:00"
                rows = [{"assignment_id": str(uuid.uuid4()), "household_id": h,
                         "enumerator_id": user["user_id"], "status": "open", "note": None,
                         "created_at": at, "updated_at": at} for h in plan[name]]
                if rows:
                    conn.execute(assignments.insert(), rows)
                feed.emit_many(conn, [("assignment", r["assignment_id"], r["household_id"],
                                       user["user_id"]) for r in rows]
                               + [("household", h, h, None) for h in plan[name]])
    with transaction(engine) as conn:
        progress.mark_all(conn)  # assignments written around the store's writers
        user_store.create(conn, "pengawas", "supervisor", [region])
        user_store.set_password(conn, "pengawas", PASSWORD)
        user_store.create(conn, "pengawas-provinsi", "supervisor", [region[:2]])
        user_store.set_password(conn, "pengawas-provinsi", PASSWORD)
    return tokens


def pulls(server_url: str, team: dict[str, Any], table: Table) -> None:
    url = server_url + "/api/v1/sync/pull"
    for name, target in (("spread", 0.3), ("village", 2.0)):
        session = requests.Session()
        session.headers.update({"Authorization": f"Bearer {team['tokens'][name]}",
                                "Accept-Encoding": "gzip"})
        first = pull_all(session, url, None, 500)
        count = len(team["plan"][name])
        assert len(first.households) == count, (name, len(first.households), count)
        table.add(f"first pull, {count:,} households ({name})",
                  f"{first.seconds:.2f} s, {first.pages} pages", f"<= {target} s",
                  first.seconds <= target)
        times = []
        for _ in range(5):
            nothing = pull_all(session, url, first.cursor, 500)
            times.append(nothing.seconds)
        table.add(f"incremental pull, nothing new ({name})",
                  f"{statistics.median(times) * 1000:.0f} ms", "<= 20 ms",
                  statistics.median(times) <= 0.02)


def push(server_url: str, url: str, team: dict[str, Any], table: Table) -> None:
    """Ten laptops push their 1,000 surveys at once, in batches of 100."""
    from server.store import households as household_store

    engine = make_engine(url)
    rng = random.Random(20261128)
    gate = threading.Barrier(PUSHERS + 1)
    clients = []
    for number in range(PUSHERS):
        name = f"push{number:02d}"
        with reading(engine) as conn:
            bodies = household_store.get_many(conn, team["plan"][name])
        for body in bodies.values():
            body.pop("version", None)
            body.pop("verification", None)
        visits = [make_survey(bodies[h], seq, rng) for seq, h in enumerate(team["plan"][name], 1)]
        batches = [visits[i:i + 100] for i in range(0, len(visits), 100)]
        clients.append(Client(server_url, team["tokens"][name], f"laptop-{name}", batches, gate))
    engine.dispose()
    for client in clients:
        client.start()
    gate.wait()
    started = time.perf_counter()
    for client in clients:
        client.join()
    seconds = time.perf_counter() - started
    accepted = sum(c.statuses["accepted"] for c in clients)
    total = PUSHERS * PUSHED
    table.add(f"push {total:,} surveys, {PUSHERS} laptops",
              f"{total / seconds:,.0f} surveys/s, {100 * accepted / total:.1f} % ok",
              "100 % ok", accepted == total)
    if accepted != total:
        statuses: dict[str, int] = {}
        for client in clients:
            for status, count in client.statuses.items():
                statuses[status] = statuses.get(status, 0) + count
        print(f"    {statuses}")


def signed_in(server_url: str, username: str = "pengawas") -> requests.Session:
    session = requests.Session()
    page = session.get(server_url + "/masuk").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    answer = session.post(server_url + "/masuk", allow_redirects=False, data={
        "username": username, "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 302, answer.status_code
    return session


def pages(server_url: str, team: dict[str, Any], runs: int, table: Table) -> None:
    """The regency supervisor's pages, then the province supervisor's (the whole registry)."""
    household = team["plan"]["village"][0]
    regency = signed_in(server_url)
    province = signed_in(server_url, "pengawas-provinsi")
    for label, session, path in (
        ("queue, first page", regency, "/antrian"),
        ("queue, rule NIK_DUPLICATE", regency, "/antrian?aturan=NIK_DUPLICATE"),
        ("queue, one village", regency, f"/antrian?desa={team['village']}"),
        ("dashboard, regency", regency, f"/dasbor?wilayah={team['regency']}"),
        ("dashboard, district", regency, f"/dasbor?wilayah={team['district']}"),
        ("dashboard, village", regency, f"/dasbor?wilayah={team['village']}"),
        ("household page", regency, f"/keluarga/{household}"),
        ("province: queue, first page", province, "/antrian"),
        ("province: queue, rule NIK_DUPLICATE", province, "/antrian?aturan=NIK_DUPLICATE"),
        ("province: dashboard", province, f"/dasbor?wilayah={team['province']}"),
    ):
        times = []
        # The first view warms caches (and recounts the villages the push marked): shown
        # beside the median, left out of it.
        for _ in range(runs + 1):
            started = time.perf_counter()
            answer = session.get(server_url + path)
            times.append(time.perf_counter() - started)
            assert answer.status_code == 200, (path, answer.status_code)
        median = statistics.median(times[1:]) * 1000
        table.add(label, f"{median:.0f} ms median, first {times[0] * 1000:.0f} ms",
                  "<= 300 ms", median <= 300)


def exports(server: Any, team: dict[str, Any], table: Table) -> None:
    """The province's registry and corrections, streamed; the server's RSS sampled while
    each streams (its lifetime peak would include every pull, push and page before)."""
    session = signed_in(server.url, "pengawas-provinsi")
    region = team["province"]
    for label, path in (
        ("export, registry JSONL", f"/ekspor/dtsen.jsonl?wilayah={region}"),
        ("export, corrections CSV",
         f"/ekspor/koreksi.csv?wilayah={region}&dari=2026-01-01&sampai=2027-12-31"),
    ):
        pids = serving_pids(server.pid)
        before = resting_mb(pids)
        started = time.perf_counter()
        size = 0
        with Sampler(pids) as sampler, session.get(server.url + path, stream=True) as answer:
            assert answer.status_code == 200, (path, answer.status_code)
            for chunk in answer.iter_content(1 << 16):
                size += len(chunk)
        seconds = time.perf_counter() - started
        table.add(label, f"{seconds:.1f} s, {size / 1e6:.0f} MB, peak {sampler.peak_mb:.0f} MB",
                  "<= 200 MB", sampler.peak_mb <= 200)
        print(f"    server RSS before {before:.0f} MB, peak while streaming "
              f"{sampler.peak_mb:.0f} MB" + ("" if size > 1000 else
                                             " (nothing decided in this bench: see "
                                             "bench/export_memory.py for a full one)"))


def database_bytes(url: str) -> int:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    else:
        from sqlalchemy import text

        engine = make_engine(url)
        with engine.connect() as conn:
            size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
        engine.dispose()
    return int(size)


def again(kept: Path, args: argparse.Namespace, table: Table) -> None:
    """The pulls and the pages on a kept database (the push already in it)."""
    url = f"sqlite:///{kept / 'province.db'}"
    engine = make_engine(url)
    create_all(engine)
    team = json.loads((kept / "team.json").read_text())
    with transaction(engine) as conn:  # kept by a release that had no province supervisor
        if user_store.by_name(conn, "pengawas-provinsi") is None:
            user_store.create(conn, "pengawas-provinsi", "supervisor", [team["province"]])
            user_store.set_password(conn, "pengawas-provinsi", PASSWORD)
    engine.dispose()
    with live_server(url) as server:
        pulls(server.url, team, table)
        pages(server.url, team, args.runs, table)
        exports(server, team, table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--postgres", metavar="ADMIN_URL",
                        help="an admin URL of a PostgreSQL server, or `own` for a throwaway one")
    parser.add_argument("--cache", type=Path, help="keep the generated registry file here")
    parser.add_argument("--runs", type=int, default=5, help="runs per page for the median")
    parser.add_argument("--workers", type=int, default=0, help="serve --workers (PostgreSQL)")
    parser.add_argument("--keep-db", type=Path, metavar="DIR",
                        help="SQLite: keep the database here; reuse it when already built")
    args = parser.parse_args()
    if args.keep_db and args.postgres:
        parser.error("--keep-db keeps an SQLite database only")
    table = Table()
    kind = "PostgreSQL" if args.postgres else "embedded SQLite"
    with tempfile.TemporaryDirectory(prefix="verivali-province-") as name:
        folder = Path(name)
        kept = args.keep_db / f"province-{args.households}" if args.keep_db else None
        if kept is not None and (kept / "team.json").exists():
            print(f"province: {args.households:,} households on the kept database {kept}, "
                  f"load average {os.getloadavg()[0]:.1f}", flush=True)
            again(kept, args, table)
            print(f"load average at the end {os.getloadavg()[0]:.1f}")
            table.print()
            return
        source = registry_file(args.households, args.cache, folder)
        print(f"province: {args.households:,} households on {kind}, {os.cpu_count()} CPUs, "
              f"load average {os.getloadavg()[0]:.1f}", flush=True)
        with database(args.postgres, kept or folder) as url:
            import_twice(url, source, args.households, table)
            scan(url, table)
            started = time.perf_counter()
            team = build_team(url, random.Random(1811))
            print(f"  team of {len(team['plan'])} enumerators assigned in "
                  f"{time.perf_counter() - started:.0f} s", flush=True)
            if kept is not None:
                (kept / "team.json").write_text(json.dumps(team))
            extra = ["--workers", str(args.workers)] if args.workers else []
            before_push = database_bytes(url)
            table.add("database size", f"{before_push / 1e9:.2f} GB, "
                      f"{before_push / args.households / 1e3:.1f} KB/hh")
            with live_server(url, extra_args=extra) as server:
                pulls(server.url, team, table)
                push(server.url, url, team, table)
                grown = database_bytes(url) - before_push
                table.add("database growth per pushed survey",
                          f"{grown / PUSHERS / PUSHED / 1e3:.1f} KB")
                pages(server.url, team, args.runs, table)
                exports(server, team, table)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    table.print()


if __name__ == "__main__":
    main()
