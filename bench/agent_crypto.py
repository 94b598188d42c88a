"""What encryption at rest costs the laptop (docs/agent.md, "Encryption at rest").

- unlocking: one scrypt run of the PIN at the default cost (2^17, r=8) and at the
  test suite's (2^10) — every `verivali-agent` command pays it once;
- `record_survey` into the SQLCipher store against the floor: the same JSON inserted
  in one fsync'd transaction into a plain SQLite file with the same pragmas;
- sealing and opening a 1.5 MB photo (AES-256-GCM), in MB/s.

    .venv/bin/python bench/agent_crypto.py [--surveys 300]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sync_agent import sealed, vault  # noqa: E402
from sync_agent.record import record_survey  # noqa: E402
from sync_agent.store import open_store  # noqa: E402


def unlock_ms(folder: Path, log2_n: int) -> float:
    os.environ[vault.SCRYPT_COST_ENV] = str(log2_n)
    home = folder / f"vault-{log2_n}"
    vault.create(home, "246810")
    started = time.perf_counter()
    for _ in range(3):
        vault.unlock(home, "246810")
    return (time.perf_counter() - started) / 3 * 1000


def household(n: int) -> dict[str, object]:
    return {"seq": n, "kind": "household", "household": {
        "household_id": f"1811012001-{n:06d}", "version": 1, "region_code": "1811012001",
        "address": "Dusun I", "members": [{"member_id": "m1", "nik": "1811014507800002",
                                          "name": "Siti Aminah", "sex": "F",
                                          "relationship": "head"}]}}


def encrypted_record_ms(folder: Path, count: int) -> tuple[list[float], list[str]]:
    os.environ["VERIVALI_AGENT_PIN"] = "246810"
    os.environ[vault.SCRYPT_COST_ENV] = "10"
    store = open_store(folder / "agent")
    with store.write():
        store.apply_pull_page([household(n) for n in range(count)], 1)
    latencies, bodies = [], []
    for n in range(count):
        started = time.perf_counter()
        survey = record_survey(store, household_id=f"1811012001-{n:06d}", outcome="refused")
        latencies.append((time.perf_counter() - started) * 1000)
        bodies.append(json.dumps(survey))
    store.close()
    return latencies, bodies


def plain_floor_ms(folder: Path, bodies: list[str]) -> list[float]:
    conn = sqlite3.connect(str(folder / "floor.db"), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE outbox (survey_id TEXT PRIMARY KEY, body TEXT)")
    latencies = []
    for n, body in enumerate(bodies):
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO outbox VALUES (?, ?)", [str(n), body])
        conn.execute("COMMIT")
        latencies.append((time.perf_counter() - started) * 1000)
    conn.close()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--surveys", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="verivali-crypto-bench-") as name:
        folder = Path(name)
        strong, cheap = unlock_ms(folder, 17), unlock_ms(folder, 10)
        print(f"unlock (scrypt of the PIN): {strong:.0f} ms at 2^17 (default), "
              f"{cheap:.1f} ms at 2^10 (tests); ratio {strong / cheap:.0f}x")
        encrypted, bodies = encrypted_record_ms(folder, args.surveys)
        floor = plain_floor_ms(folder, bodies)
        enc, raw = statistics.median(encrypted), statistics.median(floor)
        print(f"record_survey into SQLCipher, {args.surveys} visits: p50 {enc:.2f} ms; "
              f"floor (plain SQLite insert, same fsync) p50 {raw:.2f} ms; ratio {enc / raw:.1f}x")
        photo = os.urandom(1_500_000)
        key = os.urandom(32)
        started = time.perf_counter()
        for _ in range(20):
            sealed.open_sealed(key, sealed.seal(key, photo))
        seconds = (time.perf_counter() - started) / 20
        print(f"seal + open a 1.5 MB photo: {seconds * 1000:.1f} ms "
              f"({1.5 / seconds:.0f} MB/s both ways)")


if __name__ == "__main__":
    main()
