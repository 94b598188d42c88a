"""The household page and the decisions taken on it (through server.services.review)."""

from __future__ import annotations

import re
import uuid

from server.store import households as household_store
from server.store.db import reading
from server.store.tables import assignments, audit_log, flags
from tests.factories import survey as make_survey
from tests.server.web import seed


def _flag(world, path):
    return next(f for f in world["visit"]["flags"] if f["path"] == path)


def _page(client, household_id: str) -> str:
    response = client.get(f"/keluarga/{household_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_side_by_side_marks_each_differing_place(client, world):
    seed.signin(client, "sari")
    page = _page(client, world["a1"]["household_id"])
    differing = set(re.findall(r'<tr class="differs[^"]*" data-path="([^"]+)"', page))
    assert differing == {"address", "housing.floor", "members[m1].occupation"}
    assert "Dusun III RT 001" in page and "Dusun II RT 002 RW 001" in page
    assert "Semen" in page and "Tanah" in page  # floor labels, not codes
    assert "5 Juli 1980" in page  # birth date in Indonesian
    assert "Riwayat Versi" in page and "Riwayat Keputusan" in page


def test_accept_makes_a_new_registry_version(client, engine, world):
    seed.signin(client, "sari")
    household_id = world["a1"]["household_id"]
    flag = _flag(world, "members[m1].occupation")
    response = seed.post(client, f"/temuan/{flag['flag_id']}/putuskan",
                         {"action": "accept", "note": ""})
    assert response.status_code == 302
    page = _page(client, household_id)
    assert "Data DTSEN sekarang versi 2" in page
    assert 'id="registry-version">2<' in page
    with reading(engine) as conn:
        body, version = household_store.get_body(conn, household_id)
        trail = conn.execute(audit_log.select().where(audit_log.c.target_id == flag["flag_id"])).all()
    assert version == 2 and body["members"][0]["occupation"] == "petani"
    assert trail and trail[0].actor == "sari"
    assert 'data-version="2"' in page and "Keputusan supervisor" in page


def test_reject_needs_a_reason_and_keeps_the_registry(client, engine, world):
    seed.signin(client, "sari")
    flag = _flag(world, "housing.floor")
    url = f"/temuan/{flag['flag_id']}/putuskan"
    response = seed.post(client, url, {"action": "reject", "note": ""})
    assert response.status_code == 422
    assert "Tulis alasan" in response.get_data(as_text=True)
    response = seed.post(client, url, {"action": "reject", "note": "Lantai sudah disemen 2020"})
    assert response.status_code == 302
    with reading(engine) as conn:
        _body, version = household_store.get_body(conn, world["a1"]["household_id"])
    assert version == 1
    page = _page(client, world["a1"]["household_id"])
    assert "Lantai sudah disemen 2020" in page
    assert f'data-flag="{flag["flag_id"]}" data-status="rejected"' in page


def test_deciding_twice_says_so(client, world):
    seed.signin(client, "sari")
    flag = _flag(world, "address")
    url = f"/temuan/{flag['flag_id']}/putuskan"
    seed.post(client, url, {"action": "accept"})
    again = seed.post(client, url, {"action": "reject", "note": "salah"}, follow_redirects=True)
    assert "sudah diputuskan sebelumnya" in again.get_data(as_text=True)


def test_revisit_sends_the_household_back(client, engine, world):
    seed.signin(client, "sari")
    flag = _flag(world, "address")
    seed.post(client, f"/temuan/{flag['flag_id']}/putuskan",
              {"action": "revisit", "note": "Cek alamat dengan kepala dusun"})
    with reading(engine) as conn:
        rows = conn.execute(assignments.select().where(
            assignments.c.household_id == world["a1"]["household_id"])).all()
    assert [r.status for r in rows] == ["revisit"]


def test_accept_all_of_one_visit(client, engine, world):
    seed.signin(client, "sari")
    survey_id = world["visit"]["survey_id"]
    response = seed.post(client, f"/kunjungan/{survey_id}/terima-semua", {"note": "cocok"},
                         follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "temuan diterima" in text
    with reading(engine) as conn:
        body, version = household_store.get_body(conn, world["a1"]["household_id"])
    assert body["address"] == "Dusun III RT 001" and body["housing"]["floor"] == "cement"
    assert version >= 2


def test_other_region_household_is_refused_without_data(client, world):
    seed.signin(client, "sari")
    response = client.get(f"/keluarga/{world['b1']['household_id']}")
    assert response.status_code == 403
    text = response.get_data(as_text=True)
    assert "nelayan" not in text and world["b1"]["kk_number"] not in text
    assert client.get("/keluarga/tidak-ada").status_code == 404


def test_decision_on_other_region_flag_is_refused(client, engine, world):
    with reading(engine) as conn:
        other = conn.execute(flags.select().where(
            flags.c.household_id == world["b1"]["household_id"])).first()
    seed.signin(client, "sari")
    response = seed.post(client, f"/temuan/{other.flag_id}/putuskan", {"action": "accept"})
    assert response.status_code == 403
    with reading(engine) as conn:
        _body, version = household_store.get_body(conn, world["b1"]["household_id"])
    assert version == 1
    response = seed.post(client, f"/kunjungan/{other.survey_id}/terima-semua", {})
    assert response.status_code == 403
    assert seed.post(client, f"/temuan/{uuid.uuid4()}/putuskan", {"action": "accept"}).status_code == 404


def test_stored_html_is_escaped(client, engine, world):
    evil = '<script>alert("x")</script>'

    def change(observed):
        observed["members"][0]["occupation"] = evil
        observed["address"] = "<b>Dusun</b>"

    item = make_survey(world["a2"], change=change)
    item["notes"] = "<img src=x onerror=alert(1)>"
    from server.services.ingest.single import ingest_survey
    from server.store.db import transaction

    with transaction(engine) as conn:
        ingest_survey(conn, world["budi"], "dev-1", item)
    seed.signin(client, "sari")
    page = _page(client, world["a2"]["household_id"])
    assert evil not in page and "<img src=x" not in page and "<b>Dusun</b>" not in page
    assert "&lt;script&gt;" in page
    queue = client.get("/antrian").get_data(as_text=True)
    assert evil not in queue


def test_new_household_proposal_is_shown_and_accepted(client, engine, world):
    from server.services.ingest.single import ingest_survey
    from server.store.db import transaction
    from tests.factories import household

    proposal = household(f"NEW-{uuid.uuid4()}", region=seed.VILLAGE_A)
    proposal["kk_number"] = "1811010101170999"
    for i, member in enumerate(proposal["members"]):
        member["nik"] = f"18110145078{i:05d}"
    item = make_survey(proposal, base_version=None)
    with transaction(engine) as conn:
        result = ingest_survey(conn, world["budi"], "dev-1", item)
    assert result["status"] == "accepted", result
    seed.signin(client, "sari")
    page = _page(client, proposal["household_id"])
    assert "belum ada (usulan baru)" in page
    new_flag = next(f for f in result["flags"] if f["rule"] == "NEW_HOUSEHOLD")
    seed.post(client, f"/temuan/{new_flag['flag_id']}/putuskan", {"action": "accept"})
    page = _page(client, proposal["household_id"])
    assert 'id="registry-version">1<' in page
