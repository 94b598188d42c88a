"""The phones' use cases on a real database: the entity list's hash, Digest nonces."""

from __future__ import annotations

import csv
import hashlib
import io

import pytest

from server.services import phone_signin, phones
from server.store import assignments
from server.store import phones as phone_store
from server.store import users as user_store
from server.store.db import transaction
from tests.factories import enumerator, household, seed


def _csv(engine, user_id):
    listed, _ = phones.media_files(engine, user_id)
    return listed, list(csv.DictReader(io.StringIO(listed.text)))


def test_the_list_hash_moves_only_when_a_row_changes(engine, monkeypatch):
    base, other = household(), household("1811012001-000002")
    seed(engine, base, other)
    user_id, _ = enumerator(engine, "budi", [base["household_id"]])
    first, rows = _csv(engine, user_id)
    assert [r["name"] for r in rows] == [base["household_id"]]
    assert first.md5 == hashlib.md5(first.text.encode()).hexdigest()

    def no_rebuild(*_a, **_k):
        raise AssertionError("rebuilt an unchanged list")

    monkeypatch.setattr(phone_store, "listed_households", no_rebuild)
    assert _csv(engine, user_id)[0].md5 == first.md5
    monkeypatch.undo()
    seed(engine, {**base, "address": "Dusun III"})  # a new version of a listed household
    changed, rows = _csv(engine, user_id)
    assert changed.md5 != first.md5 and rows[0]["__version"] == "2"
    seed(engine, {**other, "address": "Dusun IV"})  # not on the list: same hash
    assert _csv(engine, user_id)[0].md5 == changed.md5


def test_a_revisit_note_reaches_the_list(engine):
    base = household()
    seed(engine, base)
    user_id, _ = enumerator(engine, "budi", [base["household_id"]])
    with transaction(engine) as conn:
        [assignment] = [a for a in assignments.for_enumerator(conn, user_id)]
        assignments.cancel(conn, assignment["assignment_id"])
    assert _csv(engine, user_id)[1] == []  # a cancelled assignment leaves the list
    with transaction(engine) as conn:
        assignments.assign_households(conn, user_id, [base["household_id"]],
                                      status="revisit", note="Cek NIK anak kedua")
    listed, rows = _csv(engine, user_id)
    assert rows[0]["revisit_note"] == "Cek NIK anak kedua"
    assert phones.integrity(engine, user_id, [base["household_id"], "gone"]) == [
        (base["household_id"], False), ("gone", True)]


def _answer(nonce: str, nc: str = "00000001", password: str = "kata-sandi-panjang",
            method: str = "GET", uri: str = "/openrosa/formList") -> dict[str, str]:
    ha1 = phone_store.digest_ha1("sari", password)
    ha2 = hashlib.md5(f"{method}:{uri}".encode()).hexdigest()
    response = hashlib.md5(f"{ha1}:{nonce}:{nc}:c0ffee:auth:{ha2}".encode()).hexdigest()
    return {"username": "sari", "realm": phone_signin.REALM, "nonce": nonce, "uri": uri,
            "response": response, "qop": "auth", "nc": nc, "cnonce": "c0ffee"}


@pytest.fixture
def sari(engine):
    enumerator(engine, "sari", [])
    with transaction(engine) as conn:
        user_store.set_password(conn, "sari", "kata-sandi-panjang")


def test_digest_nonces_expire_and_never_replay(engine, sari, monkeypatch):
    nonce = phone_signin.new_nonce(engine)
    user, stale = phone_signin.digest_user(engine, _answer(nonce), "GET")
    assert user is not None and user["name"] == "sari" and not stale
    assert phone_signin.digest_user(engine, _answer(nonce), "GET") == (None, True)
    assert phone_signin.digest_user(engine, _answer(nonce, "00000002"), "GET")[0] is not None
    assert phone_signin.digest_user(engine, _answer(nonce, "00000003", "salah"), "GET") == (
        None, False)
    assert phone_signin.digest_user(engine, _answer("made-up"), "GET") == (None, True)
    late = phone_signin.new_nonce(engine)
    now = phone_signin.time.time()
    monkeypatch.setattr(phone_signin.time, "time", lambda: now + phone_signin.NONCE_MAX_AGE + 1)
    assert phone_signin.digest_user(engine, _answer(late), "GET") == (None, True)


def test_the_served_form_speaks_english_second():
    form = phones.current_form()
    assert "Choose the household" in form.xml and "Pilih keluarga" in form.xml
    assert form.warnings == []
