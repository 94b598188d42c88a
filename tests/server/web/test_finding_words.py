"""Finding messages in the page's language: rebuilt from each rule's values when shown.

Every sentence each rule can write is raised here by the real rules, stored the way the
store keeps it, and read back: in Indonesian the same words as stored, in English none
of them.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from typing import Any

import pytest
from flask_babel import force_locale

from server.reconcile.draft import FlagDraft
from server.reconcile.engine import reconcile_survey, scan_household
from server.reconcile.merge import merge
from server.reconcile.rules import SEVERITY
from server.reconcile.rules.catalog import RULES
from server.reconcile.rules.context import RuleContext
from server.services.scan import scan_registry
from server.store import flags as flag_store
from server.store.db import transaction
from server.web.finding_words import finding_message
from tests.server.web import seed

TODAY = date(2026, 12, 1)
HID = "1811012001-000001"
NIK = "1811015007800001"  # a plausible NIK of a man born 10 July 1980
# Indonesian words a finding's English sentence must not carry.
INDONESIAN = re.compile(
    r"\b(tidak|dengan|keluarga|anggota|lapangan|berbeda|sudah|tanpa|kunjungan|tercatat|"
    r"dilaporkan|ditemukan|belum|sama|lebih|satu|meninggal|pindah|kosong|bukan|angka|kode|"
    r"batas|konflik|usulan|waktunya|penerima|kepala|jenis|kelamin|tanggal|lahir|sesuai|dan|"
    r"di|ada|daftar|nomor|wilayah|berubah|sejak|petugas)\b", re.IGNORECASE)


def _member(member_id: str, **extra: Any) -> dict[str, Any]:
    return {"member_id": member_id, "name": "Warga", "relationship": "child", "sex": "M",
            "birth_date": "1980-07-10", "nik": None, "status": "alive", **extra}


def _home(*members: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"household_id": HID, "region_code": "1811012001", "kk_number": "1811010101010001",
            "address": "Dusun I", "desil": 3, "programs": [],
            "members": list(members) or [_member("m1", relationship="head")], **extra}


def _checked(rule: str, household: dict[str, Any], **ctx: Any) -> list[FlagDraft]:
    return RULES[rule](household, RuleContext(as_of=TODAY, **ctx))


def _every_sentence() -> list[tuple[FlagDraft, str | None]]:
    """(draft, survey id or None) for every sentence a rule can write."""
    ctx = RuleContext(as_of=TODAY)
    head = _member("m1", relationship="head", occupation="petani")
    base = _home(head, _member("m2"))
    observed = _home({**head, "occupation": "nelayan"}, _member("m3"), address="Dusun II")
    drafts = merge(base, base, observed)  # FIELD_CHANGED ×2, MEMBER_ADDED, MEMBER_REMOVED
    drafts += merge(base, _home(head, _member("m2"), address="Dusun IX"), observed)[:1]
    drafts += merge(base, base, observed, [{"rule": "FIELD_CHANGED", "path": "address",
                                            "field_value": "Dusun VII", "status": "open"}])[:1]
    drafts += reconcile_survey({"outcome": "not_found", "base_version": 1}, base, base, [], ctx)
    drafts += reconcile_survey({"outcome": "moved", "base_version": 1}, base, base, [], ctx)
    drafts += reconcile_survey({"outcome": "found", "base_version": None,
                                "observed": _home()}, None, None, [], ctx)
    for nik in ("12345", "0011015007800001", "1811015013800001", "1811019907800001"):
        drafts += _checked("NIK_INVALID", _home(_member("m1", relationship="head", nik=nik)))
    for birth, sex in (("1980-07-11", "M"), ("1980-07-10", "F"), ("1981-07-10", "F")):
        drafts += _checked("NIK_MISMATCH", _home(_member("m1", relationship="head", nik=NIK,
                                                         birth_date=birth, sex=sex)))
    twins = _home(_member("m1", relationship="head", nik=NIK), _member("m2", nik=NIK))
    drafts += _checked("NIK_DUPLICATE", twins)[:1]
    elsewhere = _home(_member("m1", relationship="head", nik=NIK))
    drafts += _checked("NIK_DUPLICATE", elsewhere,
                       nik_holders=lambda nik: [("other-household", "x1")])
    drafts += _checked("NIK_DUPLICATE", twins,
                       nik_holders=lambda nik: [("other-household", "x1")])[:1]
    for kk in (None, "12", "0011010101010001"):
        drafts += _checked("KK_INVALID", _home(kk_number=kk))
    drafts += _checked("HEAD_MISSING", _home(_member("m1")))
    drafts += _checked("HEAD_MISSING", _home(_member("m1", relationship="head"),
                                             _member("m2", relationship="head")))
    aid = [{"program": "PKH", "since": "2015-01-01"}, {"program": "BPNT", "since": "2016-01-01"}]
    drafts += reconcile_survey({"outcome": "not_found", "base_version": 1}, base,
                               _home(head, programs=aid), [], ctx)[1:]
    drafts += _checked("DECEASED_RECEIVING_AID", _home(_member("m1", relationship="head",
                                                                status="deceased"),
                                                        _member("m2"), programs=aid))
    drafts += _checked("DECEASED_RECEIVING_AID", _home(_member("m1", status="deceased"),
                                                        programs=aid))
    drafts += _checked("GRADUATION_DUE", _home(programs=aid))
    drafts += _checked("GRADUATION_DUE", _home(programs=aid[:1]))
    drafts += _checked("INELIGIBLE_DESIL", _home(desil=5, programs=aid))
    drafts += _checked("INELIGIBLE_DESIL", _home(desil=7, programs=[
        *aid, {"program": "PBI_JK", "since": "2020-01-01"}]))
    drafts += _checked("REGION_UNKNOWN", _home(), known_village=lambda code: False)
    found = [(d, None) for d in drafts]
    # On a visit the rules' examined value is the field's (the engine swaps the sides).
    visit = reconcile_survey({"outcome": "found", "base_version": 1,
                              "observed": _home(_member("m1", relationship="head", nik="12"),
                                                kk_number=None)}, _home(), _home(), [], ctx)
    found += [(d, "s1") for d in visit if d.rule in ("NIK_INVALID", "KK_INVALID")]
    found += [(d, None) for d in scan_household(_home(programs=aid), ctx)]
    return found


SENTENCES = _every_sentence()


def _stored(draft: FlagDraft, survey_id: str | None) -> dict[str, Any]:
    return {**dataclasses.asdict(draft), "household_id": HID, "survey_id": survey_id,
            "created_at": f"{TODAY.isoformat()}T03:00:00+00:00"}


def test_every_rule_and_every_sentence_is_covered() -> None:
    assert {d.rule for d, _ in SENTENCES} == set(SEVERITY)
    assert len({d.message for d, _ in SENTENCES}) >= 30


@pytest.mark.parametrize(("draft", "survey_id"), SENTENCES,
                         ids=[f"{d.rule}:{d.message[:40]}" for d, _ in SENTENCES])
def test_indonesian_reads_as_stored_and_english_reads_english(app, draft, survey_id) -> None:
    flag = _stored(draft, survey_id)
    with app.test_request_context("/"):
        with force_locale("id"):
            assert finding_message(flag) == draft.message
        with force_locale("en"):
            english = finding_message(flag)
    assert english != draft.message
    assert not INDONESIAN.search(english), english


def test_a_flag_its_values_cannot_rebuild_keeps_its_stored_text(app) -> None:
    with app.test_request_context("/"), force_locale("en"):
        assert finding_message({"rule": "NIK_MISMATCH", "message": "Pesan lama."}) == "Pesan lama."
        assert finding_message({"rule": "HEAD_MISSING", "registry_value": None,
                                "message": "Pesan lama."}) == "Pesan lama."
        assert finding_message({"rule": "SOMETHING_NEW", "message": "Pesan lama."}) == \
            "Pesan lama."


def _open_rules(engine, household_id: str) -> dict[str, set[str]]:
    with transaction(engine) as conn:
        found = flag_store.open_for_household(conn, household_id)
    return {household_id: {f["rule"] for f in found}}


def test_household_page_and_dashboard_in_english(client, engine, world) -> None:
    """The same stored findings, read in both languages on the pages."""
    aid = [{"program": "PKH", "since": "2015-01-01"}]
    proposal = seed.make_household(engine, 7, seed.VILLAGE_A, programs=aid, desil=6)
    scan_registry(engine, TODAY)
    assert proposal["household_id"] in _open_rules(engine, proposal["household_id"])
    seed.signin(client, "sari")
    url = f"/keluarga/{world['a1']['household_id']}"
    indonesian = client.get(url).get_data(as_text=True)
    assert "Data lapangan berbeda dengan DTSEN: Alamat." in indonesian
    client.get("/bahasa/en")
    english = client.get(url).get_data(as_text=True)
    assert "Data lapangan berbeda dengan DTSEN" not in english
    assert "Field data differs from DTSEN: Address." in english
    dashboard = client.get("/dasbor?wilayah=181101").get_data(as_text=True)
    assert "Waktunya Graduasi:" not in dashboard and "Desil di atas batas" not in dashboard
    assert "Graduation due: PKH" in dashboard
    assert "Desil above the program cut-off: PKH (desil 1–4)." in dashboard
