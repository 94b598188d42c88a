"""Visit outcomes, new-household proposals, chains and reassignment, and rules run on push."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from server.store import assignments
from server.store.db import transaction
from tests.conftest import auth
from tests.factories import OTHER_VILLAGE, VILLAGE, enumerator, household, seed, survey


def family(number: int, village: str = VILLAGE, **extra: Any) -> dict[str, Any]:
    """A household whose members' NIKs no other family holds."""
    body = household(f"{village}-{number:06d}", region=village, **extra)
    for index, member in enumerate(body["members"]):
        member["nik"] = member["nik"][:12] + f"{number % 1000:03d}{index}"
    return body


def push(client, token: str, surveys: list[dict[str, Any]], device: str = "dev-1") -> list[dict]:
    response = client.post("/api/v1/sync/push", json={"device_id": device, "surveys": surveys},
                           headers=auth(token))
    assert response.status_code == 200, response.json
    return response.json["results"]


def rules(result: dict[str, Any]) -> dict[str, str | None]:
    return {flag["rule"]: flag["path"] for flag in result["flags"]}


def verification(client, token: str, household_id: str) -> str:
    view = client.get(f"/api/v1/households/{household_id}", headers=auth(token))
    assert view.status_code == 200, view.json
    return view.json["verification"]["state"]


@pytest.mark.parametrize("outcome", ["not_found", "moved"])
def test_not_found_and_moved(client, engine, outcome):
    enrolled, plain = family(1), family(2, programs=[])
    seed(engine, enrolled, plain)
    _, ani = enumerator(engine, "ani", [enrolled["household_id"], plain["household_id"]])
    first, second = push(client, ani, [survey(enrolled, outcome=outcome, seq=1),
                                       survey(plain, outcome=outcome, seq=2)])
    assert first["status"] == second["status"] == "accepted"
    # Enrolled in PKH and gone from the address: payments may go to nobody.
    assert rules(first) == {"HOUSEHOLD_NOT_FOUND": None, "DECEASED_RECEIVING_AID": None}
    assert rules(second) == {"HOUSEHOLD_NOT_FOUND": None}
    assert second["flags"][0]["field_value"] == outcome
    assert first["state"] == second["state"] == "flagged"
    assert verification(client, ani, enrolled["household_id"]) == "not_found"
    assert verification(client, ani, plain["household_id"]) == "not_found"


def test_refused_raises_nothing_and_leaves_verification(client, engine):
    base = family(1)
    seed(engine, base)
    _, ani = enumerator(engine, "ani", [base["household_id"]])
    (result,) = push(client, ani, [survey(base, outcome="refused")])
    assert result["status"] == "accepted"
    assert result["flags"] == []
    assert verification(client, ani, base["household_id"]) == "unverified"


def test_observed_is_refused_unless_found(client, engine):
    base = family(1)
    seed(engine, base)
    _, ani = enumerator(engine, "ani", [base["household_id"]])
    stray = survey(base, outcome="not_found")
    stray["observed"] = {k: v for k, v in base.items()}
    missing = survey(base)
    missing["observed"] = None
    results = push(client, ani, [stray, missing])
    assert [r["status"] for r in results] == ["rejected", "rejected"]
    assert "observed" in results[0]["errors"]
    assert "observed" in results[1]["errors"]
    assert verification(client, ani, base["household_id"]) == "unverified"


def proposal(village: str, *, seq: int = 1) -> dict[str, Any]:
    household_id = f"NEW-{uuid.uuid4()}"
    observed = family(900, village=village)
    observed["household_id"] = household_id
    observed["programs"] = []
    return {**survey(observed, base_version=None, seq=seq), "household_id": household_id}


def test_new_household_proposal_accepted_reaches_the_proposer(client, engine, make_user):
    base = family(1)
    seed(engine, base)
    _, ani = enumerator(engine, "ani", [base["household_id"]])
    _, cursor = pull_all(client, ani)
    item = proposal(VILLAGE)
    (result,) = push(client, ani, [item])
    assert result["status"] == "accepted"
    assert rules(result) == {"NEW_HOUSEHOLD": None}
    (flag,) = result["flags"]
    assert flag["field_value"]["household_id"] == item["household_id"]
    admin = make_user("root", "admin")
    new_id = item["household_id"]
    # Held as a proposal: not in the registry until someone accepts it.
    assert client.get(f"/api/v1/households/{new_id}", headers=auth(admin)).status_code == 404
    decided = client.post(f"/api/v1/flags/{flag['flag_id']}/resolve", json={"action": "accept"},
                          headers=auth(admin))
    assert decided.status_code == 200, decided.json
    history = client.get(f"/api/v1/households/{new_id}/history", headers=auth(admin)).json
    assert [(v["version"], v["source"], v["source_id"]) for v in history["versions"]] == [
        (1, "review", flag["flag_id"])]
    assert history["versions"][0]["household"]["members"] == item["observed"]["members"]
    changes, _ = pull_all(client, ani, cursor)
    pulled = [c["household"] for c in changes if c["kind"] == "household"]
    assert [(h["household_id"], h["version"]) for h in pulled] == [(new_id, 1)]
    assigned = [c["assignment"]["household_id"] for c in changes if c["kind"] == "assignment"]
    assert assigned == [new_id]
    # The same proposal sent again is the same survey: nothing new is stored.
    (again,) = push(client, ani, [item])
    assert again["status"] == "duplicate"


def test_proposal_outside_assigned_villages_is_rejected(client, engine):
    base = family(1)
    seed(engine, base)
    _, ani = enumerator(engine, "ani", [base["household_id"]])
    outside, inside = proposal(OTHER_VILLAGE, seq=1), proposal(VILLAGE, seq=2)
    rejected, accepted = push(client, ani, [outside, inside])
    assert rejected["status"] == "rejected"
    assert list(rejected["errors"]) == ["observed.region_code"]
    assert accepted["status"] == "accepted"
    not_new = proposal(VILLAGE, seq=3)
    not_new["household_id"] = not_new["observed"]["household_id"] = "1811012001-999999"
    (refused,) = push(client, ani, [not_new])
    assert refused["status"] == "rejected"
    assert "household_id" in refused["errors"]


def test_parent_from_another_household_is_rejected(client, engine):
    first, second = family(1), family(2)
    seed(engine, first, second)
    _, ani = enumerator(engine, "ani", [first["household_id"], second["household_id"]])
    parent = survey(first, seq=1)
    stranger = survey(second, seq=2, parent=parent["survey_id"])
    own_child = survey(first, seq=3, parent=parent["survey_id"])
    results = push(client, ani, [parent, stranger, own_child])
    assert [r["status"] for r in results] == ["accepted", "rejected", "accepted"]
    assert list(results[1]["errors"]) == ["parent_survey_id"]


def test_household_reassigned_after_the_visit_is_still_accepted(client, engine):
    base, other = family(1), family(2)
    seed(engine, base, other)
    ani_id, ani = enumerator(engine, "ani", [base["household_id"]])
    _, budi = enumerator(engine, "budi", [base["household_id"]])
    with transaction(engine) as conn:
        (assignment,) = assignments.for_enumerator(conn, ani_id)
        assignments.cancel(conn, assignment["assignment_id"])
    # Visited while it was still hers; synced after the reassignment.
    visited, never_hers = push(client, ani, [
        survey(base, change=lambda o: o.__setitem__("address", "Dusun VII")),
        survey(other, seq=2),
    ])
    assert visited["status"] == "accepted"
    assert rules(visited) == {"FIELD_CHANGED": "address"}
    assert never_hers["status"] == "rejected"
    assert list(never_hers["errors"]) == ["household_id"]
    # No longer hers to read, though: the household belongs to budi now.
    view = client.get(f"/api/v1/households/{base['household_id']}", headers=auth(ani))
    assert view.status_code == 403
    assert verification(client, budi, base["household_id"]) == "flagged"
    # Two more visits of it in one push (each stored on its own, in order): still hers.
    later = push(client, ani, [survey(base, seq=3), survey(base, seq=4)])
    assert [r["status"] for r in later] == ["accepted", "accepted"]


def test_deceased_head_of_an_enrolled_household(client, engine):
    enrolled, plain = family(1), family(2, programs=[])
    seed(engine, enrolled, plain)
    _, ani = enumerator(engine, "ani", [enrolled["household_id"], plain["household_id"]])

    def head_died(observed: dict[str, Any]) -> None:
        observed["members"][0]["status"] = "deceased"

    paid, unpaid = push(client, ani, [survey(enrolled, seq=1, change=head_died),
                                      survey(plain, seq=2, change=head_died)])
    assert rules(paid) == {"MEMBER_REMOVED": "members[m1].status",
                           "HEAD_MISSING": None,
                           "DECEASED_RECEIVING_AID": "members[m1].status"}
    aid = next(f for f in paid["flags"] if f["rule"] == "DECEASED_RECEIVING_AID")
    assert aid["severity"] == "error"
    assert rules(unpaid) == {"MEMBER_REMOVED": "members[m1].status", "HEAD_MISSING": None}


def test_two_heads(client, engine):
    base = family(1)
    seed(engine, base)
    _, ani = enumerator(engine, "ani", [base["household_id"]])

    def second_head(observed: dict[str, Any]) -> None:
        observed["members"][1]["relationship"] = "head"

    (result,) = push(client, ani, [survey(base, change=second_head)])
    assert rules(result) == {"FIELD_CHANGED": "members[m2].relationship", "HEAD_MISSING": None}
    head = next(f for f in result["flags"] if f["rule"] == "HEAD_MISSING")
    assert head["field_value"] == 2
    assert result["state"] == "flagged"


def test_nik_held_in_another_household(client, engine):
    first, second, third, fourth = family(1), family(2), family(3), family(4)
    head, child = first["members"]
    third["members"][1] = {**third["members"][1], "nik": child["nik"], "status": "moved_out"}
    seed(engine, first, second, third, fourth)
    visits = [second, third, fourth]
    _, ani = enumerator(engine, "ani", [h["household_id"] for h in visits])

    def add(member: dict[str, Any]):
        return lambda observed: observed["members"].append({**member, "member_id": "m3"})

    # `child`'s NIK is held in `first` and, moved out, in `third`: one holder, not two.
    counted, moved_aside, clean = push(client, ani, [
        survey(second, seq=1, change=add({**head, "relationship": "other_relative"})),
        survey(fourth, seq=2, change=add(child)),
        survey(third, seq=3),
    ])
    duplicate = next(f for f in counted["flags"] if f["rule"] == "NIK_DUPLICATE")
    assert duplicate["path"] == "members[m3].nik"
    assert duplicate["field_value"] == head["nik"]
    assert duplicate["other_value"] == [{"household_id": first["household_id"],
                                         "member_id": "m1"}]
    assert duplicate["severity"] == "error"
    other = next(f for f in moved_aside["flags"] if f["rule"] == "NIK_DUPLICATE")
    assert other["other_value"] == [{"household_id": first["household_id"], "member_id": "m2"}]
    assert "NIK_DUPLICATE" not in rules(clean)


def pull_all(client, token: str, cursor: str | None = None):
    changes: list[dict[str, Any]] = []
    for _ in range(100):
        query = {"limit": 500, **({"cursor": cursor} if cursor else {})}
        response = client.get("/api/v1/sync/pull", query_string=query, headers=auth(token))
        assert response.status_code == 200, response.json
        changes.extend(response.json["changes"])
        cursor = response.json["cursor"]
        if not response.json["has_more"]:
            return changes, cursor
    raise AssertionError("pull did not end")


def test_a_proposal_under_another_enumerators_new_id_is_rejected(client, engine):
    base = family(1)
    seed(engine, base)
    _, ani = enumerator(engine, "ani", [base["household_id"]])
    _, budi = enumerator(engine, "budi", [base["household_id"]])
    item = proposal(VILLAGE)
    (first,) = push(client, ani, [item])
    assert rules(first) == {"NEW_HOUSEHOLD": None}
    hijack = proposal(VILLAGE, seq=1)
    hijack["household_id"] = hijack["observed"]["household_id"] = item["household_id"]
    (refused, own) = push(client, budi, [hijack, proposal(VILLAGE, seq=2)], device="dev-2")
    assert refused["status"] == "rejected"
    assert list(refused["errors"]) == ["household_id"]
    assert own["status"] == "accepted" and rules(own) == {"NEW_HOUSEHOLD": None}
    # The proposer may still correct their own proposal.
    again = proposal(VILLAGE, seq=3)
    again["household_id"] = again["observed"]["household_id"] = item["household_id"]
    (corrected,) = push(client, ani, [again])
    assert corrected["status"] == "accepted"
