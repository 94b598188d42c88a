"""Push through the Flask test client: per-item results, idempotency, bad input."""

from __future__ import annotations

import gzip
import json

from tests.conftest import auth
from tests.factories import enumerator, household, seed, survey


def push(client, token, surveys, device="dev-1", **kw):
    return client.post(
        "/api/v1/sync/push", json={"device_id": device, "surveys": surveys},
        headers=auth(token), **kw,
    )


def test_unchanged_survey_is_verified(client, engine):
    base = household()
    seed(engine, base)
    _, token = enumerator(engine, "budi", [base["household_id"]])
    response = push(client, token, [survey(base)])
    assert response.status_code == 200
    (result,) = response.json["results"]
    assert result["status"] == "accepted"
    assert result["state"] == "verified"
    assert result["flags"] == []
    view = client.get(f"/api/v1/households/{base['household_id']}", headers=auth(token)).json
    assert view["verification"]["state"] == "verified"


def test_field_change_raises_flag_and_resend_is_duplicate(client, engine):
    base = household()
    seed(engine, base)
    _, token = enumerator(engine, "budi", [base["household_id"]])

    def change(observed):
        observed["members"][0]["occupation"] = "petani"

    item = survey(base, change=change)
    first = push(client, token, [item]).json["results"][0]
    assert first["state"] == "flagged"
    assert [f["rule"] for f in first["flags"]] == ["FIELD_CHANGED"]
    assert first["flags"][0]["path"] == "members[m1].occupation"
    again = push(client, token, [item]).json["results"][0]
    assert again["status"] == "duplicate"
    assert again["flags"] == first["flags"]
    item["notes"] = "lain"
    reused = push(client, token, [item]).json["results"][0]
    assert reused["status"] == "rejected"
    assert "survey_id" in reused["errors"]


def test_one_bad_item_spoils_nothing(client, engine):
    base = household()
    other = household("1811012001-000002")
    seed(engine, base, other)
    _, token = enumerator(engine, "budi", [base["household_id"]])
    bad = survey(base)
    bad["observed"]["members"][0]["nik"] = "123"
    not_mine = survey(other)
    no_offset = survey(base)
    no_offset["started_at"] = "2026-11-20T09:15:00"
    wrong_base = survey(base, base_version=7)
    good = survey(base)
    results = push(client, token, [bad, not_mine, no_offset, wrong_base, good]).json["results"]
    assert [r["status"] for r in results] == ["rejected"] * 4 + ["accepted"]
    assert "observed.members.0.nik" in results[0]["errors"]
    assert "household_id" in results[1]["errors"]
    assert "started_at" in results[2]["errors"]
    assert "base_version" in results[3]["errors"]


def test_bad_bodies_get_4xx_json(client, engine):
    _, token = enumerator(engine, "budi", [])
    headers = auth(token)
    malformed = client.post("/api/v1/sync/push", data="{nope", headers=headers,
                            content_type="application/json")
    assert malformed.status_code == 400
    assert malformed.json["error"]["code"] == "malformed_json"
    wrong_type = client.post("/api/v1/sync/push", data="x", headers=headers,
                             content_type="text/plain")
    assert wrong_type.status_code == 415
    extra = client.post("/api/v1/sync/push", json={"device_id": "d", "surveys": [], "x": 1},
                        headers=headers)
    assert extra.status_code == 422
    assert "x" in extra.json["error"]["details"]
    huge = client.post("/api/v1/sync/push", json={"device_id": "d", "surveys": [{}] * 10_000},
                       headers=headers)
    assert huge.status_code == 422
    assert "surveys" in huge.json["error"]["details"]


def test_gzip_body_and_gzip_bomb(client, engine, app):
    base = household()
    seed(engine, base)
    _, token = enumerator(engine, "budi", [base["household_id"]])
    body = gzip.compress(json.dumps({"device_id": "d", "surveys": [survey(base)]}).encode())
    ok = client.post("/api/v1/sync/push", data=body, content_type="application/json",
                     headers={**auth(token), "Content-Encoding": "gzip"})
    assert ok.status_code == 200
    assert ok.json["results"][0]["status"] == "accepted"
    bomb = gzip.compress(b"[" + b" " * (app.config["MAX_INFLATED_BYTES"] + 10) + b"]")
    assert len(bomb) < app.config["MAX_CONTENT_LENGTH"]
    refused = client.post("/api/v1/sync/push", data=bomb, content_type="application/json",
                          headers={**auth(token), "Content-Encoding": "gzip"})
    assert refused.status_code == 413
    assert refused.json["error"]["code"] == "payload_too_large"


def test_html_and_sql_text_stored_verbatim(client, engine):
    base = household()
    seed(engine, base)
    _, token = enumerator(engine, "budi", [base["household_id"]])
    nasty = "<script>alert(1)</script>'; DROP TABLE households; --"

    def change(observed):
        observed["address"] = nasty

    result = push(client, token, [survey(base, change=change)]).json["results"][0]
    assert result["flags"][0]["field_value"] == nasty
    view = client.get(f"/api/v1/households/{base['household_id']}", headers=auth(token))
    assert view.status_code == 200
