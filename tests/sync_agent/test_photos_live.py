"""Photos from `record --photo` to the server: re-encoded, kept durably, uploaded, then let go."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from PIL import Image

from tests.conftest import auth
from tests.sync_agent.conftest import (
    HOUSEHOLDS,
    Field,
    one_line,
    photo_bytes,
    raw_connection,
    status,
)


def camera_photo(path: Path, width: int = 4000, height: int = 3000, seed: int = 0) -> Path:
    """A phone-like JPEG: large, rotated by EXIF (orientation 6), with a GPS position."""
    image = Image.new("RGB", (width, height), (90 + seed, 140, 60))
    image.paste((200, 30, 30), (0, 0, width // 4, height // 8))  # a red mark top-left
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to view
    exif[0x8825] = {1: "S", 2: (3.0, 54.0, 36.0), 3: "E", 4: (105.0, 21.0, 36.0)}
    exif[0x010F] = "PhoneMaker"
    image.save(path, "JPEG", quality=92, exif=exif)
    return path


def local_photos(home: Path) -> list[Path]:
    return sorted((home / "photos").glob("*.jpg"))


def test_record_reencodes_and_sync_uploads_then_deletes(field: Field, tmp_path: Path) -> None:
    assert field.agent("pull").returncode == 0
    front = camera_photo(tmp_path / "front.jpg")
    card = camera_photo(tmp_path / "kk.jpg", 1200, 900, seed=1)
    done = field.agent("record", "--household", HOUSEHOLDS[0], "--outcome", "refused",
                       "--photo", f"house_front={front}", "--photo", f"kk={card}")
    assert done.returncode == 0, done.stderr
    survey_id = one_line(done.stdout)
    kept = local_photos(field.home)
    assert len(kept) == 2
    for path in kept:
        with Image.open(photo_bytes(field.home, path.stem)) as image:
            assert max(image.size) <= 1600
            assert not image.getexif()  # no orientation, no GPS, no maker
    with Image.open(photo_bytes(field.home, max(kept, key=lambda p: p.stat().st_size).stem)) as big:
        assert big.size == (1200, 1600)  # turned upright, then shrunk
    waiting = status(field.home)
    assert waiting["photos_waiting"] == 2
    assert waiting["photos_waiting_bytes"] == sum(
        len(photo_bytes(field.home, p.stem).getvalue()) for p in kept)
    text = field.agent("status").stdout
    assert "2 waiting to upload" in text
    originals = {p.stem: photo_bytes(field.home, p.stem).getvalue() for p in kept}

    synced = field.agent("sync")
    assert synced.returncode == 0, synced.stderr
    assert "uploaded 2 photo(s)" in synced.stdout
    assert local_photos(field.home) == []
    assert status(field.home)["photos_waiting"] == 0
    stored = requests.get(f"{field.url}/api/v1/surveys/{survey_id}", headers=auth(field.token),
                          timeout=10).json()
    assert [p["kind"] for p in stored["photos"]] == ["house_front", "kk"]
    assert all(p["received"] for p in stored["photos"])
    for photo_id, data in originals.items():
        got = requests.get(f"{field.url}/api/v1/photos/{photo_id}", headers=auth(field.token),
                           timeout=10)
        assert got.status_code == 200 and got.content == data
    again = field.agent("sync")
    assert again.returncode == 0 and "photo" not in again.stdout


def _bomb(path: Path) -> Path:
    Image.new("L", (12_000, 12_000)).save(path, "JPEG", quality=1)
    return path


@pytest.mark.parametrize("bad", ["not an image", "truncated", "bomb", "nine", "kind", "missing"])
def test_bad_photos_are_refused_and_nothing_is_stored(field: Field, tmp_path: Path, bad: str):
    assert field.agent("pull").returncode == 0
    good = camera_photo(tmp_path / "good.jpg", 400, 300)
    whole = good.read_bytes()
    (tmp_path / "text.jpg").write_text("not a photo", encoding="utf-8")
    (tmp_path / "cut.jpg").write_bytes(whole[: len(whole) // 2])
    args = {
        "not an image": ["--photo", f"other={tmp_path / 'text.jpg'}"],
        "truncated": ["--photo", f"other={tmp_path / 'cut.jpg'}"],
        "bomb": ["--photo", f"other={_bomb(tmp_path / 'bomb.jpg')}"],
        "nine": [a for n in range(9) for a in
                 ("--photo", f"other={camera_photo(tmp_path / f'p{n}.jpg', 64, 48, seed=n)}")],
        "kind": ["--photo", f"selfie={good}"],
        "missing": ["--photo", f"kk={tmp_path / 'nowhere.jpg'}"],
    }[bad]
    done = field.agent("record", "--household", HOUSEHOLDS[0], "--outcome", "refused", *args)
    assert done.returncode != 0
    line = one_line(done.stderr.splitlines()[-1])
    assert "photo" in line.lower()
    assert status(field.home)["pending"] == 0
    assert local_photos(field.home) == []
    conn = raw_connection(field.home)
    try:
        assert conn.execute("SELECT count(*) FROM photo_outbox").fetchone()[0] == 0
    finally:
        conn.close()


def test_a_survey_without_photos_sends_no_photos_key(field: Field) -> None:
    assert field.agent("pull").returncode == 0
    done = field.agent("record", "--household", HOUSEHOLDS[1], "--outcome", "moved")
    survey_id = one_line(done.stdout)
    store = field.store()
    try:
        assert "photos" not in store.survey(survey_id)["body"]
    finally:
        store.close()
