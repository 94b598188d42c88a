"""Submissions over the real server: photos in split POSTs, second visits, edits, bad input.

Each bad input gets its status and an OpenRosa message, and nothing of it is stored.
"""

from __future__ import annotations

import hashlib
import threading
import uuid

import pytest
import requests
from requests.auth import HTTPDigestAuth

from server.settings import blob_folder
from server.store import phones as phone_store
from server.store import photos as photo_store
from server.store import surveys as survey_store
from server.store import users as user_store
from server.store.blobs import BlobStore
from server.store.db import reading, transaction
from tests.factories import enumerator, household, jpeg, noisy_jpeg, seed
from tests.server.openrosa.collect import Collect, submission_xml

pytestmark = pytest.mark.slow

MB = 1024 * 1024


@pytest.fixture
def setup(live_server, engine):
    base = household()
    other = household("1811012001-000002")
    seed(engine, base, other)
    enumerator(engine, "budi", [base["household_id"]])
    with transaction(engine) as conn:
        token = user_store.rotate_token(conn, "budi")
    collect = Collect(f"{live_server.url}/key/{token}")
    [form] = collect.form_list()
    return collect, form.version, base, other


def stored(engine, survey_id: str) -> bool:
    with reading(engine) as conn:
        return survey_store.get(conn, survey_id) is not None


def test_photos_in_split_posts_land_in_the_blob_store(setup, engine, live_server):
    collect, version, base, _ = setup
    instance = str(uuid.uuid4())
    photos = {"front.jpg": noisy_jpeg(2200, 1), "inside.jpg": noisy_jpeg(2200, 2),
              "kk.jpg": jpeg(seed=3)}
    xml = submission_xml(base, instance, version, base_version=1, photos={
        "house_front": "front.jpg", "house_inside": "inside.jpg", "kk": "kk.jpg"})
    answers = collect.send(xml, photos)
    assert len(answers) == 2 and [a.status_code for a in answers] == [201, 201]
    with reading(engine) as conn:
        kept = photo_store.rows_of_survey(conn, instance)
    assert [(r["kind"], r["photo_id"], r["bytes"]) for r in kept] == [
        (kind, hashlib.sha256(photos[name]).hexdigest(), len(photos[name]))
        for kind, name in (("house_front", "front.jpg"), ("house_inside", "inside.jpg"),
                           ("kk", "kk.jpg"))]
    assert all(r["received_at"] for r in kept)
    blobs = BlobStore(blob_folder(live_server.blob_dir, live_server.database_url))
    assert all(blobs.has(r["photo_id"]) for r in kept)
    assert len(collect.send(xml, photos)) == 2  # a resend of both parts changes nothing
    with reading(engine) as conn:
        assert photo_store.rows_of_survey(conn, instance) == kept


def test_a_resend_racing_its_original_is_stored_once(setup, engine):
    collect, version, base, _ = setup
    instance = str(uuid.uuid4())
    xml = submission_xml(base, instance, version, base_version=1)
    answers: list[int] = []
    threads = [threading.Thread(target=lambda: answers.append(
        Collect(collect.server_url).send(xml)[0].status_code)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [201] * 4
    with reading(engine) as conn:
        assert survey_store.get(conn, instance) is not None
        assert phone_store.submission(conn, instance) is not None


def test_a_refused_submission_among_concurrent_ones_fails_none_of_them(setup, engine):
    collect, version, base, other = setup
    good = [str(uuid.uuid4()) for _ in range(5)]
    bad = str(uuid.uuid4())
    posts = [(i, submission_xml(base, i, version, base_version=1)) for i in good]
    posts.append((bad, submission_xml(other, bad, version, base_version=1)))
    answers: dict[str, int] = {}
    gate = threading.Barrier(len(posts))

    def send(instance: str, xml: bytes) -> None:
        phone = Collect(collect.server_url)
        phone.accepted_length()
        gate.wait()
        answers[instance] = phone.send(xml)[0].status_code

    threads = [threading.Thread(target=send, args=post) for post in posts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == {**{i: 201 for i in good}, bad: 403}
    assert all(stored(engine, i) for i in good) and not stored(engine, bad)
    with reading(engine) as conn:
        assert phone_store.submission(conn, bad) is None
        seqs = sorted(phone_store.submission(conn, i)["device_seq"] for i in good)
    assert seqs == [1, 2, 3, 4, 5]  # one phone's visits numbered once each


def test_a_second_visit_on_the_same_phone_replaces_the_first(setup, engine):
    collect, version, base, _ = setup
    branch = str(uuid.uuid4())
    first, second = str(uuid.uuid4()), str(uuid.uuid4())

    def moved_on(observed):
        observed["address"] = "Dusun III"

    [a] = collect.send(submission_xml(base, first, version, change=moved_on, base_version=1,
                                      trunk_version=1, branch_id=branch))
    [b] = collect.send(submission_xml(base, second, version, base_version=2, trunk_version=1,
                                      branch_id=branch))
    assert (a.status_code, b.status_code) == (201, 201)
    with reading(engine) as conn:
        child = survey_store.get(conn, second)
        parent = survey_store.get(conn, first)
    assert child is not None and parent is not None
    assert child["parent_survey_id"] == first and child["base_version"] == 1
    assert parent["state"] == "superseded"


def test_an_edited_form_replaces_the_old_one(setup, engine):
    collect, version, base, _ = setup
    old, new = str(uuid.uuid4()), str(uuid.uuid4())
    collect.send(submission_xml(base, old, version, base_version=1))
    [edit] = collect.send(submission_xml(base, new, version, base_version=1, deprecated_id=old))
    assert edit.status_code == 201
    with reading(engine) as conn:
        assert survey_store.get(conn, new)["parent_survey_id"] == old
        assert survey_store.get(conn, old)["state"] == "superseded"


def test_a_new_household_proposal(setup, engine):
    collect, version, base, _ = setup
    proposal = {**household(f"NEW-{uuid.uuid4()}"), "household_id": f"NEW-{uuid.uuid4()}"}
    instance = str(uuid.uuid4())
    [answer] = collect.send(submission_xml(proposal, instance, version, new=True))
    assert answer.status_code == 201, answer.text
    with reading(engine) as conn:
        survey = survey_store.get(conn, instance)
    assert survey is not None and survey["base_version"] is None


def test_an_old_form_version_is_kept_with_a_message(setup, engine):
    collect, _, base, _ = setup
    instance = str(uuid.uuid4())
    [answer] = collect.send(submission_xml(base, instance, "000000000000", base_version=1))
    assert answer.status_code == 201
    assert "formulir di ponsel sudah lama" in answer.text
    assert stored(engine, instance)


@pytest.mark.parametrize(("make", "status", "words"), [
    (lambda b, o, v, i: submission_xml(o, i, v, base_version=1), 403, "tidak pernah ditugaskan"),
    (lambda b, o, v, i: submission_xml(b, i, v, form_id="lain"), 400, "Bukan formulir"),
    (lambda b, o, v, i: b"<data id='verifikasi_dtsen'", 400, "Bukan XML"),
    (lambda b, o, v, i: submission_xml(b, i, v).replace(f"uuid:{i}".encode(), b""), 400,
     "instanceID"),
    (lambda b, o, v, i: submission_xml(
        b, i, v, base_version=1,
        change=lambda obs: obs["members"][0].update(nik="123")), 400,
     "observed.members.0.nik"),
])
def test_bad_submissions_are_refused_with_a_message(setup, engine, make, status, words):
    collect, version, base, other = setup
    instance = str(uuid.uuid4())
    [answer] = collect.send(make(base, other, version, instance))
    assert answer.status_code == status, answer.text
    assert words in answer.text
    assert answer.headers["Content-Type"].startswith("text/xml")
    assert not stored(engine, instance)


def test_an_attachment_the_form_does_not_name_stores_nothing(setup, engine):
    collect, version, base, _ = setup
    instance = str(uuid.uuid4())
    xml = submission_xml(base, instance, version, base_version=1, photos={"kk": "kk.jpg"})
    [answer] = collect.send(xml, {"kk.jpg": jpeg(), "lain.jpg": jpeg(seed=1)})
    assert answer.status_code == 400 and "lain.jpg" in answer.text
    assert not stored(engine, instance)
    with reading(engine) as conn:
        assert phone_store.submission(conn, instance) is None


def test_a_50_mb_body_is_refused(setup, engine):
    collect, version, base, _ = setup
    instance = str(uuid.uuid4())
    xml = submission_xml(base, instance, version, base_version=1, photos={"kk": "kk.jpg"})
    answer = collect.request("POST", collect.server_url + "/submission", files=[
        ("xml_submission_file", ("s.xml", xml, "text/xml")),
        ("kk.jpg", ("kk.jpg", b"x" * (50 * MB), "image/jpeg"))])
    assert answer.status_code == 413 and "terlalu besar" in answer.text
    assert not stored(engine, instance)


def test_a_revoked_key_is_refused(setup, engine):
    collect, version, base, _ = setup
    with transaction(engine) as conn:
        user_store.revoke(conn, "budi")
    answer = collect.request("GET", collect.server_url + "/formList")
    assert answer.status_code == 403 and "dicabut" in answer.text


def test_digest_sign_in_refuses_wrong_and_replayed_nonces(live_server, engine):
    base = household()
    seed(engine, base)
    enumerator(engine, "sari", [base["household_id"]])
    with transaction(engine) as conn:
        user_store.set_password(conn, "sari", "kata-sandi-panjang")
    url = f"{live_server.url}/openrosa"
    phone = Collect(url, HTTPDigestAuth("sari", "kata-sandi-panjang"))
    [form] = phone.form_list()
    assert form.download_url.startswith(url)
    wrong = Collect(url, HTTPDigestAuth("sari", "salah-salah-salah"))
    answer = wrong.request("GET", url + "/formList")
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Digest ")
    # A request replayed with the same nonce and count is refused, marked stale.
    first = phone.request("GET", url + "/formList")
    assert first.status_code == 200
    sent = first.request.headers["Authorization"]
    replay = requests.get(url + "/formList", timeout=10, headers={
        "Authorization": sent, "X-OpenRosa-Version": "1.0"})
    assert replay.status_code == 401
    assert "stale=true" in replay.headers["WWW-Authenticate"]
    made_up = sent.replace('nonce="', 'nonce="0')
    forged = requests.get(url + "/formList", timeout=10, headers={
        "Authorization": made_up, "X-OpenRosa-Version": "1.0"})
    assert forged.status_code == 401
