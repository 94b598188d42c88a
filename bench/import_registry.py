"""How fast `import-registry` brings a regency in, beside the raw floor of the same disk.

    python bench/import_registry.py [--households 100000] [--no-cli]

1. Writes a synthetic regency (`server.demo.data`) to a temporary JSONL file.
2. Imports it into a fresh SQLite database with the real importer (full validation,
   versions, NIK index, pull feed), in a child process so its peak memory is its own.
3. Measures the floor: plain `sqlite3` `executemany` of the same rows (no parsing
   beyond `json.loads`, no validation) into the same tables, same chunking and pragmas.
4. Optionally runs the CLI (`verivali-server import-registry`) on another fresh database.

Prints households/s, members/s, peak RSS (the importing process, and its validating
workers), the floor and the ratio. The machine's load average is printed too: the
figures are wall-clock, and other work on the machine slows both alike.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

CHUNK = 1000


def _fresh_database(folder: Path, name: str) -> str:
    from server.store.db import make_engine
    from server.store.schema import create_all

    url = f"sqlite:///{folder / name}"
    engine = make_engine(url)
    create_all(engine)
    engine.dispose()
    return url


def child_import(source: Path, url: str) -> dict:
    from sqlalchemy import func, select

    from server.services.registry_import.run import import_registry
    from server.store.db import make_engine, reading
    from server.store.tables import members

    engine = make_engine(url)
    started = time.perf_counter()
    report = import_registry(engine, source, actor="bench")
    seconds = time.perf_counter() - started
    with reading(engine) as conn:
        member_count = conn.execute(select(func.count()).select_from(members)).scalar_one()
    return {"seconds": seconds, "households": report.imported, "rejected": report.rejected,
            "members": member_count, **_usage()}


def child_floor(source: Path, url: str) -> dict:
    """The same rows as the importer stores, straight into sqlite3: the disk's own pace."""
    import sqlite3

    from server.store.registry_import import BULK_PRAGMAS

    connection = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    for pragma in ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", *BULK_PRAGMAS):
        connection.execute(pragma)
    at = "2026-11-28T00:00:00.000000+00:00"
    households = member_count = 0
    started = time.perf_counter()

    def flush(lines: list[bytes]) -> None:
        nonlocal households, member_count
        rows_h, rows_v, rows_m, rows_c = [], [], [], []
        for raw in lines:
            body = json.loads(raw)
            text = raw.decode("utf-8").strip()
            hid = body["household_id"]
            rows_h.append((hid, body["region_code"], 1, text,
                           hashlib.sha256(raw).hexdigest(), "unverified", at))
            rows_v.append((hid, 1, "import", "bench", "bench", at, text))
            rows_m.extend((hid, m["member_id"], m["nik"], m["status"]) for m in body["members"])
            rows_c.append(("household", hid, hid, None, at))
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(
            "INSERT INTO households (household_id, region_code, version, body, content_hash, "
            "verification_state, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)", rows_h)
        connection.executemany(
            "INSERT INTO household_versions (household_id, version, source, source_id, actor, "
            "at, body) VALUES (?, ?, ?, ?, ?, ?, ?)", rows_v)
        connection.executemany(
            "INSERT INTO members (household_id, member_id, nik, status) VALUES (?, ?, ?, ?)",
            rows_m)
        connection.executemany(
            "INSERT INTO changes (kind, entity_id, household_id, enumerator_id, at) "
            "VALUES (?, ?, ?, ?, ?)", rows_c)
        connection.execute("COMMIT")
        households += len(lines)
        member_count += len(rows_m)

    with source.open("rb") as handle:
        chunk: list[bytes] = []
        for raw in handle:
            chunk.append(raw)
            if len(chunk) == CHUNK:
                flush(chunk)
                chunk = []
        if chunk:
            flush(chunk)
    seconds = time.perf_counter() - started
    connection.close()
    return {"seconds": seconds, "households": households, "members": member_count, **_usage()}


def _usage() -> dict:
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"rss_mb": own.ru_maxrss / 1024, "workers_rss_mb": workers.ru_maxrss / 1024,
            "cpu_s": own.ru_utime + own.ru_stime,
            "workers_cpu_s": workers.ru_utime + workers.ru_stime}


def run_child(mode: str, source: Path, url: str) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(source), url],
        capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_cli(source: Path, url: str) -> float:
    binary = Path(sys.executable).parent / "verivali-server"
    started = time.perf_counter()
    result = subprocess.run([str(binary), "import-registry", str(source), "--actor", "bench"],
                            env={**os.environ, "VERIVALI_DATABASE_URL": url},
                            capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"CLI import failed:\n{result.stderr[-3000:]}")
    print(f"  CLI says: {result.stdout.strip().splitlines()[-1]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1811)
    parser.add_argument("--no-cli", action="store_true", help="skip the CLI subprocess run")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "FILE", "URL"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, source, url = args.child
        work = child_import if mode == "import" else child_floor
        print(json.dumps(work(Path(source), url)))
        return

    from server.demo.data import generate_households
    from server.services.registry_import.files import write_jsonl

    with tempfile.TemporaryDirectory(prefix="verivali-bench-") as folder_name:
        folder = Path(folder_name)
        source = folder / "regency.jsonl"
        started = time.perf_counter()
        write_jsonl(generate_households(args.households, seed=args.seed), source)
        size_mb = source.stat().st_size / 1e6
        print(f"regency: {args.households:,} households, {size_mb:.0f} MB JSONL "
              f"(generated in {time.perf_counter() - started:.1f} s); "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")

        imported = run_child("import", source, _fresh_database(folder, "import.db"))
        floor = run_child("floor", source, _fresh_database(folder, "floor.db"))
        rate = imported["households"] / imported["seconds"]
        floor_rate = floor["households"] / floor["seconds"]
        print(f"import-registry (in-process, full validation): {rate:,.0f} households/s, "
              f"{imported['members'] / imported['seconds']:,.0f} members/s "
              f"({imported['households']:,} households, {imported['members']:,} members "
              f"in {imported['seconds']:.1f} s; {imported['rejected']} rejected)")
        print(f"  peak RSS: importer {imported['rss_mb']:.0f} MB, each validating worker "
              f"≤ {imported['workers_rss_mb']:.0f} MB; CPU {imported['cpu_s']:.1f} s importer "
              f"+ {imported['workers_cpu_s']:.1f} s workers")
        print(f"raw floor (sqlite3 executemany, no validation): {floor_rate:,.0f} households/s, "
              f"{floor['members'] / floor['seconds']:,.0f} members/s "
              f"({floor['seconds']:.1f} s; peak RSS {floor['rss_mb']:.0f} MB)")
        print(f"ratio import / floor: {rate / floor_rate:.2f}")
        per = 1e6 / imported["households"]
        print(f"CPU per household (steadier than wall time on a busy machine): import "
              f"{(imported['cpu_s'] + imported['workers_cpu_s']) * per:.0f} µs (writer "
              f"{imported['cpu_s'] * per:.0f} + validating workers "
              f"{imported['workers_cpu_s'] * per:.0f}), floor "
              f"{floor['cpu_s'] * 1e6 / floor['households']:.0f} µs")
        if not args.no_cli:
            seconds = run_cli(source, _fresh_database(folder, "cli.db"))
            print(f"CLI subprocess (verivali-server import-registry, start-up included): "
                  f"{args.households / seconds:,.0f} households/s ({seconds:.1f} s)")
        print(f"load average now {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
