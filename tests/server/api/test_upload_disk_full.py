"""A full disk during a photo upload: 507, nothing half-kept, the same chunk taken later.

The disk filling is the operating system's answer (ENOSPC) to a write, raised where the
bytes are written; everything else is the real app through the Flask test client.
"""

from __future__ import annotations

import base64
import errno

import pytest

import server.store.blobs
import server.store.uploads
from tests.conftest import auth
from tests.factories import enumerator, household, jpeg, photo_entry, seed, survey

TUS = {"Tus-Resumable": "1.0.0"}


def _no_space(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.fixture
def upload(client, engine):
    base = household()
    seed(engine, base)
    _, token = enumerator(engine, "budi", [base["household_id"]])
    data = jpeg(320, 240, seed=5)
    item = survey(base)
    item["photos"] = [photo_entry(data)]
    client.post("/api/v1/sync/push", json={"device_id": "d", "surveys": [item]},
                headers=auth(token))
    photo_id = item["photos"][0]["photo_id"]
    meta = "photo_id " + base64.b64encode(photo_id.encode()).decode()
    created = client.post("/api/v1/uploads", headers={
        **TUS, **auth(token), "Upload-Length": str(len(data)), "Upload-Metadata": meta})
    assert created.status_code == 201
    return {"token": token, "data": data, "photo_id": photo_id, "base": base}


def _patch(client, upload, offset, chunk):
    return client.patch(f"/api/v1/uploads/{upload['photo_id']}", data=chunk, headers={
        **TUS, **auth(upload["token"]), "Upload-Offset": str(offset),
        "Content-Type": "application/offset+octet-stream"})


def _offset(client, upload):
    return int(client.head(f"/api/v1/uploads/{upload['photo_id']}",
                           headers={**TUS, **auth(upload["token"])}).headers["Upload-Offset"])


def _pending(client, upload):
    view = client.get(f"/api/v1/households/{upload['base']['household_id']}",
                      headers=auth(upload["token"])).json
    return view["verification"]["photos_pending"]


def test_disk_full_while_a_chunk_is_written(client, upload, monkeypatch):
    data = upload["data"]
    assert _patch(client, upload, 0, data[:1000]).status_code == 204
    monkeypatch.setattr(server.store.uploads.os, "fsync", _no_space)
    full = _patch(client, upload, 1000, data[1000:2000])
    monkeypatch.undo()
    assert full.status_code == 507
    assert full.json["error"]["code"] == "storage_full"
    assert int(full.headers["Retry-After"]) > 0
    assert _offset(client, upload) == 1000  # the failed chunk left nothing behind
    assert _patch(client, upload, 1000, data[1000:]).status_code == 204
    assert _pending(client, upload) == 0


def test_disk_full_while_the_whole_photo_is_kept(client, upload, monkeypatch, app):
    data = upload["data"]
    assert _patch(client, upload, 0, data[:1000]).status_code == 204
    # The finished upload is renamed into the blob store: no room for the new entry.
    monkeypatch.setattr(server.store.blobs.os, "replace", _no_space)
    full = _patch(client, upload, 1000, data[1000:])
    monkeypatch.undo()
    assert full.status_code == 507
    assert _offset(client, upload) == 1000  # the last chunk is asked again
    assert _pending(client, upload) == 1
    blobs = app.extensions["verivali_blobs"]
    assert not blobs.has(upload["photo_id"])
    assert not (blobs.root / "tmp").exists() or list((blobs.root / "tmp").iterdir()) == []
    assert _patch(client, upload, 1000, data[1000:]).status_code == 204
    assert _pending(client, upload) == 0
    got = client.get(f"/api/v1/photos/{upload['photo_id']}", headers=auth(upload["token"]))
    assert got.data == data
