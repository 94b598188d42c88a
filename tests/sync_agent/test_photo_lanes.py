"""Several photos at once on a fast link: none lost, none doubled, cuts still resumed."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path
from typing import Any

import pytest
import requests
from PIL import Image

from server.settings import blob_folder
from sync_agent import photo_files, sync
from sync_agent.client import Client
from sync_agent.home import read_token
from sync_agent.photo_lanes import PARALLEL_PHOTOS
from sync_agent.record import record_survey
from tests.conftest import auth
from tests.slowlink import SlowLink
from tests.sync_agent.conftest import HOUSEHOLDS, Field

PER_SURVEY = 8


def _photos(store: Any) -> list[str]:
    """8 distinct photos on each of the three households' visits; their ids."""
    ids: list[str] = []
    for n, household_id in enumerate(HOUSEHOLDS):
        survey = record_survey(store, household_id=household_id, outcome="refused", photos=[
            ("other", _grainy(100 + n * PER_SURVEY + k)) for k in range(PER_SURVEY)])
        ids += [p["photo_id"] for p in survey["photos"]]
    return ids


def _grainy(seed: int) -> bytes:
    """A distinct photo of about 100 KB once re-encoded: grain, as a camera's are."""
    image = Image.merge("RGB", [Image.effect_noise((900, 600), 30 + seed % 7)] * 3)
    image.putpixel((seed % 900, 0), (seed % 256, 0, 0))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)
    return out.getvalue()


def _client(field: Field, store: Any, url: str) -> Client:
    token = read_token(field.home, store.key)
    return Client(url, token, store.get("device_id") or "", retries=8, backoff=0.01,
                  max_backoff=0.05)


def _counting_twins(monkeypatch: pytest.MonkeyPatch) -> list[Client]:
    """Every twin connection the lanes open (the real method, counted)."""
    made: list[Client] = []
    real = Client.twin

    def twin(self: Client) -> Client:
        other = real(self)
        made.append(other)
        return other

    monkeypatch.setattr(Client, "twin", twin)
    return made


def _server_has_each_once(field: Field, blob_dir: Path, ids: list[str], store: Any) -> None:
    for photo_id in ids:
        got = requests.get(f"{field.url}/api/v1/photos/{photo_id}", headers=auth(field.token),
                           timeout=10)
        assert got.status_code == 200 and hashlib.sha256(got.content).hexdigest() == photo_id
    kept = [name for _, _, names in os.walk(blob_dir) for name in names
            if len(name) == 64 and name in ids]
    assert sorted(kept) == sorted(ids)  # each photo kept once, none left part-way
    assert not list((blob_dir / "uploads").glob("*.part"))
    assert photo_files.listed(field.home) == []  # every local copy let go, after confirming
    states = store.conn.execute("SELECT state, count(*) FROM photo_outbox GROUP BY state")
    assert dict(states.fetchall()) == {"uploaded": len(ids)}


def _blob_dir(live_server: Any) -> Path:
    return Path(blob_folder(live_server.blob_dir, live_server.database_url))


def test_photos_go_several_at_once_and_each_arrives_once(field: Field, live_server: Any,
                                                         monkeypatch: pytest.MonkeyPatch):
    assert field.agent("pull").returncode == 0
    twins = _counting_twins(monkeypatch)
    store = field.store()
    ids = _photos(store)
    client = _client(field, store, field.url)
    report = sync.run(store, client, "push")
    client.close()
    assert report.photos_uploaded == len(ids) and report.photos_refused == 0
    assert len(twins) == PARALLEL_PHOTOS - 1  # the lanes opened on this fast link
    sizes = store.conn.execute("SELECT sum(bytes) FROM photo_outbox").fetchone()[0]
    assert report.photo_bytes_sent == sizes  # no cut: every byte sent once
    _server_has_each_once(field, _blob_dir(live_server), ids, store)
    store.close()


# Connections after the first are cut at these byte counts: a twin lane cut in its
# creation, mid-photo and near a photo's end, then a lane's reconnection cut again.
@pytest.mark.parametrize("cuts", [[None, 5_000], [None, None, 60_000, 150_000],
                                  [None, 20_000, 20_000, 20_000]])
def test_cuts_while_several_go_at_once_lose_and_double_nothing(
        field: Field, live_server: Any, monkeypatch: pytest.MonkeyPatch, cuts: list[int | None]):
    assert field.agent("pull").returncode == 0
    twins = _counting_twins(monkeypatch)
    store = field.store()
    ids = _photos(store)
    with SlowLink(live_server.port, cuts=list(cuts)) as link:
        client = _client(field, store, link.url)
        report = sync.run(store, client, "push")
        client.close()
        assert link.traffic.cut == len([c for c in cuts if c is not None])
    assert twins  # the cuts fell while several photos were on their way
    assert report.photos_uploaded == len(ids) and report.retries >= link.traffic.cut
    _server_has_each_once(field, _blob_dir(live_server), ids, store)
    store.close()
