"""The server's disk fills during a photo upload: the agent keeps the photo and sends it later.

The real server process, its writes limited by the operating system: `RLIMIT_FSIZE` makes
every write past a few megabytes fail with `EFBIG` (SIGXFSZ ignored, so the write fails
instead of the process dying), the error a file-size limit or a full quota gives. The
photo (a 12-megapixel image kept at full size) crosses that limit; the survey, the
database and the first chunks do not. Then the server is started again without the limit
on the same data folder and port: the space is back.
"""

from __future__ import annotations

import random
import re
import resource
import signal
from pathlib import Path

import pytest
import requests
from PIL import Image

from tests.conftest import LiveServer, auth, free_port
from tests.factories import enumerator, household, seed
from tests.sync_agent.conftest import HOUSEHOLDS, photo_bytes, run_agent, status

LIMIT = 3 * 1024 * 1024  # bytes any one file of the server may reach


def _limited() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))


def _noise_photo(path: Path, width: int = 4096, height: int = 3072) -> Path:
    """A photo that does not compress: well over LIMIT even after re-encoding."""
    Image.frombytes("RGB", (width, height), random.Random(7).randbytes(width * height * 3)).save(
        path, "JPEG", quality=90)
    return path


@pytest.mark.skipif(not hasattr(resource, "RLIMIT_FSIZE"), reason="POSIX file-size limit")
def test_a_full_server_disk_keeps_the_photo_on_the_laptop_until_space_is_back(
        database_url, engine, tmp_path):
    seed(engine, household(HOUSEHOLDS[0]))
    _, token = enumerator(engine, "budi", HOUSEHOLDS[:1])
    blobs = tmp_path / "blobs"
    port = free_port()
    server = LiveServer(database_url, port, preexec_fn=_limited, blob_dir=str(blobs))
    home = tmp_path / "home"
    try:
        assert run_agent(home, "init", "--server", server.url, "--token", token,
                         "--name", "budi").returncode == 0
        assert run_agent(home, "pull").returncode == 0
        photo = _noise_photo(tmp_path / "front.jpg")
        recorded = run_agent(home, "record", "--household", HOUSEHOLDS[0], "--outcome", "found",
                             "--photo", f"house_front={photo}", "--photo-long-edge", "4096")
        assert recorded.returncode == 0, recorded.stderr
        (kept,) = sorted((home / "photos").glob("*.jpg"))
        photo_id = kept.stem
        data = photo_bytes(home, photo_id).getvalue()
        assert len(data) > LIMIT + 1024 * 1024

        full = run_agent(home, "sync")
        assert full.returncode != 0
        message = " ".join(full.stderr.split())
        assert "server's disk is full" in message, full.stderr
        assert "1 photo(s) stay sealed on this laptop" in message
        assert "1 acknowledged" in message
        assert photo_id not in message
        # The visit is safe on the server; the photo is not, and stays here, still sealed.
        now = status(home)
        assert now["acknowledged"] == 1 and now["pending"] == 0
        assert now["photos_waiting"] == 1
        assert photo_bytes(home, photo_id).getvalue() == data
        answer = requests.get(f"{server.url}/api/v1/photos/{photo_id}", headers=auth(token),
                              timeout=10)
        assert answer.status_code == 404
        blob_files = [p for p in blobs.rglob("*") if p.is_file() and "uploads" not in p.parts]
        assert blob_files == []  # nothing half-kept as a photo
        (part,) = (blobs / "uploads").glob("*.part")
        stood_at = part.stat().st_size
        assert 0 < stood_at < LIMIT  # whole chunks only, the one that failed cut away
        server.stop()

        server = LiveServer(database_url, port, blob_dir=str(blobs))  # the space is back
        again = run_agent(home, "sync")
        assert again.returncode == 0, again.stderr
        sent = re.search(r"uploaded 1 photo\(s\) \((\d+) bytes sent\)", again.stdout)
        assert sent, again.stdout
        assert int(sent.group(1)) == len(data) - stood_at  # resumed where it stood
        got = requests.get(f"{server.url}/api/v1/photos/{photo_id}", headers=auth(token),
                           timeout=10)
        assert got.status_code == 200 and got.content == data
        assert status(home)["photos_waiting"] == 0
        assert not kept.exists()  # let go only once the server confirmed it
    finally:
        server.stop()

