"""USB bundles carry the photos of their visits; imported twice, nothing is stored twice."""

from __future__ import annotations

from pathlib import Path

import requests
from PIL import Image

from tests.conftest import auth, run_cli
from tests.sync_agent.conftest import HOUSEHOLDS, Field, one_line, status


def _blob_files(database_url: str) -> list[Path]:
    folder = Path(database_url.removeprefix("sqlite:///")).with_name("verivali-blobs")
    return sorted(p for p in folder.rglob("*")
                  if p.is_file() and p.relative_to(folder).parts[0] not in ("tmp", "uploads"))


def test_photos_travel_in_the_bundle_and_come_back_acknowledged(field: Field, tmp_path: Path):
    if not field.database_url.startswith("sqlite:///"):
        import pytest
        pytest.skip("the blob folder is found beside a SQLite file here")
    assert field.agent("pull").returncode == 0
    shots = []
    for n in range(2):
        shots.append(tmp_path / f"p{n}.jpg")
        Image.new("RGB", (800, 600), (40 * n, 90, 60)).save(shots[-1], "JPEG")
    survey_id = one_line(field.agent(
        "record", "--household", HOUSEHOLDS[0], "--outcome", "refused",
        "--photo", f"house_front={shots[0]}", "--photo", f"other={shots[1]}").stdout)
    bundle, ack = tmp_path / "visits.vvb", tmp_path / "ack.vvb"
    assert field.agent("export-bundle", str(bundle)).returncode == 0

    first = run_cli("import-bundle", str(bundle), "--ack", str(ack),
                    database_url=field.database_url)
    assert first.returncode == 0, first.stderr
    assert "photos 2 received, 0 refused" in first.stderr
    stored = _blob_files(field.database_url)
    assert len(stored) == 2
    again = run_cli("import-bundle", str(bundle), database_url=field.database_url)
    assert again.returncode == 0 and "1 duplicate" in again.stderr
    assert "photos 2 received" in again.stderr
    assert _blob_files(field.database_url) == stored  # nothing stored twice
    assert [p.stat().st_mtime_ns for p in _blob_files(field.database_url)] == \
        [p.stat().st_mtime_ns for p in stored]

    seen = requests.get(f"{field.url}/api/v1/surveys/{survey_id}", headers=auth(field.token),
                        timeout=10).json()
    assert all(p["received"] for p in seen["photos"])
    assert status(field.home)["photos_waiting"] == 2  # until the ack comes back
    applied = field.agent("import-ack", str(ack))
    assert applied.returncode == 0, applied.stderr
    assert "photos 2 received" in applied.stdout
    assert status(field.home)["photos_waiting"] == 0
    assert list((field.home / "photos").glob("*.jpg")) == []
