"""The server's memory while it streams the exports, at any registry size.

    .venv/bin/python bench/export_memory.py [--households 100000] [--postgres ADMIN_URL|own]
                                            [--review-every 10] [--keep-db DIR]

The synthetic registry (faults on) is written straight into the store's tables, as
`bench/scan_registry.py` seeds it, and every `--review-every`-th household also gets a
second version from a supervisor's decision (two fields changed), so the corrections
export has rows to list. A real `verivali-server serve` (waitress, one process; with
`--workers N`, gunicorn) then streams the registry export (JSONL) and the corrections
export (CSV) of the whole regency to a client that reads as fast as it can. The
server's RSS is sampled from /proc every 20 ms.

Printed per export: time, bytes, the server's RSS just before (baseline), its peak
during the export, peak − baseline, the RSS at each tenth of the export (what grows
with size shows here as a slope) and the server's CPU time per household. `--keep-db`
(SQLite) keeps the seeded database between runs of the same size.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from province import PASSWORD, signed_in
from push_ingest import live_server
from push_postgres import postgres_admin_url, postgres_database
from server_memory import Sampler, cpu_seconds, serving_pids, status

from server.demo.data import generate_households
from server.store import feed, jsoncol
from server.store import users as user_store
from server.store.db import make_engine, transaction
from server.store.schema import create_all
from server.store.tables import household_versions, households, members
from server.timeutil import now_iso

CHUNK = 5_000
REVIEWED_AT = "2026-11-20T03:00:00.000000+00:00"


def reviewed(household: dict[str, Any]) -> dict[str, Any]:
    """The household as a supervisor's decision left it: a renamed head, a new floor."""
    body = {**household, "housing": {**household["housing"], "floor": "ceramic"}}
    body["members"] = [{**m, "name": m["name"] + " Putri"} if i == 0 else m
                       for i, m in enumerate(household["members"])]
    return body


def seed(url: str, count: int, review_every: int) -> str:
    """The registry in bulk (version 1, or 2 after a decision) and the regency to export."""
    engine = make_engine(url)
    at = now_iso()
    regencies: Counter[str] = Counter()
    batch: list[tuple[dict[str, Any], dict[str, Any] | None]] = []

    def write() -> None:
        with transaction(engine) as conn:
            conn.execute(households.insert(), [
                {"household_id": h["household_id"], "region_code": h["region_code"],
                 "version": 2 if after else 1, "body": jsoncol.dumps(after or h),
                 "content_hash": jsoncol.content_hash(after or h),
                 "verification_state": "unverified", "verification_survey_id": None,
                 "verification_at": None, "updated_at": at}
                for h, after in batch])
            conn.execute(household_versions.insert(), [
                {"household_id": h["household_id"], "version": 1, "source": "import",
                 "source_id": None, "actor": "bench", "at": at, "body": jsoncol.dumps(h)}
                for h, _after in batch])
            decided = [(h, after) for h, after in batch if after]
            if decided:
                conn.execute(household_versions.insert(), [
                    {"household_id": h["household_id"], "version": 2, "source": "review",
                     "source_id": f"flag-{h['household_id']}", "actor": "pengawas",
                     "at": REVIEWED_AT, "body": jsoncol.dumps(after)}
                    for h, after in decided])
            conn.execute(members.insert(), [
                {"household_id": h["household_id"], "member_id": m["member_id"],
                 "nik": m.get("nik"), "status": m.get("status", "alive")}
                for h, after in batch for m in (after or h)["members"]])
            feed.emit_households(conn, [h["household_id"] for h, _ in batch], at)
        batch.clear()

    for number, household in enumerate(generate_households(count, faults=True)):
        regencies[household["region_code"][:4]] += 1
        batch.append((household, reviewed(household) if number % review_every == 0 else None))
        if len(batch) >= CHUNK:
            write()
    if batch:
        write()
    regency = regencies.most_common(1)[0][0]
    with transaction(engine) as conn:
        user_store.create(conn, "pengawas", "supervisor", [regency])
        user_store.set_password(conn, "pengawas", PASSWORD)
    engine.dispose()
    return regency


def measure(session: requests.Session, server: Any, label: str, path: str, count: int) -> None:
    pids = serving_pids(server.pid)
    baseline = max(status(p)["VmRSS"] for p in pids)
    cpu_before = cpu_seconds(pids)
    sampler = Sampler(pids)
    sampler.start()
    started = time.perf_counter()
    size = 0
    with session.get(server.url + path, stream=True) as answer:
        assert answer.status_code == 200, (path, answer.status_code)
        for chunk in answer.iter_content(1 << 16):
            size += len(chunk)
    seconds = time.perf_counter() - started
    sampler.done.set()
    sampler.join()
    cpu = cpu_seconds(pids) - cpu_before
    peak = max(s["VmRSS"] for _, s in sampler.samples)
    at_peak = max((s for _, s in sampler.samples), key=lambda s: s["VmRSS"])
    tenths = []
    for tenth in range(1, 11):
        cut = started + seconds * tenth / 10
        before = [s["VmRSS"] for t, s in sampler.samples if t <= cut] or [baseline]
        tenths.append(f"{before[-1] / 1024:.0f}")
    print(f"{label}: {seconds:.1f} s, {size / 1e6:.0f} MB, server CPU {cpu:.1f} s "
          f"({cpu / count * 1e6:.0f} µs a household), load average {os.getloadavg()[0]:.1f}")
    print(f"    RSS baseline {baseline / 1024:.0f} MB, peak {peak / 1024:.0f} MB, "
          f"peak - baseline {(peak - baseline) / 1024:.0f} MB (at the peak: anon "
          f"{at_peak.get('RssAnon', 0) / 1024:.0f} MB, file {at_peak.get('RssFile', 0) / 1024:.0f}"
          f" MB, shmem {at_peak.get('RssShmem', 0) / 1024:.0f} MB)")
    print(f"    RSS at each tenth (MB): {' '.join(tenths)}", flush=True)


@contextmanager
def database(args: argparse.Namespace, folder: Path) -> Iterator[tuple[str, str]]:
    """(URL, regency) of a seeded database: SQLite in `folder` (kept if asked) or PostgreSQL."""
    if args.postgres:
        with postgres_admin_url() if args.postgres == "own" else _given(args.postgres) as (
                admin, _pid), postgres_database(admin) as url:
            create_all(make_engine(url))
            yield url, seed(url, args.households, args.review_every)
        return
    where = args.keep_db / f"export-{args.households}" if args.keep_db else folder
    where.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{where / 'verivali.db'}"
    marker = where / "regency.txt"
    if not marker.exists():
        create_all(make_engine(url))
        marker.write_text(seed(url, args.households, args.review_every))
    yield url, marker.read_text()


@contextmanager
def _given(admin: str) -> Iterator[tuple[str, None]]:
    yield admin, None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--postgres", metavar="ADMIN_URL",
                        help="an admin URL of a PostgreSQL server, or `own` for a throwaway one")
    parser.add_argument("--workers", type=int, default=0, help="serve --workers (PostgreSQL)")
    parser.add_argument("--review-every", type=int, default=10,
                        help="one household in this many has a supervisor's decision")
    parser.add_argument("--keep-db", type=Path, metavar="DIR",
                        help="SQLite: keep the seeded database here; reuse it when present")
    args = parser.parse_args()
    if args.keep_db and args.postgres:
        parser.error("--keep-db keeps an SQLite database only")
    with tempfile.TemporaryDirectory(prefix="verivali-export-") as name:
        started = time.perf_counter()
        with database(args, Path(name)) as (url, regency):
            print(f"{args.households:,} households on "
                  f"{'PostgreSQL' if args.postgres else 'embedded SQLite'} ready in "
                  f"{time.perf_counter() - started:.0f} s; exporting regency {regency}; "
                  f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}", flush=True)
            extra = ["--workers", str(args.workers)] if args.workers else []
            with live_server(url, extra_args=extra) as server:
                session = signed_in(server.url)
                session.get(server.url + "/ekspor")  # the form: the routes are warm
                measure(session, server, "registry export (JSONL)",
                        f"/ekspor/dtsen.jsonl?wilayah={regency}", args.households)
                measure(session, server, "corrections export (CSV)",
                        f"/ekspor/koreksi.csv?wilayah={regency}&dari=2026-01-01"
                        f"&sampai=2027-12-31", args.households)


if __name__ == "__main__":
    sys.exit(main())
