"""Where a registry import's time goes, per household, and what the whole import costs.

    python bench/import_rate.py [--households 100000 | --file F.jsonl] [--repeat 3]
                                [--workers N] [--no-split] [--postgres ADMIN_URL | own]

1. Writes a synthetic regency (`server.demo.data`) to a temporary JSONL file (or takes
   `--file`).
2. The split (single process, CPU time, no profiler): each stage of the import run on
   its own over the whole file, in µs of CPU per household: reading lines, parsing JSON,
   validation (`fastload` with member-id placeholders and the canonical form), JSON
   serialising the stored body, hashing it, building the rows, passing a chunk's results
   between processes (pickle both ways), then the SQL into a fresh SQLite database through
   the store's own writers, table by table (households, versions, NIK index, change log,
   progress marks) and the commits. The rest of the import (member-id matching against
   the registry, duplicate checks, SQLAlchemy's own work) is what the whole import costs
   beyond the sum.
3. The whole import (`import_registry`, full validation) into a fresh database,
   `--repeat` times, each in a child process: wall rate, CPU µs per household (importer
   and validating workers), load average before and after. Median and spread are printed:
   on a busy machine wall time follows the other work; CPU time is steadier.
4. A re-import of the same file into the last database (nothing changes).

With `--postgres` the imports (3, 4) go into a fresh PostgreSQL database each (made with
ADMIN_URL's rights, or in a throwaway cluster of `.ci/postgres.sh` with `own`), and the
CPU of the cluster's processes (the importer's backend and the server's own helpers) is
reported beside the importer's and the workers': the split (2) stays on SQLite.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
for _path in (REPO, REPO / "bench"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

CHUNK = 1000
POSTGRES_SH = REPO / ".ci" / "postgres.sh"


def _fresh_database(path: Path) -> str:
    from server.store.db import make_engine
    from server.store.schema import create_all

    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    create_all(engine)
    engine.dispose()
    return url


@contextmanager
def _postgres_cluster(given: str) -> Iterator[tuple[str, int | None]]:
    """(admin URL, postmaster pid or None when it cannot be read) of `given` or of our own."""
    if given != "own":
        yield given, _postmaster_of(given)
        return
    folder = Path(tempfile.mkdtemp(prefix="verivali-bench-pg-"))
    try:
        url = subprocess.run([str(POSTGRES_SH), "start", str(folder / "pg"), "--durable"],
                             check=True, capture_output=True, text=True).stdout.strip()
        yield url, _postmaster_of(url)
    finally:
        subprocess.run([str(POSTGRES_SH), "stop", str(folder / "pg")], capture_output=True)
        subprocess.run(["rm", "-rf", str(folder)], check=False)


def _postmaster_of(url: str) -> int | None:
    """The pid in the cluster's postmaster.pid, when the cluster runs on this machine."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            folder = conn.execute(text("SHOW data_directory")).scalar_one()
        return int((Path(folder) / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError):
        return None
    finally:
        engine.dispose()


@contextmanager
def _fresh_postgres(admin_url: str) -> Iterator[str]:
    from push_postgres import postgres_database

    from server.store.db import make_engine
    from server.store.schema import create_all

    with postgres_database(admin_url) as url:
        engine = make_engine(url)
        create_all(engine)
        engine.dispose()
        yield url


def _cluster_cpu(postmaster: int | None) -> float:
    """CPU seconds of the cluster so far: the postmaster, its live children, and (through
    the postmaster's children's times) every backend that has already exited."""
    from push_postgres import tree_cpu

    return 0.0 if postmaster is None else tree_cpu(postmaster)


def _cpu() -> float:
    return time.process_time()


def split(source: Path, folder: Path) -> list[tuple[str, float]]:
    """CPU seconds of each stage over the whole file (see the module docstring)."""
    from schemas import HouseholdSchema
    from schemas.fastload import FastLoader
    from server.services.registry_import import member_ids
    from server.services.registry_import.check import canonical
    from server.services.registry_import.formats import jsonl_lines
    from server.store import bulk, feed, jsoncol, progress
    from server.store import registry_import as store
    from server.store.db import make_engine
    from server.store.households import StoredForm
    from server.store.tables import household_versions, households, members

    stages: dict[str, float] = {}

    def timed(name: str, work: Callable[[], Any]) -> Any:
        started = _cpu()
        result = work()
        stages[name] = stages.get(name, 0.0) + _cpu() - started
        return result

    lines = timed("read lines", lambda: list(jsonl_lines(source)))
    data = timed("parse JSON", lambda: [json.loads(raw) for _, raw in lines])
    loader = FastLoader(HouseholdSchema())

    def validate() -> list[dict[str, Any]]:
        out = []
        for item in data:
            member_ids.mark_missing(item)
            out.append(canonical(loader.load(item)))
        return out

    bodies = timed("validation", validate)
    texts = timed("serialise JSON", lambda: [jsoncol.dumps(b) for b in bodies])
    digests = timed("hash", lambda: [jsoncol.text_hash(t) for t in texts])

    def build() -> list[StoredForm]:
        return [StoredForm(b["household_id"], b["region_code"], t, d,
                           [(m["member_id"], m.get("nik"), m.get("status", "alive"))
                            for m in b["members"]])
                for b, t, d in zip(bodies, texts, digests, strict=True)]

    forms = timed("build rows", build)
    chunks = [forms[i:i + CHUNK] for i in range(0, len(forms), CHUNK)]
    timed("pass between processes", lambda: [pickle.loads(pickle.dumps(c)) for c in chunks])

    engine = make_engine(_fresh_database(folder / "split.db"))
    at = "2026-11-28T00:00:00.000000+00:00"
    with engine.connect() as conn:
        with conn.begin():
            store.bulk_settings(conn)
        for chunk in chunks:
            chunk = sorted(chunk, key=lambda f: f.household_id)
            trans = conn.begin()
            timed("SQL households", lambda c=chunk: bulk.insert_rows(
                conn, households, ("household_id", "region_code", "version", "body",
                                   "content_hash", "verification_state", "updated_at"),
                [(f.household_id, f.region_code, 1, f.text, f.digest, "unverified", at)
                 for f in c]))
            timed("SQL versions", lambda c=chunk: bulk.insert_rows(
                conn, household_versions,
                ("household_id", "version", "source", "source_id", "actor", "at", "body"),
                [(f.household_id, 1, "import", "bench", "bench", at, f.text) for f in c]))
            timed("SQL NIK index", lambda c=chunk: bulk.insert_rows(
                conn, members, ("household_id", "member_id", "nik", "status"),
                [(f.household_id, *m) for f in c for m in f.members]))
            timed("SQL change log", lambda c=chunk: feed.emit_households(
                conn, [f.household_id for f in c], at))
            timed("SQL progress marks", lambda c=chunk: progress.mark_villages(
                conn, (f.region_code for f in c)))
            timed("commit", trans.commit)
        timed("final checkpoint", lambda: store.fold_log(conn))
    engine.dispose()
    return list(stages.items())


def child_import(source: Path, url: str, workers: int | None) -> dict[str, Any]:
    from server.services.registry_import.run import import_registry
    from server.store.db import make_engine

    engine = make_engine(url)
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    report = import_registry(engine, source, actor="bench", workers=workers)
    seconds = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF)
    pool = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"seconds": seconds, "households": report.households, "imported": report.imported,
            "unchanged": report.unchanged, "rejected": report.rejected,
            "cpu_s": own.ru_utime + own.ru_stime, "workers_cpu_s": pool.ru_utime + pool.ru_stime,
            "rss_mb": own.ru_maxrss / 1024, "load_before": load_before,
            "load_after": os.getloadavg()[0]}


def run_child(
    source: Path, url: str, workers: int | None, postmaster: int | None = None
) -> dict[str, Any]:
    database_before = _cluster_cpu(postmaster)
    result = subprocess.run(
        [sys.executable, __file__, "--child", str(source), url, str(workers)],
        capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"import failed:\n{result.stderr[-3000:]}")
    outcome: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    outcome["database_cpu_s"] = _cluster_cpu(postmaster) - database_before
    return outcome


def _spread(values: list[float], fmt: str) -> str:
    median = statistics.median(values)
    return (f"median {median:{fmt}} (min {min(values):{fmt}}, max {max(values):{fmt}}, "
            f"n={len(values)})")


def report_runs(title: str, runs: list[dict[str, Any]]) -> None:
    rates = [r["households"] / r["seconds"] for r in runs]
    cpu = [(r["cpu_s"] + r["workers_cpu_s"] + r["database_cpu_s"]) * 1e6 / r["households"]
           for r in runs]
    writer = [r["cpu_s"] * 1e6 / r["households"] for r in runs]
    workers = [r["workers_cpu_s"] * 1e6 / r["households"] for r in runs]
    database = [r["database_cpu_s"] * 1e6 / r["households"] for r in runs]
    loads = [f"{r['load_before']:.1f}→{r['load_after']:.1f}" for r in runs]
    print(f"{title}: {runs[0]['households']:,} households "
          f"(imported {runs[-1]['imported']:,}, unchanged {runs[-1]['unchanged']:,}, "
          f"rejected {runs[-1]['rejected']:,})")
    print(f"  wall rate households/s: {_spread(rates, ',.0f')}")
    print(f"  CPU µs a household, all processes: {_spread(cpu, '.0f')}")
    print(f"    writing process: {_spread(writer, '.0f')}")
    print(f"    validating workers: {_spread(workers, '.0f')}")
    if any(database):
        print(f"    PostgreSQL: {_spread(database, '.0f')}")
    print(f"  peak RSS importer {max(r['rss_mb'] for r in runs):.0f} MB; "
          f"load average (1 min) before→after each run: {', '.join(loads)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--file", type=Path, help="a JSONL registry file to use instead")
    parser.add_argument("--seed", type=int, default=1811)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None,
                        help="validating processes (default: the importer decides)")
    parser.add_argument("--no-split", action="store_true")
    parser.add_argument("--no-reimport", action="store_true")
    parser.add_argument("--postgres", metavar="ADMIN_URL",
                        help="import into fresh PostgreSQL databases made with this URL "
                             "('own': a throwaway cluster of .ci/postgres.sh)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        source, url, workers = args.child
        print(json.dumps(child_import(Path(source), url,
                                      None if workers == "None" else int(workers))))
        return

    with tempfile.TemporaryDirectory(prefix="verivali-bench-") as folder_name:
        folder = Path(folder_name)
        source = args.file
        if source is None:
            from server.demo.data import generate_households
            from server.services.registry_import.files import write_jsonl

            source = folder / "regency.jsonl"
            write_jsonl(generate_households(args.households, seed=args.seed), source)
        print(f"file: {source.name}, {source.stat().st_size / 1e6:.0f} MB; "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
        if not args.no_split:
            stages = split(source, folder)
            count = sum(1 for _ in source.open("rb"))
            print(f"split, single process, CPU µs a household ({count:,} households):")
            for name, seconds in stages:
                print(f"  {name:<24} {seconds * 1e6 / count:7.1f}")
            print(f"  {'sum':<24} {sum(s for _, s in stages) * 1e6 / count:7.1f}")
        if args.postgres:
            with _postgres_cluster(args.postgres) as (admin, postmaster):
                imports(source, args, lambda: _fresh_postgres(admin), postmaster)
        else:
            @contextmanager
            def fresh() -> Iterator[str]:
                yield _fresh_database(folder / "import.db")

            imports(source, args, fresh, None)
        print(f"load average now {os.getloadavg()[0]:.2f}")


def imports(
    source: Path, args: argparse.Namespace, fresh: Callable[[], Any], postmaster: int | None
) -> None:
    """The whole import `--repeat` times, each into a fresh database; then a re-import."""
    runs: list[dict[str, Any]] = []
    for number in range(args.repeat):
        with fresh() as url:
            runs.append(run_child(source, url, args.workers, postmaster))
            if number == args.repeat - 1 and not args.no_reimport:
                again = run_child(source, url, args.workers, postmaster)
    if runs:
        report_runs("import into an empty registry", runs)
    if runs and not args.no_reimport:
        report_runs("re-import of the same file", [again])


if __name__ == "__main__":
    main()
