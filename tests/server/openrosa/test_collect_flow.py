"""A phone from the form list to a reconciled survey, against the real server on loopback."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
import requests

from server.store import users as user_store
from server.store.db import transaction
from tests.conftest import auth
from tests.factories import enumerator, household, seed
from tests.server.openrosa.collect import Collect, NotOpenRosa, submission_xml

pytestmark = pytest.mark.slow


@pytest.fixture
def phone(live_server, engine):
    base = household()
    seed(engine, base)
    _, token = enumerator(engine, "budi", [base["household_id"]])
    return Collect(f"{live_server.url}/key/{token}"), base, token


def _form(phone: Collect):
    [form] = phone.form_list()
    assert form.form_id == "verifikasi_dtsen"
    return form


def test_form_list_form_and_manifest_as_collect_reads_them(phone):
    collect, base, _ = phone
    form = _form(collect)
    xml = collect.download(form.download_url)
    import hashlib
    assert hashlib.md5(xml).hexdigest() == form.md5
    media = collect.manifest(form.manifest_url)
    listed = {m.name: m for m in media}
    assert listed["households.csv"].entity_list
    assert listed["households.csv"].integrity_url
    rows = list(csv.DictReader(io.StringIO(
        collect.download(listed["households.csv"].download_url).decode())))
    assert [(r["name"], r["__version"]) for r in rows] == [(base["household_id"], "1")]
    assert "Siti Aminah" in rows[0]["label"]
    members = list(csv.DictReader(io.StringIO(
        collect.download(listed["members.csv"].download_url).decode())))
    assert [m["member_id"] for m in members] == ["m1", "m2"]
    again = {m.name: m.md5 for m in collect.manifest(form.manifest_url)}
    assert again["households.csv"] == listed["households.csv"].md5


def test_a_submission_becomes_a_reconciled_survey(phone, live_server):
    collect, base, token = phone
    form = _form(collect)
    instance = str(uuid.uuid4())

    def change(observed):
        observed["members"][0]["occupation"] = "petani"

    xml = submission_xml(base, instance, form.version, change=change, base_version=1,
                         trunk_version=1, branch_id=str(uuid.uuid4()))
    [answer] = collect.send(xml)
    assert answer.status_code == 201, answer.text
    assert answer.headers["Content-Type"].startswith("text/xml")
    assert "Kunjungan diterima" in answer.text
    flags = requests.get(f"{live_server.url}/api/v1/flags",
                         params={"household_id": base["household_id"]},
                         headers=auth(admin_token(live_server)), timeout=10).json()["flags"]
    assert [(f["rule"], f["path"], f["survey_id"]) for f in flags] == [
        ("FIELD_CHANGED", "members[m1].occupation", instance)]
    # The answer was lost: Collect sends the same POST again.
    [resent] = collect.send(xml)
    assert resent.status_code == 201
    other = submission_xml(base, instance, form.version, base_version=1)
    [clash] = collect.send(other)
    assert clash.status_code == 409
    assert "instanceID" in clash.text


def admin_token(live_server) -> str:
    from server.store.db import make_engine
    engine = make_engine(live_server.database_url)
    with transaction(engine) as conn:
        return user_store.create(conn, f"admin-{uuid.uuid4().hex[:6]}", "admin", [])


def test_every_answer_is_openrosa_and_a_bad_key_is_refused(live_server):
    collect = Collect(f"{live_server.url}/key/not-a-key")
    response = collect.request("GET", collect.server_url + "/formList")
    assert response.status_code == 403
    assert "dicabut" in response.text
    with pytest.raises(NotOpenRosa):
        collect.request("GET", live_server.url + "/api/v1/health")


def test_a_phone_key_never_reaches_the_log(app):
    from server.app import _path_for_log

    with app.test_request_context("/key/rahasia-sekali/submission"):
        assert _path_for_log() == "/key/…/submission"
    with app.test_request_context("/api/v1/health"):
        assert _path_for_log() == "/api/v1/health"
