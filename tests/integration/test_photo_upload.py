"""Resumable photo uploads (tus 1.0) against a real server: resume, hash, rights, bad input."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest
import requests

from tests.conftest import LiveServer, auth
from tests.factories import enumerator, household, jpeg, photo_entry, seed, survey

TUS = {"Tus-Resumable": "1.0.0"}


@pytest.fixture
def field(live_server: LiveServer, engine: Any) -> dict[str, Any]:
    """An enumerator whose pushed survey names one photo (not yet sent), and its bytes."""
    base = household()
    seed(engine, base)
    _, token = enumerator(engine, "budi", [base["household_id"]])
    data = jpeg(640, 480, seed=3)
    item = survey(base)
    item["photos"] = [photo_entry(data)]
    api = live_server.url + "/api/v1"
    answer = requests.post(api + "/sync/push", json={"device_id": "d1", "surveys": [item]},
                           headers=auth(token), timeout=10)
    assert answer.json()["results"][0]["status"] == "accepted"
    return {"api": api, "url": live_server.url, "token": token, "data": data,
            "photo_id": item["photos"][0]["photo_id"], "survey": item, "base": base}


def create(field: dict[str, Any], photo_id: str | None = None, length: int | None = None,
           token: str | None = None) -> requests.Response:
    photo_id = photo_id or field["photo_id"]
    meta = "photo_id " + base64.b64encode(photo_id.encode()).decode()
    headers = {**TUS, **auth(token or field["token"]),
               "Upload-Length": str(len(field["data"]) if length is None else length),
               "Upload-Metadata": meta}
    return requests.post(field["api"] + "/uploads", headers=headers, timeout=10)


def patch(field: dict[str, Any], offset: int, chunk: bytes, checksum: bool = True,
          token: str | None = None, **extra: str) -> requests.Response:
    headers = {**TUS, **auth(token or field["token"]), "Upload-Offset": str(offset),
               "Content-Type": "application/offset+octet-stream", **extra}
    if checksum:
        digest = base64.b64encode(hashlib.sha256(chunk).digest()).decode()
        headers["Upload-Checksum"] = f"sha256 {digest}"
    return requests.patch(f"{field['api']}/uploads/{field['photo_id']}", data=chunk,
                          headers=headers, timeout=10)


def head(field: dict[str, Any]) -> requests.Response:
    return requests.head(f"{field['api']}/uploads/{field['photo_id']}",
                         headers={**TUS, **auth(field["token"])}, timeout=10)


def photo(field: dict[str, Any]) -> requests.Response:
    return requests.get(f"{field['api']}/photos/{field['photo_id']}",
                        headers=auth(field["token"]), timeout=10)


def test_options_say_what_the_server_speaks(field):
    answer = requests.options(field["api"] + "/uploads", timeout=10)
    assert answer.status_code == 204
    assert answer.headers["Tus-Version"] == "1.0.0"
    assert set(answer.headers["Tus-Extension"].split(",")) == {
        "creation", "creation-with-upload", "checksum"}
    assert answer.headers["Tus-Checksum-Algorithm"] == "sha256"


@pytest.mark.parametrize("cut_at", [0.0, 0.1, 0.5, 0.9, 0.999])
def test_an_upload_cut_part_way_resumes_where_it_stood(field, cut_at):
    data = field["data"]
    created = create(field)
    assert created.status_code == 201
    assert created.headers["Location"].endswith(f"/uploads/{field['photo_id']}")
    assert created.headers["Upload-Offset"] == "0"
    cut = int(len(data) * cut_at)
    if cut:
        assert patch(field, 0, data[:cut]).status_code == 204
    # The link dropped: the agent asks where the upload stands and sends only the rest.
    where = head(field)
    assert where.status_code == 200
    assert int(where.headers["Upload-Offset"]) == cut
    assert where.headers["Upload-Length"] == str(len(data))
    assert where.headers["Cache-Control"] == "no-store"
    assert photo(field).status_code == 404  # not whole yet: not received
    done = patch(field, cut, data[cut:])
    assert done.status_code == 204
    assert done.headers["Upload-Offset"] == str(len(data))
    got = photo(field)
    assert got.status_code == 200
    assert got.content == data
    assert got.headers["Content-Type"] == "image/jpeg"
    assert got.headers["Cache-Control"].startswith("private")
    stored = requests.get(f"{field['api']}/surveys/{field['survey']['survey_id']}",
                          headers=auth(field["token"]), timeout=10).json()
    assert stored["photos"][0]["received"] is True
    view = requests.get(f"{field['api']}/households/{field['base']['household_id']}",
                        headers=auth(field["token"]), timeout=10).json()
    assert view["verification"]["photos_pending"] == 0


def test_a_photo_already_here_answers_complete_at_once(field):
    data = field["data"]
    create(field)
    patch(field, 0, data)
    again = create(field)
    assert again.status_code == 201
    assert again.headers["Upload-Offset"] == str(len(data))  # nothing to resend
    assert head(field).headers["Upload-Offset"] == str(len(data))
    late = patch(field, 0, data[:10])
    assert late.status_code == 204 and late.headers["Upload-Offset"] == str(len(data))


def test_wrong_offset_is_409_and_says_where_the_upload_is(field):
    data = field["data"]
    create(field)
    patch(field, 0, data[:100])
    for offset in (0, 50, 200):
        answer = patch(field, offset, data[offset:offset + 10])
        assert answer.status_code == 409
        assert answer.headers["Upload-Offset"] == "100"
        assert answer.json()["error"]["code"] == "offset_mismatch"
    assert head(field).headers["Upload-Offset"] == "100"


def test_a_chunk_past_the_declared_length_is_refused_whole(field):
    data = field["data"]
    create(field)
    answer = patch(field, 0, data + b"\xff\xd9")
    assert answer.status_code == 413
    assert head(field).headers["Upload-Offset"] == "0"


def test_a_chunk_not_matching_its_checksum_is_not_kept(field):
    data = field["data"]
    create(field)
    wrong = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    answer = patch(field, 0, data[:500], checksum=False, **{"Upload-Checksum": f"sha256 {wrong}"})
    assert answer.status_code == 460
    assert answer.json()["error"]["code"] == "checksum_mismatch"
    assert head(field).headers["Upload-Offset"] == "0"
    other = patch(field, 0, data[:10], checksum=False, **{"Upload-Checksum": "md5 AAAA"})
    assert other.status_code == 400 and "Upload-Checksum" in other.json()["error"]["details"]


def test_bytes_not_matching_the_photo_id_are_thrown_away(field):
    data = bytearray(field["data"])
    data[len(data) // 2] ^= 0xFF  # the same length, one byte changed: not this photo
    create(field)
    answer = patch(field, 0, bytes(data))
    assert answer.status_code == 460
    assert "photo_id" in answer.json()["error"]["details"]
    assert head(field).headers["Upload-Offset"] == "0"  # start again, nothing half-kept
    assert photo(field).status_code == 404


def _survey_naming(field: dict[str, Any], data: bytes) -> dict[str, Any]:
    """A second pushed survey of the same household naming `data`."""
    item = survey(field["base"], seq=2)
    item["photos"] = [photo_entry(data)]
    requests.post(field["api"] + "/sync/push", json={"device_id": "d1", "surveys": [item]},
                  headers=auth(field["token"]), timeout=10).raise_for_status()
    return {**field, "data": data, "photo_id": item["photos"][0]["photo_id"]}


@pytest.mark.parametrize("bad", ["not an image", "truncated", "bomb"])
def test_what_is_not_a_whole_sane_jpeg_is_refused(field, bad):
    whole = jpeg(800, 600, seed=9)
    data = {"not an image": b"%PDF-1.4 not a photo at all" * 40,
            "truncated": whole[: len(whole) * 2 // 3],
            "bomb": _bomb()}[bad]
    upload = _survey_naming(field, data)
    assert create(upload).status_code == 201
    answer = patch(upload, 0, data)
    assert answer.status_code == 422, answer.text
    assert "photo" in answer.json()["error"]["details"]
    assert head(upload).headers["Upload-Offset"] == "0"
    assert photo(upload).status_code == 404


def _bomb() -> bytes:
    """A small JPEG declaring 12,000 × 12,000 pixels (144 MP): a decompression bomb."""
    import io

    from PIL import Image
    out = io.BytesIO()
    Image.new("L", (12_000, 12_000)).save(out, "JPEG", quality=1)
    return out.getvalue()


def test_only_the_enumerator_whose_survey_names_it_may_upload(field, engine, make_user):
    _, other = enumerator(engine, "sari", [field["base"]["household_id"]])
    supervisor = make_user("spv", "supervisor", ["1811"])
    assert create(field, token=other).status_code == 403
    assert create(field, token=supervisor).status_code == 403
    assert create(field, photo_id="0" * 64).status_code == 403  # named by no survey
    assert create(field, photo_id="../../etc").status_code == 403
    create(field)
    assert patch(field, 0, field["data"], token=other).status_code == 403
    assert head(field).headers["Upload-Offset"] == "0"
    no_token = requests.post(field["api"] + "/uploads", headers=TUS, timeout=10)
    assert no_token.status_code == 401


def test_malformed_tus_requests_get_clear_4xx(field):
    assert create(field, length=len(field["data"]) + 1).status_code == 422
    assert create(field, length=10**9).status_code == 413
    plain = requests.post(field["api"] + "/uploads", headers=auth(field["token"]), timeout=10)
    assert plain.status_code == 412 and plain.headers["Tus-Version"] == "1.0.0"
    create(field)
    json_type = patch(field, 0, b"abc", **{"Content-Type": "application/json"})
    assert json_type.status_code == 415
    no_offset = patch(field, 0, b"abc", **{"Upload-Offset": "-1"})
    assert no_offset.status_code == 400 and "Upload-Offset" in no_offset.json()["error"]["details"]
