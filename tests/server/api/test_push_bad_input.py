"""Bad values in one item of a push: that item is rejected with its path, the others stored.

And bodies no item can be read from (nested too deep, duplicate keys, bytes after the
gzip stream) are refused whole with 400 before anything is stored.
"""

from __future__ import annotations

import gzip
import json

import pytest

from tests.conftest import auth
from tests.factories import enumerator, household, seed, survey


def _set(path: str, value):
    def edit(item):
        target = item
        keys = path.split(".")
        for key in keys[:-1]:
            target = target[int(key)] if isinstance(target, list) else target[key]
        target[keys[-1]] = value
    return edit


def _post(client, token, body, **headers):
    text = json.dumps(body) if not isinstance(body, str | bytes) else body
    return client.post("/api/v1/sync/push", data=text, content_type="application/json",
                       headers={**auth(token), **headers})


BAD_VALUES = [
    ("device_seq", 2**63),
    ("device_seq", 10**30),
    ("base_version", 10**30),
    ("base_version", 2**63),
    ("notes", "\ud800"),
    ("notes", "di rumah\u0000"),
    ("notes", "bel\u0007"),
    ("observed.members.0.occupation", "petani\u0000"),
    ("observed.members.0.name", "Siti\udfff"),
    ("observed.members.0.name", "Siti\nAminah"),
    ("observed.address", "Dusun\u0000II"),
    ("observed.assets.land_m2", 10**30),
    ("observed.housing.floor_area_m2", 2**63),
]


@pytest.mark.parametrize(("path", "value"), BAD_VALUES, ids=[f"{p}={v!r}"[:60] for p, v in BAD_VALUES])
def test_one_bad_value_is_rejected_alone_with_its_path(client, engine, path, value):
    base = household()
    seed(engine, base)
    _, token = enumerator(engine, "budi", [base["household_id"]])
    first, bad, last = survey(base, seq=1), survey(base, seq=2), survey(base, seq=3)
    _set(path, value)(bad)
    response = _post(client, token, {"device_id": "dev-1", "surveys": [first, bad, last]})
    assert response.status_code == 200, response.get_data(as_text=True)
    results = response.json["results"]
    assert [r["status"] for r in results] == ["accepted", "rejected", "accepted"]
    assert path in results[1]["errors"], results[1]["errors"]
    again = _post(client, token, {"device_id": "dev-1", "surveys": [first, last]}).json
    assert [r["status"] for r in again["results"]] == ["duplicate", "duplicate"]  # both stored


def test_free_text_keeps_newlines_and_tabs(client, engine):
    base = household()
    seed(engine, base)
    _, token = enumerator(engine, "budi", [base["household_id"]])
    item = survey(base)
    item["notes"] = "Rumah kosong.\n\tTetangga: pindah ke Lampung.\r\n"
    result = _post(client, token, {"device_id": "dev-1", "surveys": [item]}).json["results"][0]
    assert result["status"] == "accepted", result


@pytest.mark.parametrize("device", ["dev\u00001", "dev\ud800", "dev\n1"])
def test_device_id_with_control_characters_is_refused(client, engine, device):
    _, token = enumerator(engine, "budi", [])
    response = _post(client, token, {"device_id": device, "surveys": []})
    assert response.status_code == 422
    assert "device_id" in response.json["error"]["details"]


def test_device_header_with_control_characters_is_refused(client, engine):
    _, token = enumerator(engine, "budi", [])
    response = client.get("/api/v1/sync/pull",
                          headers={**auth(token), "X-Verivali-Device": "dev\u00001"})
    assert response.status_code == 422
    assert "X-Verivali-Device" in response.json["error"]["details"]


@pytest.mark.parametrize("depth", [65, 5000, 100_000])
def test_deep_nesting_is_refused_before_parsing(client, engine, depth):
    _, token = enumerator(engine, "budi", [])
    item = "[" * depth + "]" * depth
    response = _post(client, token, '{"device_id": "d", "surveys": [' + item + "]}")
    assert response.status_code == 400
    assert response.json["error"]["code"] == "malformed_json"
    assert "64" in response.json["error"]["message"]
    unclosed = _post(client, token, "[" * depth)
    assert unclosed.status_code == 400


def test_nesting_and_brackets_inside_text_are_fine(client, engine):
    base = household()
    seed(engine, base)
    _, token = enumerator(engine, "budi", [base["household_id"]])
    item = survey(base)
    item["notes"] = "[" * 500 + '{"\\" ' + "}" * 3
    response = _post(client, token, {"device_id": "d", "surveys": [item]})
    assert response.status_code == 200
    assert response.json["results"][0]["status"] == "accepted"


def test_duplicate_keys_are_refused_naming_the_key(client, engine):
    base = household()
    seed(engine, base)
    _, token = enumerator(engine, "budi", [base["household_id"]])
    top = _post(client, token, '{"device_id": "a", "device_id": "b", "surveys": []}')
    assert top.status_code == 400
    assert top.json["error"]["code"] == "malformed_json"
    assert "device_id" in top.json["error"]["message"]
    item = json.dumps(survey(base))
    inner = item[:-1] + ', "outcome": "refused"}'
    nested = _post(client, token, '{"device_id": "a", "surveys": [' + item + ", " + inner + "]}")
    assert nested.status_code == 400
    assert "surveys.1.outcome" in nested.json["error"]["message"]
    assert "surveys.1.outcome" in nested.json["error"]["details"]
    assert _post(client, token, {"device_id": "a", "surveys": [survey(base)]}).status_code == 200


def test_bytes_after_the_gzip_stream_are_refused(client, engine):
    _, token = enumerator(engine, "budi", [])
    body = gzip.compress(json.dumps({"device_id": "d", "surveys": []}).encode())
    ok = _post(client, token, body, **{"Content-Encoding": "gzip"})
    assert ok.status_code == 200
    for tail in (b"junk", gzip.compress(b"{}")):
        refused = _post(client, token, body + tail, **{"Content-Encoding": "gzip"})
        assert refused.status_code == 400, tail
        assert refused.json["error"]["code"] == "malformed_json"
    cut = _post(client, token, body[:-6], **{"Content-Encoding": "gzip"})
    assert cut.status_code == 400


@pytest.mark.parametrize(("text", "deep"), [
    (b"[" * 64 + b"]" * 64, False),
    (b"[" * 65 + b"]" * 65, True),
    (b'["' + b"[" * 100 + b'"]', False),
    (b'["\\"' + b"[" * 100 + b'"]', False),
    (b'["\\\\"' + b"[" * 65 + b"]" * 65 + b"]", True),
    # closing brackets hidden in strings must not hide real depth
    ((b'[' * 60 + b'"' + b"]" * 60 + b'",') * 3 + b"0" + b"]" * 180, True),
    ((b'[' * 60 + b'"\\"' + b"]" * 60 + b'",') * 3 + b"0" + b"]" * 180, True),
])
def test_depth_counts_only_brackets_outside_strings(text, deep):
    from server.api.body import too_deep
    assert too_deep(text) is deep
