"""The registry-wide scan over 100,000 households, run twice with `verivali-server scan`.

Households of the synthetic regency (faults on: about 1.6 % carry a planted data fault)
are written straight into the store's tables with executemany, in the encoding the
store itself uses (`server.store.jsoncol`), so seeding takes seconds rather than the
minutes of one `save_version` per household. The scan is then run as a real
subprocess, twice: the second run must raise nothing new ("never duplicating an open
flag").

Target (issue 3): a scan over 100,000 households <= 10 s.

    .venv/bin/python bench/scan_registry.py [--households 100000] [--database FILE]

`--database FILE` keeps the seeded registry in FILE (seeded only when it holds no
households) and clears every flag before the runs, so repeated measurements skip the
seeding and each still starts with a first scan.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from server.demo.data import DEMO_AS_OF, generate_households
from server.store import feed, jsoncol
from server.store.db import make_engine, transaction
from server.store.schema import create_all
from server.store.tables import (
    flags,
    household_versions,
    households,
    members,
    queue_households,
    queue_marks,
    queue_village_rules,
)
from server.timeutil import now_iso

BIN = Path(sys.executable).parent
CHUNK = 10_000
REPORT = re.compile(r"scanned (\d+) households: (\d+) flags raised, (\d+) already open, "
                    r"(\d+) closed")


def seed(database_url: str, count: int) -> None:
    """Version 1 of each household, its members' NIK index and its feed row, in bulk."""
    engine = make_engine(database_url)
    at = now_iso()
    batch: list[dict[str, Any]] = []

    def write() -> None:
        with transaction(engine) as conn:
            conn.execute(households.insert(), [
                {"household_id": h["household_id"], "region_code": h["region_code"],
                 "version": 1, "body": text, "content_hash": digest,
                 "verification_state": "unverified", "verification_survey_id": None,
                 "verification_at": None, "updated_at": at}
                for h, text, digest in batch])
            conn.execute(household_versions.insert(), [
                {"household_id": h["household_id"], "version": 1, "source": "import",
                 "source_id": None, "actor": "bench", "at": at, "body": text}
                for h, text, _ in batch])
            conn.execute(members.insert(), [
                {"household_id": h["household_id"], "member_id": m["member_id"],
                 "nik": m.get("nik"), "status": m.get("status", "alive")}
                for h, _, _ in batch for m in h["members"]])
            feed.emit_households(conn, [h["household_id"] for h, _, _ in batch], at)
        batch.clear()

    for household in generate_households(count, faults=True):
        text = jsoncol.dumps(household)
        batch.append((household, text, jsoncol.content_hash(household)))
        if len(batch) >= CHUNK:
            write()
    if batch:
        write()
    engine.dispose()


def clear_flags(database_url: str) -> int:
    """Drop every flag and the queue's counts of them; returns the households held."""
    engine = make_engine(database_url)
    with transaction(engine) as conn:
        for table in (flags, queue_marks, queue_households, queue_village_rules):
            conn.execute(table.delete())
        held = int(conn.execute(select(func.count()).select_from(households)).scalar_one())
    engine.dispose()
    return held


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_scan(database_url: str) -> tuple[float, float, tuple[int, int, int, int], str]:
    """(wall seconds, CPU seconds of the scan process, its counts, its report line)."""
    env = {**os.environ, "VERIVALI_DATABASE_URL": database_url}
    cpu = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run(
        [str(BIN / "verivali-server"), "scan", "--as-of", DEMO_AS_OF.isoformat()],
        env=env, capture_output=True, text=True, check=True,
    )
    elapsed = time.perf_counter() - started
    cpu = _children_cpu() - cpu
    line = done.stdout.strip().splitlines()[-1]
    match = REPORT.search(line)
    if match is None:
        raise RuntimeError(f"unexpected scan output: {done.stdout!r} {done.stderr!r}")
    scanned, raised, kept, closed = (int(g) for g in match.groups())
    return elapsed, cpu, (scanned, raised, kept, closed), line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--database", type=Path, default=None,
                        help="SQLite file to keep the seeded registry in (and reuse).")
    args = parser.parse_args()
    count = args.households

    with tempfile.TemporaryDirectory(prefix="verivali-bench-") as folder:
        path = args.database or Path(folder) / "verivali.db"
        database_url = f"sqlite:///{path.resolve()}"
        create_all(make_engine(database_url))
        held = clear_flags(database_url)
        if held:
            count = held
            print(f"reusing {count:,} seeded households in {path}")
        else:
            started = time.perf_counter()
            seed(database_url, count)
            print(f"seeded {count:,} households (executemany, store encoding) in "
                  f"{time.perf_counter() - started:.1f} s")
        print(f"scan: {count:,} households, embedded SQLite, {os.cpu_count()} CPUs, "
              f"load average {os.getloadavg()[0]:.1f}")
        for run in (1, 2):
            elapsed, cpu, (scanned, raised, kept, closed), line = run_scan(database_url)
            verdict = "MET" if elapsed <= 10 else "MISSED"
            print(f"  run {run}: {elapsed:6.2f} s ({verdict} <= 10 s; CPU {cpu:.2f} s, load "
                  f"average {os.getloadavg()[0]:.1f}), {scanned / elapsed:,.0f} households/s: "
                  f"{line}")
            if run == 2 and raised:
                print(f"  second run raised {raised} new flags: DUPLICATES")
        engine = make_engine(database_url)
        with engine.connect() as conn:
            by_rule = Counter(dict(conn.execute(
                select(flags.c.rule, func.count()).where(flags.c.status == "open")
                .group_by(flags.c.rule)).all()))
        engine.dispose()
        print("  open flags by rule: "
              + ", ".join(f"{rule} {n:,}" for rule, n in by_rule.most_common()))


if __name__ == "__main__":
    main()
