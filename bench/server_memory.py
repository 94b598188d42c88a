"""The serving processes' memory, read from /proc while a request runs.

A process's lifetime peak (VmHWM) includes every pull, push and page it served before,
so it says nothing about one export; sampling RSS every 20 ms while the export streams
does.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any


def status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (kB) of a process, from /proc."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem"):
            out[key] = int(value.split()[0])
    return out


def serving_pids(pid: int) -> list[int]:
    """The server process and its children (gunicorn's workers)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [pid, *(int(c) for c in children)]


def resting_mb(pids: list[int]) -> float:
    """RSS of the largest serving process now, in MB."""
    return max(status(p)["VmRSS"] for p in pids) / 1024


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


class Sampler(threading.Thread):
    """RSS of the largest serving process every 20 ms, with the time of each sample."""

    def __init__(self, pids: list[int]):
        super().__init__(daemon=True)
        self.pids = pids
        self.samples: list[tuple[float, dict[str, int]]] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            largest = max((status(p) for p in self.pids), key=lambda s: s["VmRSS"])
            self.samples.append((time.perf_counter(), largest))
            time.sleep(0.02)

    def __enter__(self) -> Sampler:
        self.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.done.set()
        self.join()

    @property
    def peak_mb(self) -> float:
        return max(s["VmRSS"] for _, s in self.samples) / 1024
