"""The agent's photo uploader against the real server through a link that cuts and stalls."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from sync_agent.client import Client
from sync_agent.errors import Offline
from sync_agent.photo_upload import PhotoRefused, PhotoUploader
from tests.conftest import LiveServer, auth
from tests.factories import enumerator, household, photo_entry, seed, survey
from tests.slowlink import SlowLink


def noise_jpeg(width: int, height: int, seed: int = 4) -> bytes:
    """A JPEG that does not compress: about 1 byte a pixel at quality 95."""
    import io
    import random

    from PIL import Image
    noise = Image.frombytes("RGB", (width, height),
                            random.Random(seed).randbytes(width * height * 3))
    out = io.BytesIO()
    noise.save(out, "JPEG", quality=95)
    return out.getvalue()


@pytest.fixture
def named(live_server: LiveServer, engine: Any) -> dict[str, Any]:
    """A stored survey naming a ~100 KB photo not yet sent, and the enumerator's token."""
    base = household()
    seed(engine, base)
    _, token = enumerator(engine, "budi", [base["household_id"]])
    data = noise_jpeg(360, 240)
    item = survey(base)
    item["photos"] = [photo_entry(data)]
    requests.post(live_server.url + "/api/v1/sync/push",
                  json={"device_id": "d", "surveys": [item]}, headers=auth(token),
                  timeout=10).raise_for_status()
    return {"server": live_server, "token": token, "data": data,
            "photo_id": item["photos"][0]["photo_id"]}


def _client(url: str, token: str, **options: Any) -> Client:
    return Client(url, token, "d", retries=options.pop("retries", 8), backoff=0.01,
                  max_backoff=0.05, **options)


def _received(named: dict[str, Any]) -> bytes | None:
    got = requests.get(f"{named['server'].url}/api/v1/photos/{named['photo_id']}",
                       headers=auth(named["token"]), timeout=10)
    return got.content if got.status_code == 200 else None


# The first 32 KB travel in the creation (201, the connection kept); on loopback the chunk
# then grows past the rest, which follows on the same connection as one PATCH: cuts in
# the creation, in the middle and near the end of the ~100 KB, and three in a row.
@pytest.mark.parametrize("cuts", [[20_000], [60_000], [100_000], [3_000, 3_000, 3_000]])
def test_cut_uploads_resume_where_the_server_stands(named, cuts):
    data = named["data"]
    assert len(data) > 60_000
    with SlowLink(named["server"].port, cuts=list(cuts)) as link:
        client = _client(link.url, named["token"])
        sent = PhotoUploader(client).upload(named["photo_id"], data)
        client.close()
        assert link.traffic.cut == len([c for c in cuts if c is not None])
    assert _received(named) == data
    assert sent.retries >= link.traffic.cut
    # Each cut costs at most the chunk in flight, never the whole photo again.
    assert sent.bytes_sent < len(data) + len(cuts) * 70_000


def test_an_upload_of_a_photo_the_server_has_sends_nothing(named):
    client = _client(named["server"].url, named["token"])
    first = PhotoUploader(client).upload(named["photo_id"], named["data"])
    second = PhotoUploader(client).upload(named["photo_id"], named["data"], resume=True)
    assert first.bytes_sent == len(named["data"]) and not first.already_there
    assert second.bytes_sent == 0 and second.already_there
    # Not known to have been begun: the first chunk rides in the creation, and the
    # server answers complete without keeping anything twice.
    uploader = PhotoUploader(client)
    third = uploader.upload(named["photo_id"], named["data"])
    client.close()
    assert third.bytes_sent <= 32 * 1024 and third.already_there
    assert _received(named) == named["data"]


def test_a_photo_in_one_chunk_is_one_request(named):
    client = _client(named["server"].url, named["token"])
    methods: list[str] = []
    client.session.hooks["response"].append(lambda r, *_a, **_k: methods.append(r.request.method))
    sent = PhotoUploader(client, start_chunk=1024 * 1024).upload(named["photo_id"], named["data"])
    client.close()
    assert methods == ["POST"] and sent.chunks == 1
    assert sent.bytes_sent == len(named["data"]) and not sent.already_there
    assert _received(named) == named["data"]


def test_a_silent_link_is_offline_and_says_timed_out(named):
    with SlowLink(named["server"].port, stall_ratio=1.0, cut_range=(500, 500)) as link:
        client = _client(link.url, named["token"], retries=1, read_timeout=1.0)
        with pytest.raises(Offline, match="timed out"):
            PhotoUploader(client).upload(named["photo_id"], named["data"])
        client.close()
        assert link.traffic.stalled >= 1
    assert _received(named) is None


def test_another_enumerators_photo_is_refused(named, engine):
    _, other = enumerator(engine, "sari", [])
    client = _client(named["server"].url, other)
    with pytest.raises(PhotoRefused):
        PhotoUploader(client).upload(named["photo_id"], named["data"])
    client.close()


def test_an_answer_cut_inside_its_headers_is_a_cut_not_a_crash(named):
    """A cut a few bytes into the answer leaves a 201 or 204 without `Upload-Offset` (the
    HTTP client ends the headers at the end of the stream): retried, never a crash."""
    data = named["data"]
    client = _client(named["server"].url, named["token"])
    PhotoUploader(client).upload(named["photo_id"], data)
    client.close()
    # The photo is there: a creation without a body (resume) is one short exchange,
    # cut here at every 10 bytes of its answer, status line and headers included.
    with SlowLink(named["server"].port) as clean:
        client = _client(clean.url, named["token"])
        PhotoUploader(client).upload(named["photo_id"], data, resume=True)
        client.close()
        exchange = clean.traffic.up + clean.traffic.down
    retried = []
    for at in range(clean.traffic.up, exchange, 10):
        with SlowLink(named["server"].port, cuts=[at]) as link:
            client = _client(link.url, named["token"])
            sent = PhotoUploader(client).upload(named["photo_id"], data, resume=True)
            client.close()
            assert link.traffic.cut == 1
        assert sent.already_there
        retried.append(sent.retries >= 1)
    # A cut that takes only the answer's last header lines leaves what the client needs
    # (a valid answer, no retry: a few of these places at most); any earlier one must
    # be retried.
    assert retried.count(True) >= len(retried) - 3
    assert _received(named) == data
