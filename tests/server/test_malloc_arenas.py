"""`serve` caps glibc's malloc arenas (server/serving/malloc.py), unless told otherwise."""

from __future__ import annotations

import subprocess
import sys

import pytest

LINUX = sys.platform.startswith("linux")


def run(code: str, **env: str) -> str:
    import os

    environment = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**environment, **env}, check=True, timeout=60)
    return done.stdout.strip()


@pytest.mark.skipif(not LINUX, reason="glibc's mallopt")
def test_the_cap_is_taken_on_linux_and_left_to_the_environment_when_it_says() -> None:
    code = "from server.serving.malloc import cap_arenas; print(cap_arenas())"
    assert run(code) == "True"
    assert run(code, MALLOC_ARENA_MAX="4") == "False"

