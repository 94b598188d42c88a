"""The field agent's figures: memory during a full sync, bytes per survey, `record` latency.

A real `verivali-server serve` runs on a loopback port with 10,000 households of the
synthetic regency (`server.demo.data`, no planted faults) assigned to one enumerator.
The agent (a real `verivali-agent` process) pulls them all, 2,000 visits are recorded
into its outbox (about 40 % observe a change), and then:

- peak RSS of `verivali-agent sync` pushing the 2,000 visits (batches of 50) and pulling
  all 10,000 households again from scratch (the worst case: a restored server);
- bytes on the wire per pushed survey: gzip request bodies of batches of 50, and the
  same with HTTP request headers counted;
- `record` latency: in-process (`record_survey`: validate, fsync'd commit — what a form
  save costs) and as a `verivali-agent record` command (adds interpreter start-up).

Targets (issue 4): RSS ≤ 150 MB, ≤ 600 bytes per survey, `record` ≤ 50 ms.

The store is encrypted (docs/agent.md): the bench gives the PIN in `VERIVALI_AGENT_PIN`
and keeps the default scrypt cost, so each `verivali-agent` command includes its
unlock (bench/agent_crypto.py prints that cost alone).

    .venv/bin/python bench/agent_sync.py [--households 10000] [--surveys 2000]
"""

from __future__ import annotations

import argparse
import copy
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from push_ingest import (  # noqa: E402
    add_enumerators,
    fresh_database,
    live_server,
    percentile,
    seed_households,
)

from server.demo.data import generate_households  # noqa: E402
from sync_agent import sync  # noqa: E402
from sync_agent.home import make_client  # noqa: E402
from sync_agent.record import record_survey  # noqa: E402
from sync_agent.store import open_store  # noqa: E402

AGENT = str(Path(sys.executable).parent / "verivali-agent")


def _high_water_kib(pid: int) -> int | None:
    """VmHWM of a live process (Linux): the peak RSS of its own image since exec."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def agent(home: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], float, int]:
    """Run the agent; returns (result, seconds, peak RSS in KiB of the agent process).

    The peak is the process's own VmHWM, sampled every 5 ms until it exits (its rusage
    would not do: on Linux a child's ru_maxrss starts from the parent's size at fork).
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen([AGENT, "--home", str(home), *args], stdout=out, stderr=err,
                                   text=True)
        peak = 0
        while process.poll() is None:
            peak = max(peak, _high_water_kib(process.pid) or 0)
            time.sleep(0.005)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        result = subprocess.CompletedProcess(process.args, process.returncode, out.read(),
                                             err.read())
    if result.returncode != 0:
        raise SystemExit(f"verivali-agent {' '.join(args)} failed: {result.stderr.strip()}")
    return result, seconds, peak


def observed_visit(household: dict[str, Any], rng: random.Random) -> tuple[str, dict | None]:
    """Most doors confirm the registry; some see a change (as in bench/push_ingest.py)."""
    roll = rng.random()
    if roll < 0.03:
        return "not_found", None
    seen = copy.deepcopy(household)
    head = seen["members"][0]
    if roll < 0.60:
        pass
    elif roll < 0.75:
        head["occupation"] = rng.choice(("petani", "buruh harian", "pedagang", "nelayan"))
    elif roll < 0.87:
        seen["desil"] = rng.randint(1, 10)
    elif roll < 0.94:
        seen["members"].append({
            "member_id": str(uuid.uuid4()), "nik": None, "name": "Bayi", "sex": "F",
            "birth_date": "2026-08-01", "relationship": "grandchild", "marital_status": "single",
            "education": "none", "occupation": None, "disability": "none", "status": "alive",
        })
    else:
        seen["members"][-1]["status"] = "deceased"
    return "found", seen


def record_visits(home: Path, count: int) -> list[float]:
    """Record `count` visits in-process; returns each one's latency in ms."""
    rng = random.Random(4)
    store = open_store(home)
    ids = [h["household_id"] for h in store.assigned_households()]
    chosen = rng.sample(ids, min(count, len(ids)))
    latencies = []
    for household_id in chosen:
        local = store.household(household_id)
        assert local is not None
        outcome, seen = observed_visit(local, rng)
        started = time.perf_counter()
        record_survey(store, household_id=household_id, outcome=outcome, observed=seen,
                      gps={"lat": -3.91, "lon": 105.36, "accuracy_m": 12})
        latencies.append((time.perf_counter() - started) * 1000)
    store.close()
    return latencies


def wire_bytes(home: Path, batch: int) -> tuple[int, int, int, int]:
    """Push the outbox of `home` in-process; (surveys, body bytes, header bytes, reply bytes)."""
    store = open_store(home)
    client = make_client(home, store)
    headers = replies = 0

    def count(response: Any, *_a: Any, **_k: Any) -> None:
        nonlocal headers, replies
        request = response.request
        headers += len(f"{request.method} {request.path_url} HTTP/1.1\r\n") + sum(
            len(k) + len(str(v)) + 4 for k, v in request.headers.items()) + 2
        replies += int(response.headers.get("Content-Length") or len(response.content))

    client.session.hooks["response"].append(count)
    report = sync.push(store, client, batch_size=batch)
    sent = client.bytes_sent
    client.close()
    store.close()
    return report.pushed, sent, headers, replies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--surveys", type=int, default=2_000)
    parser.add_argument("--batch", type=int, default=50)
    args = parser.parse_args()
    os.environ.setdefault("VERIVALI_AGENT_PIN", "bench-246810")

    folder = Path(tempfile.mkdtemp(prefix="verivali-agent-bench-"))
    try:
        t0 = time.perf_counter()
        database_url = fresh_database(str(folder))
        households = list(generate_households(args.households, faults=False))
        seed_households(database_url, households)
        (token,) = add_enumerators(database_url, [[h["household_id"] for h in households]])
        print(f"seeded {len(households)} households in {time.perf_counter() - t0:.1f} s")

        with live_server(database_url) as server:
            home = folder / "agent"
            agent(home, "init", "--server", server.url, "--token", token, "--name", "enum01")
            _r, pull_s, pull_rss = agent(home, "pull")
            print(f"first pull of {len(households)} households: {pull_s:.1f} s, "
                  f"peak RSS {pull_rss / 1024:.1f} MB")

            latencies = record_visits(home, args.surveys)
            shutil.copytree(home, folder / "agent-copy")  # same outbox, for the byte count

            store = open_store(home)
            with store.write():  # the worst case: a full re-pull in the same sync
                store.put("pull_cursor", None)
            store.close()
            result, sync_s, sync_rss = agent(home, "sync", "--batch-size", str(args.batch))
            print(f"full sync (push {args.surveys} + pull {len(households)} from scratch): "
                  f"{sync_s:.1f} s, peak RSS {sync_rss / 1024:.1f} MB  [target <= 150 MB]")
            print(f"  {result.stdout.strip()}")

            pushed, body, head, replies = wire_bytes(folder / "agent-copy", args.batch)
            print(f"bytes on the wire per pushed survey (gzip, batches of {args.batch}): "
                  f"{body / pushed:.0f} body, {(body + head) / pushed:.0f} with request headers"
                  f"  [target <= 600]; answers {replies / pushed:.0f} bytes/survey")

            cli_ms = []
            some = open_store(home).assigned_households()[:10]
            for row in some:
                _r, seconds, _rss = agent(home, "record", "--household", row["household_id"],
                                          "--outcome", "refused")
                cli_ms.append(seconds * 1000)
        print(f"record in-process (validate + fsync'd commit), {len(latencies)} visits: "
              f"p50 {percentile(latencies, 0.5):.1f} ms, p95 {percentile(latencies, 0.95):.1f} ms, "
              f"max {max(latencies):.1f} ms  [target <= 50 ms]")
        print(f"`verivali-agent record` command, {len(cli_ms)} runs: "
              f"p50 {percentile(cli_ms, 0.5):.0f} ms, p95 {percentile(cli_ms, 0.95):.0f} ms "
              "(includes Python start-up and imports)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
