"""Surveys naming photos: stored with the survey, reconciled at once, read by who may see them."""

from __future__ import annotations

from tests.conftest import auth
from tests.factories import (
    OTHER_VILLAGE,
    VILLAGE,
    enumerator,
    household,
    jpeg,
    photo_entry,
    seed,
    survey,
)


def push(client, token, surveys):
    response = client.post("/api/v1/sync/push", json={"device_id": "dev-1", "surveys": surveys},
                           headers=auth(token))
    assert response.status_code == 200
    return response.json["results"]


def _survey_with_photos(engine, count=2):
    base = household()
    seed(engine, base)
    _, token = enumerator(engine, "budi", [base["household_id"]])
    item = survey(base)
    item["photos"] = [photo_entry(jpeg(seed=n), kind) for n, kind in
                      zip(range(count), ["house_front", "kk", "house_inside", "other"] * 2,
                          strict=False)]
    return base, token, item


def test_survey_with_photos_is_reconciled_on_arrival(client, engine):
    base, token, item = _survey_with_photos(engine)
    (result,) = push(client, token, [item])
    assert (result["status"], result["state"]) == ("accepted", "verified")
    view = client.get(f"/api/v1/households/{base['household_id']}", headers=auth(token)).json
    assert view["verification"]["state"] == "verified"
    assert view["verification"]["photos_pending"] == 2
    stored = client.get(f"/api/v1/surveys/{item['survey_id']}", headers=auth(token))
    assert stored.status_code == 200
    assert stored.headers["Cache-Control"].startswith("private")
    assert [p["received"] for p in stored.json["photos"]] == [False, False]
    assert [p["photo_id"] for p in stored.json["photos"]] == [p["photo_id"] for p in item["photos"]]
    again = push(client, token, [item])[0]
    assert again["status"] == "duplicate"


def test_survey_without_photos_keeps_its_shape(client, engine):
    base = household()
    seed(engine, base)
    _, token = enumerator(engine, "budi", [base["household_id"]])
    item = survey(base)
    push(client, token, [item])
    stored = client.get(f"/api/v1/surveys/{item['survey_id']}", headers=auth(token)).json
    assert "photos" not in stored
    assert stored == {**item, "observed": stored["observed"]}


def test_bad_photo_lists_are_rejected_by_field(client, engine):
    _, token, item = _survey_with_photos(engine, count=1)
    nine = dict(item, photos=[photo_entry(jpeg(seed=n)) for n in range(9)])
    twice = dict(item, photos=[item["photos"][0], item["photos"][0]])
    bad_kind = dict(item, photos=[{**item["photos"][0], "kind": "selfie"}])
    bad_hash = dict(item, photos=[{**item["photos"][0], "photo_id": "ABC"}])
    png = dict(item, photos=[{**item["photos"][0], "content_type": "image/png"}])
    results = push(client, token, [nine, twice, bad_kind, bad_hash, png])
    assert [r["status"] for r in results] == ["rejected"] * 5
    assert "photos" in results[0]["errors"]
    assert "photos.1.photo_id" in results[1]["errors"]
    assert "photos.0.kind" in results[2]["errors"]
    assert "photos.0.photo_id" in results[3]["errors"]
    assert "photos.0.content_type" in results[4]["errors"]


def test_who_may_read_a_survey_and_its_photo(client, engine, make_user):
    base, token, item = _survey_with_photos(engine, count=1)
    push(client, token, [item])
    photo_id = item["photos"][0]["photo_id"]
    _, other = enumerator(engine, "sari", [base["household_id"]])
    here = make_user("spv", "supervisor", [VILLAGE[:4]])
    away = make_user("spv2", "supervisor", [OTHER_VILLAGE])
    admin = make_user("adm", "admin")
    for who, status in ((token, 200), (here, 200), (admin, 200), (other, 403), (away, 403)):
        got = client.get(f"/api/v1/surveys/{item['survey_id']}", headers=auth(who))
        assert got.status_code == status
        photo = client.get(f"/api/v1/photos/{photo_id}", headers=auth(who))
        # Until its bytes arrive a visible photo is 404 "not received yet".
        assert photo.status_code == (404 if status == 200 else 403)
    assert client.get(f"/api/v1/photos/{photo_id}").status_code == 401
    assert client.get(f"/api/v1/surveys/{item['survey_id']}").status_code == 401
    assert client.get("/api/v1/photos/" + "0" * 64, headers=auth(admin)).status_code == 404
    assert client.get("/api/v1/photos/not-a-hash", headers=auth(admin)).status_code == 404
    assert client.get("/api/v1/surveys/nope", headers=auth(admin)).status_code == 404
