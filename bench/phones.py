"""Phones beside laptops on embedded SQLite, over real HTTP; and the entity list's cost.

A real `verivali-server serve` runs on a loopback port. 20 phones each send their visits
as Collect does, one `POST /submission` (multipart, the form's XML) per visit, each
reconciled by the same ingest as a push; in the same run 20 laptops push the same kind of
visits (`bench/push_ingest.py`'s households and changes) in batches of 100. Then the
entity list of one enumerator with 1,000 households: built cold, answered again
unchanged (the hash from the fingerprint, no rebuild), and its gzip size per household.

    .venv/bin/python bench/phones.py [--visits 4000] [--clients 20] [--list 1000]
"""

from __future__ import annotations

import argparse
import collections
import gzip
import os
import random
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from push_ingest import (  # noqa: E402
    BIN,
    Client,
    Server,
    _observe,
    add_enumerators,
    free_port,
    fresh_database,
    make_survey,
    percentile,
    seed_households,
)

from server.demo.data import generate_households  # noqa: E402
from server.services import phones  # noqa: E402
from server.store import users  # noqa: E402
from server.store.db import make_engine, reading  # noqa: E402
from tests.server.openrosa.collect import submission_xml  # noqa: E402


@contextmanager
def logged_server(database_url: str, log_path: Path, threads: int = 8) -> Iterator[Server]:
    """`verivali-server serve` with its output in a file: a pipe nobody reads fills up with
    waitress's queue-depth warnings under 20 clients and stalls the server."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "VERIVALI_DATABASE_URL": database_url, "VERIVALI_SECRET_KEY": "bench"}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(BIN / "verivali-server"), "serve", "--port", str(port), "--threads",
             str(threads), "--no-nightly-scan"], env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            while not _healthy(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("server did not start: " + log_path.read_text()[-2000:])
                time.sleep(0.1)
            yield Server(url, process.pid)
        finally:
            process.terminate()
            process.wait(timeout=30)


def _healthy(url: str) -> bool:
    try:
        return requests.get(url + "/api/v1/health", timeout=1).ok
    except requests.ConnectionError:
        return False


class Phone(threading.Thread):
    """One phone: its key URL, one POST per finalized visit, one after another."""

    def __init__(self, url: str, visits: list[bytes], gate: threading.Barrier):
        super().__init__(daemon=True)
        self.url = url + "/submission"
        self.visits = visits
        self.gate = gate
        self.session = requests.Session()
        self.session.headers.update({"X-OpenRosa-Version": "1.0"})
        self.statuses: collections.Counter[int] = collections.Counter()
        self.latencies: list[float] = []

    def run(self) -> None:
        self.gate.wait()
        for xml in self.visits:
            started = time.perf_counter()
            response = self.session.post(self.url, files=[
                ("xml_submission_file", ("submission.xml", xml, "text/xml"))], timeout=120)
            self.latencies.append(time.perf_counter() - started)
            self.statuses[response.status_code] += 1


def phone_visit(household: dict[str, Any], version: str, rng: random.Random) -> bytes:
    outcome, observed = _observe(household, rng)

    def seen(copy: dict[str, Any]) -> None:
        if observed is not None:
            copy.clear()
            copy.update(observed)

    return submission_xml(household, str(uuid.uuid4()), version, outcome=outcome,
                          change=seen, base_version=1, trunk_version=1,
                          branch_id=str(uuid.uuid4()))


def run_both(database_url: str, households: list[dict[str, Any]], clients: int,
             batch: int, log_path: Path) -> dict[str, Any]:
    half = len(households) // 2
    per = half // clients
    phone_share = [households[i * per:(i + 1) * per] for i in range(clients)]
    laptop_share = [households[half + i * per:half + (i + 1) * per] for i in range(clients)]
    phone_tokens = add_enumerators(database_url, [[h["household_id"] for h in s]
                                                  for s in phone_share], prefix="phone")
    laptop_tokens = add_enumerators(database_url, [[h["household_id"] for h in s]
                                                   for s in laptop_share], prefix="laptop")
    rng = random.Random(20261202)
    version = phones.current_form().version
    results: dict[str, Any] = {}
    with logged_server(database_url, log_path) as server:
        gate = threading.Barrier(clients + 1)
        phones_run = [Phone(f"{server.url}/key/{token}",
                            [phone_visit(h, version, rng) for h in share], gate)
                      for share, token in zip(phone_share, phone_tokens, strict=True)]
        results["phones"] = _timed(phones_run, gate, per * clients)
        gate = threading.Barrier(clients + 1)
        laptops = []
        for number, (share, token) in enumerate(zip(laptop_share, laptop_tokens, strict=True)):
            visits = [make_survey(h, seq, rng) for seq, h in enumerate(share, 1)]
            batches = [visits[i:i + batch] for i in range(0, len(visits), batch)]
            laptops.append(Client(server.url, token, f"laptop-{number:02d}", batches, gate))
        results["push"] = _timed(laptops, gate, per * clients)
    results["phone_statuses"] = sum((p.statuses for p in phones_run), collections.Counter())
    results["phone_latencies"] = [x for p in phones_run for x in p.latencies]
    results["push_statuses"] = sum((c.statuses for c in laptops), collections.Counter())
    return results


def _timed(threads: list[threading.Thread], gate: threading.Barrier, count: int) -> float:
    for thread in threads:
        thread.start()
    gate.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return count / (time.perf_counter() - started)


def entity_list(database_url: str, households: list[dict[str, Any]]) -> dict[str, float]:
    [token] = add_enumerators(database_url, [[h["household_id"] for h in households]],
                              prefix="list")
    engine = make_engine(database_url)
    with reading(engine) as conn:
        user = users.by_token(conn, token)
    assert user is not None
    started = time.perf_counter()
    cold = phones.media_files(engine, user["user_id"])
    built = time.perf_counter() - started
    started = time.perf_counter()
    warm = phones.media_files(engine, user["user_id"])
    unchanged = time.perf_counter() - started
    assert [f.md5 for f in warm] == [f.md5 for f in cold]
    size = sum(len(gzip.compress(f.text.encode())) for f in cold)
    raw = sum(len(f.text.encode()) for f in cold)
    return {"built_ms": built * 1000, "unchanged_ms": unchanged * 1000,
            "gzip_per_household": size / len(households), "raw_per_household": raw / len(households)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=4000, help="phones and laptops together")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--list", type=int, default=1000, help="households on one list")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="verivali-bench-") as folder:
        database_url = fresh_database(folder)
        households = list(generate_households(args.visits + args.list, faults=True))
        seed_households(database_url, households)
        run = run_both(database_url, households[:args.visits], args.clients, args.batch,
                       Path(folder) / "server.log")
        listed = entity_list(database_url, households[args.visits:])
    lat = run["phone_latencies"]
    print(f"phones and laptops: {args.clients} of each, embedded SQLite, same households")
    print(f"  phones  {run['phones']:8,.0f} submissions/s   (one POST /submission each, "
          f"fully reconciled; goal >= 300)  {'MET' if run['phones'] >= 300 else 'MISSED'}")
    print(f"          statuses {dict(run['phone_statuses'])}   p50 "
          f"{percentile(lat, 0.5) * 1000:,.0f} ms  p95 {percentile(lat, 0.95) * 1000:,.0f} ms")
    print(f"  push    {run['push']:8,.0f} surveys/s   (batches of {args.batch})   "
          f"statuses {dict(run['push_statuses'])}")
    print(f"  ratio   phones = {run['phones'] / run['push']:.1%} of push")
    print(f"entity list, {args.list:,} households on one enumerator's list")
    print(f"  built   {listed['built_ms']:8.1f} ms   (goal <= 200 ms)  "
          f"{'MET' if listed['built_ms'] <= 200 else 'MISSED'}")
    print(f"  again   {listed['unchanged_ms']:8.1f} ms   unchanged: same hash, not rebuilt")
    print(f"  size    {listed['gzip_per_household']:8.0f} bytes a household gzipped "
          f"({listed['raw_per_household']:.0f} raw; goal <= 250)  "
          f"{'MET' if listed['gzip_per_household'] <= 250 else 'MISSED'}")


if __name__ == "__main__":
    main()
