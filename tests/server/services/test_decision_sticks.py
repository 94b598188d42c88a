"""A decision sticks against a later visit (docs/reconciliation.md, "A decision sticks").

Over real HTTP to a live server (push goes through the batch ingest) and through the
item-by-item ingest that bundles and single pushes use: a rejected discrepancy reported
again on the same values raises no new open flag and the visit counts as verified; a
changed value raises a new one; an accepted correction is no discrepancy any more.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from sqlalchemy import select

from server.services.ingest.single import ingest_survey
from server.services.review import resolve_flag
from server.store import users as user_store
from server.store.db import reading, transaction
from server.store.tables import flags
from tests.conftest import auth
from tests.factories import VILLAGE, enumerator, household, seed, survey

OCCUPATION = "members[m1].occupation"


def _occupation(value: str) -> Any:
    return lambda observed: observed["members"][0].__setitem__("occupation", value)


def _push(server: Any, token: str, item: dict[str, Any], device: str = "dev-1") -> dict[str, Any]:
    response = requests.post(f"{server.url}/api/v1/sync/push", headers=auth(token),
                             json={"device_id": device, "surveys": [item]}, timeout=30)
    assert response.status_code == 200, response.text
    (result,) = response.json()["results"]
    assert result["status"] == "accepted", result
    return result


def _resolve(server: Any, token: str, flag_id: str, action: str, note: str) -> None:
    response = requests.post(f"{server.url}/api/v1/flags/{flag_id}/resolve",
                             headers=auth(token), json={"action": action, "note": note},
                             timeout=30)
    assert response.status_code == 200, response.text


def _statuses(engine: Any, household_id: str) -> list[tuple[str, str]]:
    with reading(engine) as conn:
        rows = conn.execute(select(flags.c.rule, flags.c.status)
                            .where(flags.c.household_id == household_id)
                            .order_by(flags.c.created_at)).all()
    return [(r.rule, r.status) for r in rows]


def _verification(server: Any, token: str, household_id: str) -> dict[str, Any]:
    response = requests.get(f"{server.url}/api/v1/households/{household_id}",
                            headers=auth(token), timeout=30)
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def people(engine, make_user):
    base = household()
    seed(engine, base)
    _uid, enumerator_token = enumerator(engine, "budi", [base["household_id"]])
    return base, enumerator_token, make_user("sari", "supervisor", [VILLAGE])


def test_a_rejected_discrepancy_is_not_raised_again_on_the_same_value(
        live_server, engine, people):
    base, budi, sari = people
    first = _push(live_server, budi, survey(base, seq=1, change=_occupation("petani")))
    assert [f["path"] for f in first["flags"]] == [OCCUPATION]
    _resolve(live_server, sari, first["flags"][0]["flag_id"], "reject", "sudah dicek KK")

    # The same value (typed a little differently) from another laptop: nothing new.
    again = _push(live_server, budi, survey(base, seq=2, change=_occupation(" Petani ")),
                  device="dev-2")
    assert again["flags"] == []
    assert again["state"] == "verified"
    view = _verification(live_server, sari, base["household_id"])
    assert view["verification"] == {**view["verification"], "state": "verified",
                                    "survey_id": again["survey_id"]}
    assert view["version"] == 1
    assert _statuses(engine, base["household_id"]) == [("FIELD_CHANGED", "rejected")]

    # New evidence: another value raises a new open flag.
    changed = _push(live_server, budi, survey(base, seq=3, change=_occupation("pedagang")))
    assert changed["state"] == "flagged"
    assert [(f["path"], f["field_value"], f["status"]) for f in changed["flags"]] == [
        (OCCUPATION, "pedagang", "open")]
    assert _statuses(engine, base["household_id"]) == [
        ("FIELD_CHANGED", "rejected"), ("FIELD_CHANGED", "open")]


def test_an_accepted_correction_is_no_discrepancy_any_more(live_server, engine, people):
    base, budi, sari = people
    first = _push(live_server, budi, survey(base, seq=1, change=_occupation("petani")))
    _resolve(live_server, sari, first["flags"][0]["flag_id"], "accept", "sesuai KK baru")
    assert _verification(live_server, sari, base["household_id"])["version"] == 2

    # A laptop still on version 1 and one that pulled version 2 both see "petani".
    stale = _push(live_server, budi, survey(base, seq=2, change=_occupation("petani")),
                  device="dev-2")
    fresh = _push(live_server, budi, survey(base, base_version=2, seq=3,
                                             change=_occupation("petani")))
    assert (stale["state"], stale["flags"]) == ("verified", [])
    assert (fresh["state"], fresh["flags"]) == ("verified", [])
    # Back to the old value is a discrepancy against the corrected registry.
    back = _push(live_server, budi, survey(base, base_version=2, seq=4,
                                            change=_occupation("buruh tani")))
    assert [(f["registry_value"], f["field_value"]) for f in back["flags"]] == [
        ("petani", "buruh tani")]
    assert _statuses(engine, base["household_id"]) == [
        ("FIELD_CHANGED", "accepted"), ("FIELD_CHANGED", "open")]


def _ingest_one(engine: Any, token: str, item: dict[str, Any]) -> dict[str, Any]:
    """The item-by-item ingest, as `import-bundle` runs it."""
    with transaction(engine) as conn:
        user = user_store.by_token(conn, token)
        assert user is not None
        return ingest_survey(conn, user, "dev-1", item)


ADMIN = {"user_id": 0, "name": "admin", "role": "admin", "regions": []}


def test_item_by_item_ingest_keeps_data_quality_decisions_too(engine, people):
    base, budi, _sari = people

    def wrong_birth(observed: dict[str, Any]) -> None:
        observed["members"][0]["birth_date"] = "1980-07-06"  # the NIK says the 5th

    first = _ingest_one(engine, budi, survey(base, seq=1, change=wrong_birth))
    assert sorted(f["rule"] for f in first["flags"]) == ["FIELD_CHANGED", "NIK_MISMATCH"]
    with transaction(engine) as conn:
        for flag in first["flags"]:
            resolve_flag(conn, ADMIN, flag["flag_id"], "reject", "akta lahir dicek")
    again = _ingest_one(engine, budi, survey(base, seq=2, change=wrong_birth))
    assert (again["state"], again["flags"]) == ("verified", [])

    def other_birth(observed: dict[str, Any]) -> None:
        observed["members"][0]["birth_date"] = "1980-07-07"

    # A new birth date is new evidence for the birth date; the NIK finding is about the
    # NIK, which is unchanged, so it stays decided.
    changed = _ingest_one(engine, budi, survey(base, seq=3, change=other_birth))
    assert [f["rule"] for f in changed["flags"]] == ["FIELD_CHANGED"]
    assert changed["state"] == "flagged"

    def other_nik(observed: dict[str, Any]) -> None:
        wrong_birth(observed)
        observed["members"][0]["nik"] = "1811014507800003"

    new_nik = _ingest_one(engine, budi, survey(base, seq=4, change=other_nik))
    assert sorted((f["rule"], f["path"]) for f in new_nik["flags"]) == [
        ("FIELD_CHANGED", "members[m1].nik"), ("NIK_MISMATCH", "members[m1].nik")]


def test_each_visit_that_does_not_find_the_family_is_raised(engine, people):
    base, budi, _sari = people
    first = _ingest_one(engine, budi, survey(base, seq=1, outcome="not_found"))
    with transaction(engine) as conn:
        for flag in first["flags"]:
            resolve_flag(conn, ADMIN, flag["flag_id"], "reject", "keluarga ada")
    again = _ingest_one(engine, budi, survey(base, seq=2, outcome="not_found"))
    assert "HOUSEHOLD_NOT_FOUND" in [f["rule"] for f in again["flags"]]
