"""The pull feed over real HTTP: a laptop's first pull of 10,000 households, then nothing new.

One enumerator is assigned 10,000 households of the synthetic regency; a real
`verivali-server serve` answers on a loopback port. The first pull (no cursor) is paged
as the agent pages it; bytes are counted as they crossed the socket: the gzip body
(`response.raw`, undecoded) plus the status line and headers.

Targets (issue 3): first pull <= 3 s and <= 400 bytes per household with gzip; an
incremental pull with nothing new <= 1 KB.

    .venv/bin/python bench/pull_feed.py [--households 10000] [--limit 500 1000 5000]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

import requests
from push_ingest import add_enumerators, fresh_database, live_server, seed_households

from server.demo.data import generate_households


@dataclass
class Pull:
    """One pull from a cursor to the end of the feed, page by page."""

    seconds: float = 0.0
    pages: int = 0
    body_bytes: int = 0
    header_bytes: int = 0
    inflated_bytes: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    households: set[str] = field(default_factory=set)
    cursor: str | None = None

    @property
    def wire_bytes(self) -> int:
        return self.body_bytes + self.header_bytes


def _header_bytes(response: requests.Response) -> int:
    status = f"HTTP/1.1 {response.status_code} {response.reason}\r\n"
    lines = "".join(f"{name}: {value}\r\n" for name, value in response.raw.headers.items())
    return len(status) + len(lines) + 2


def pull_all(session: requests.Session, url: str, cursor: str | None, limit: int) -> Pull:
    result = Pull()
    started = time.perf_counter()
    while True:
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        response = session.get(url, params=params, stream=True, timeout=120)
        raw = response.raw.read(decode_content=False)
        response.close()
        if response.status_code != 200:
            raise RuntimeError(f"pull answered {response.status_code}: {raw[:300]!r}")
        body = gzip.decompress(raw) if response.headers.get("Content-Encoding") == "gzip" else raw
        page = json.loads(body)
        result.pages += 1
        result.body_bytes += len(raw)
        result.header_bytes += _header_bytes(response)
        result.inflated_bytes += len(body)
        for change in page["changes"]:
            result.kinds[change["kind"]] = result.kinds.get(change["kind"], 0) + 1
            if change["kind"] == "household":
                result.households.add(change["household"]["household_id"])
        cursor = page["cursor"]
        if not page["has_more"]:
            break
    result.seconds = time.perf_counter() - started
    result.cursor = cursor
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--limit", type=int, nargs="+", default=[500, 1000, 5000],
                        help="page sizes to try (the agent pulls 500 a page)")
    args = parser.parse_args()
    count = args.households

    with tempfile.TemporaryDirectory(prefix="verivali-bench-") as folder:
        database_url = fresh_database(folder)
        started = time.perf_counter()
        households = list(generate_households(count, faults=True))
        seed_households(database_url, households)
        (token,) = add_enumerators(database_url, [[h["household_id"] for h in households]])
        print(f"seeded {count:,} households assigned to one enumerator in "
              f"{time.perf_counter() - started:.1f} s")

        with live_server(database_url) as server:
            session = requests.Session()
            session.headers.update({"Authorization": f"Bearer {token}",
                                    "Accept-Encoding": "gzip"})
            url = server.url + "/api/v1/sync/pull"
            pull_all(session, url, None, 100)  # warm up: imports, caches, the first connection
            print(f"pull feed: {count:,} assigned households, loopback, gzip, "
                  f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
            last: Pull | None = None
            for limit in args.limit:
                server_cpu = server.cpu_seconds()
                first = pull_all(session, url, None, limit)
                if server_cpu is not None:
                    server_cpu = (server.cpu_seconds() or 0.0) - server_cpu
                missing = count - len(first.households)
                per_household = first.wire_bytes / count
                print(f"  first pull, {limit:>5} a page: {first.seconds:6.2f} s "
                      f"({'MET' if first.seconds <= 3 else 'MISSED'} <= 3 s), "
                      f"{first.pages} pages, {first.kinds}, "
                      f"{first.wire_bytes / 1e6:.2f} MB on the wire = {per_household:.0f} B a "
                      f"household ({'MET' if per_household <= 400 else 'MISSED'} <= 400 B; "
                      f"{first.inflated_bytes / count:,.0f} B inflated, "
                      f"gzip {first.inflated_bytes / first.body_bytes:.1f}x)"
                      + (f", {missing} households MISSING" if missing else "")
                      + (f"; server CPU {server_cpu:.2f} s" if server_cpu is not None else ""))
                last = first
            assert last is not None
            nothing = pull_all(session, url, last.cursor, args.limit[0])
            print(f"  incremental pull, nothing new: {nothing.wire_bytes} B on the wire "
                  f"({nothing.body_bytes} B body + {nothing.header_bytes} B headers; "
                  f"{'MET' if nothing.wire_bytes <= 1024 else 'MISSED'} <= 1 KB), "
                  f"{nothing.seconds * 1000:.0f} ms, {sum(nothing.kinds.values())} changes")


if __name__ == "__main__":
    main()
