"""GET /flags and POST /flags/<id>/resolve: filters, paging, regions, decisions, audit."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import requests

from server.store import audit
from server.store.db import transaction
from tests.conftest import auth
from tests.factories import OTHER_VILLAGE, VILLAGE, enumerator, household, seed, survey


def family(number: int, village: str = VILLAGE) -> dict[str, Any]:
    """A household of its own: members' NIKs differ from every other family's."""
    body = household(f"{village}-{number:06d}", region=village)
    for index, member in enumerate(body["members"]):
        member["nik"] = member["nik"][:12] + f"{number % 1000:03d}{index}"
    return body


HERE = [family(i) for i in range(1, 4)]  # district 181101
THERE = [family(i, OTHER_VILLAGE) for i in range(4, 6)]  # district 181102


def occupation(value: str):
    return lambda observed: observed["members"][0].__setitem__("occupation", value)


def push(client, token: str, surveys: list[dict[str, Any]], device: str = "dev-1") -> list[dict]:
    response = client.post("/api/v1/sync/push", json={"device_id": device, "surveys": surveys},
                           headers=auth(token))
    assert response.status_code == 200, response.json
    results = response.json["results"]
    assert [r["status"] for r in results] == ["accepted"] * len(surveys), results
    return results


def list_flags(client, token: str, **params: Any) -> list[dict[str, Any]]:
    """Every flag the caller may see under these filters, following the cursor."""
    flags: list[dict[str, Any]] = []
    cursor = None
    for _ in range(200):  # a cursor that stops moving must fail the test, not hang it
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = client.get("/api/v1/flags", query_string=query, headers=auth(token))
        assert response.status_code == 200, response.json
        page = response.json
        flags.extend(page["flags"])
        if not page["has_more"]:
            return flags
        assert page["cursor"] != cursor
        cursor = page["cursor"]
    raise AssertionError("paging did not end")


def resolve(client, token: str, flag_id: str, action: str, note: str | None = None):
    return client.post(f"/api/v1/flags/{flag_id}/resolve", json={"action": action, "note": note},
                       headers=auth(token))


@pytest.fixture
def world(client, engine, make_user):
    """Households in two districts, flags of several rules on both, and the people."""
    seed(engine, *HERE, *THERE)
    _, ani = enumerator(engine, "ani", [h["household_id"] for h in HERE + THERE])
    changed = push(client, ani, [survey(h, seq=i, change=occupation("petani"))
                                 for i, h in enumerate(HERE + THERE, 1)])
    gone = push(client, ani, [survey(HERE[0], seq=10, outcome="not_found"),
                              survey(THERE[0], seq=11, outcome="moved")])
    flags = [f for result in changed + gone for f in result["flags"]]
    return {
        "ani": ani,
        "flags": flags,
        "here": make_user("sari", "supervisor", ["181101"]),
        "there": make_user("tono", "supervisor", ["181102"]),
        "admin": make_user("root", "admin"),
    }


def ids(flags: list[dict[str, Any]]) -> set[str]:
    return {f["flag_id"] for f in flags}


def test_filters_by_status_rule_region_and_household(client, world):
    admin, flags = world["admin"], world["flags"]
    everything = list_flags(client, admin)
    assert ids(everything) == ids(flags)
    assert {f["rule"] for f in everything} == {
        "FIELD_CHANGED", "HOUSEHOLD_NOT_FOUND", "DECEASED_RECEIVING_AID"}

    def expect(**params: Any):
        return list_flags(client, admin, **params)

    changed = [f for f in flags if f["rule"] == "FIELD_CHANGED"]
    assert ids(expect(rule="FIELD_CHANGED")) == ids(changed)
    there = [f for f in flags if f["household_id"].startswith(OTHER_VILLAGE)]
    assert there and ids(expect(region="181102")) == ids(there)
    assert ids(expect(region="18.11.02")) == ids(there)
    assert ids(expect(region=OTHER_VILLAGE, rule="HOUSEHOLD_NOT_FOUND")) == {
        f["flag_id"] for f in there if f["rule"] == "HOUSEHOLD_NOT_FOUND"}
    one = HERE[0]["household_id"]
    assert ids(expect(household_id=one)) == {f["flag_id"] for f in flags
                                             if f["household_id"] == one}
    rejected = changed[0]
    assert resolve(client, admin, rejected["flag_id"], "reject").status_code == 200
    assert [f["flag_id"] for f in expect(status="rejected")] == [rejected["flag_id"]]
    assert rejected["flag_id"] not in ids(expect(status="open"))
    assert expect(status="accepted") == []
    bad = client.get("/api/v1/flags", query_string={"rule": "NO_SUCH_RULE"}, headers=auth(admin))
    assert bad.status_code == 422
    assert "rule" in bad.json["error"]["details"]


def test_region_filter_takes_dotted_codes(client, world):
    """A village's dotted code is 13 characters: the filter must not refuse it by length."""
    admin, flags = world["admin"], world["flags"]
    there = ids([f for f in flags if f["household_id"].startswith(OTHER_VILLAGE)])
    assert there
    assert ids(list_flags(client, admin, region="18.11.02.2001")) == there
    assert ids(list_flags(client, admin, region=OTHER_VILLAGE)) == there
    assert ids(list_flags(client, admin, region="18")) == ids(flags)


@pytest.mark.parametrize("region", ["xx", "181", "18.1", "18110120011", "18.11.01.20"])
def test_region_filter_refuses_what_is_no_region(client, world, region):
    bad = client.get("/api/v1/flags", query_string={"region": region},
                     headers=auth(world["admin"]))
    assert bad.status_code == 422
    assert bad.json["error"]["code"] == "validation_error"
    assert list(bad.json["error"]["details"]) == ["region"]


def test_cursor_paging_has_no_repeats_or_gaps(client, engine, make_user):
    bases = [family(i) for i in range(1, 9)]
    seed(engine, *bases)
    _, ani = enumerator(engine, "ani", [b["household_id"] for b in bases])

    def three_changes(observed: dict[str, Any]) -> None:
        observed["address"] = "Dusun IX"
        observed["desil"] = 3
        observed["members"][1]["occupation"] = "buruh"

    # Three flags per survey share one created_at: page boundaries fall inside such ties.
    push(client, ani, [survey(b, seq=i, change=three_changes) for i, b in enumerate(bases, 1)])
    admin = make_user("root", "admin")
    whole = client.get("/api/v1/flags", query_string={"limit": 1000}, headers=auth(admin)).json
    assert not whole["has_more"] and len(whole["flags"]) == 24
    expected = [f["flag_id"] for f in whole["flags"]]
    assert expected == [f["flag_id"] for f in
                        sorted(whole["flags"], key=lambda f: (f["created_at"], f["flag_id"]))]
    for limit in (1, 4, 5, 23, 24):
        paged = list_flags(client, admin, limit=limit)
        assert [f["flag_id"] for f in paged] == expected, limit
    first = client.get("/api/v1/flags", query_string={"limit": 5}, headers=auth(admin)).json
    assert first["has_more"] and len(first["flags"]) == 5
    bad = client.get("/api/v1/flags", query_string={"cursor": "!!"}, headers=auth(admin))
    assert bad.status_code == 422


def test_supervisor_sees_and_decides_only_own_regions(client, world):
    here, there, flags = world["here"], world["there"], world["flags"]
    mine = list_flags(client, here, limit=2)
    assert mine and all(f["household_id"].startswith(VILLAGE) for f in mine)
    assert ids(mine) == {f["flag_id"] for f in flags if f["household_id"].startswith(VILLAGE)}
    assert list_flags(client, here, region="181102") == []
    assert list_flags(client, here, household_id=THERE[0]["household_id"]) == []
    theirs = [f for f in flags if f["household_id"].startswith(OTHER_VILLAGE)]
    refused = resolve(client, here, theirs[0]["flag_id"], "accept")
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == "forbidden"
    assert client.get(f"/api/v1/flags?household_id={THERE[0]['household_id']}",
                      headers=auth(world["admin"])).json["flags"][0]["status"] == "open"
    assert ids(list_flags(client, there)) == ids(theirs)
    assert resolve(client, there, theirs[0]["flag_id"], "reject").status_code == 200


def test_roles_and_unknown_flags(client, world):
    ani, admin = world["ani"], world["admin"]
    assert client.get("/api/v1/flags", headers=auth(ani)).status_code == 403
    assert resolve(client, ani, world["flags"][0]["flag_id"], "accept").status_code == 403
    assert client.get("/api/v1/flags").status_code == 401
    assert client.get("/api/v1/flags", headers=auth("vv_not_a_token")).status_code == 401
    missing = resolve(client, admin, "00000000-0000-4000-8000-000000000000", "accept")
    assert missing.status_code == 404
    assert missing.json["error"]["code"] == "not_found"
    assert resolve(client, admin, world["flags"][0]["flag_id"], "approve").status_code == 422


def test_accept_reject_revisit_and_the_audit_log(client, engine, world):
    here, ani = world["here"], world["ani"]
    by_household = {}
    for flag in world["flags"]:
        if flag["rule"] == "FIELD_CHANGED":
            by_household[flag["household_id"]] = flag
    accepted, rejected, revisited = (by_household[h["household_id"]] for h in HERE)
    _, cursor = pull_all(client, ani)

    answer = resolve(client, here, accepted["flag_id"], "accept", "sudah dicek")
    assert answer.status_code == 200
    flag = answer.json
    assert (flag["status"], flag["resolved_by"], flag["resolution_note"]) == (
        "accepted", "sari", "sudah dicek")
    assert flag["resolved_at"]
    history = client.get(f"/api/v1/households/{HERE[0]['household_id']}/history",
                         headers=auth(here)).json["versions"]
    assert [(v["version"], v["source"], v["source_id"]) for v in history] == [
        (1, "import", None), (2, "review", accepted["flag_id"])]
    assert history[1]["household"]["members"][0]["occupation"] == "petani"

    assert resolve(client, here, rejected["flag_id"], "reject", "salah ketik").json["status"] \
        == "rejected"
    view = client.get(f"/api/v1/households/{HERE[1]['household_id']}", headers=auth(here)).json
    assert view["version"] == 1
    assert view["members"][0]["occupation"] == "buruh tani"

    sent_back = resolve(client, here, revisited["flag_id"], "revisit", "foto KK kurang jelas")
    assert sent_back.status_code == 200
    assert sent_back.json["status"] == "revisit"
    assert resolve(client, here, revisited["flag_id"], "revisit").status_code == 409

    changes, _ = pull_all(client, ani, cursor)
    revisits = [c["assignment"] for c in changes if c["kind"] == "assignment"]
    assert revisits == [{"assignment_id": revisits[0]["assignment_id"],
                         "household_id": HERE[2]["household_id"], "status": "revisit",
                         "note": "foto KK kurang jelas"}]
    decided = {c["flag"]["flag_id"]: c["flag"]["status"] for c in changes if c["kind"] == "flag"}
    assert decided[accepted["flag_id"]] == "accepted"
    assert decided[rejected["flag_id"]] == "rejected"
    assert decided[revisited["flag_id"]] == "revisit"
    updated = [c["household"] for c in changes if c["kind"] == "household"]
    assert {(h["household_id"], h["version"]) for h in updated} >= {(HERE[0]["household_id"], 2)}

    for flag_id in (accepted["flag_id"], rejected["flag_id"]):
        for action in ("accept", "reject", "revisit"):
            again = resolve(client, here, flag_id, action)
            assert again.status_code == 409, (flag_id, action)
            assert again.json["error"]["code"] == "conflict"
    # A flag sent for a revisit is still undecided: it can be accepted afterwards.
    assert resolve(client, here, revisited["flag_id"], "accept").json["status"] == "accepted"

    with transaction(engine) as conn:
        rows = {flag_id: audit.for_target(conn, "flag", flag_id)
                for flag_id in (accepted["flag_id"], rejected["flag_id"], revisited["flag_id"])}
    assert [(r["action"], r["actor"], r["detail"]["note"]) for r in rows[accepted["flag_id"]]] \
        == [("flag.accept", "sari", "sudah dicek")]
    assert [(r["action"], r["detail"]["note"]) for r in rows[rejected["flag_id"]]] == [
        ("flag.reject", "salah ketik")]
    assert [r["action"] for r in rows[revisited["flag_id"]]] == ["flag.revisit", "flag.accept"]
    for entries in rows.values():
        for entry in entries:
            assert entry["at"] >= accepted["created_at"]
            assert entry["detail"]["rule"] == "FIELD_CHANGED"


def test_accepting_one_of_two_agreeing_observations_closes_the_other(client, engine, make_user):
    base = household()
    seed(engine, base)
    _, ani = enumerator(engine, "ani", [base["household_id"]])
    _, budi = enumerator(engine, "budi", [base["household_id"]])
    first = push(client, ani, [survey(base, change=occupation("petani"))], "dev-a")[0]
    second = push(client, budi, [survey(base, change=occupation(" Petani"))], "dev-b")[0]
    assert second["state"] == "flagged"  # agreement, not a conflict
    (kept,) = first["flags"]
    (other,) = second["flags"]
    assert (kept["rule"], other["rule"]) == ("FIELD_CHANGED", "FIELD_CHANGED")
    _, budi_cursor = pull_all(client, budi)
    admin = make_user("root", "admin")
    assert resolve(client, admin, kept["flag_id"], "accept").json["status"] == "accepted"
    statuses = {f["flag_id"]: f["status"] for f in list_flags(client, admin)}
    assert statuses == {kept["flag_id"]: "accepted", other["flag_id"]: "closed"}
    assert resolve(client, admin, other["flag_id"], "accept").status_code == 409
    changes, _ = pull_all(client, budi, budi_cursor)
    assert {"flag_id": other["flag_id"], "status": "closed"} in [
        {"flag_id": c["flag"]["flag_id"], "status": c["flag"]["status"]}
        for c in changes if c["kind"] == "flag"]
    view = client.get(f"/api/v1/households/{base['household_id']}", headers=auth(admin)).json
    assert view["verification"]["state"] == "verified"


def test_two_decisions_at_once_one_wins(live_server, engine, make_user):
    bases = [family(i) for i in range(1, 7)]
    seed(engine, *bases)
    _, ani = enumerator(engine, "ani", [b["household_id"] for b in bases])
    api = live_server.url + "/api/v1"
    pushed = requests.post(api + "/sync/push", headers=auth(ani), timeout=30, json={
        "device_id": "dev-1",
        "surveys": [survey(b, seq=i, change=occupation("petani")) for i, b in enumerate(bases, 1)],
    }).json()["results"]
    flag_ids = [r["flags"][0]["flag_id"] for r in pushed]
    tokens = [make_user("sari", "supervisor", ["1811"]), make_user("root", "admin")]
    sessions = []
    for token in tokens:
        session = requests.Session()
        session.headers.update(auth(token))
        sessions.append(session)
    for flag_id in flag_ids:
        codes = race(f"{api}/flags/{flag_id}/resolve", list(zip(sessions, ("accept", "reject"),
                                                                strict=True)))
        assert sorted(codes) == [200, 409], (flag_id, codes)
    with transaction(engine) as conn:
        for flag_id in flag_ids:
            assert len(audit.for_target(conn, "flag", flag_id)) == 1


def race(url: str, deciders: list[tuple[requests.Session, str]]) -> list[int]:
    """POST one decision per session at the same moment; the status codes answered."""
    gate = threading.Barrier(len(deciders))
    codes: list[int] = []

    def decide(session: requests.Session, action: str) -> None:
        gate.wait()
        codes.append(session.post(url, json={"action": action}, timeout=30).status_code)

    threads = [threading.Thread(target=decide, args=pair) for pair in deciders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return codes


def pull_all(client, token: str, cursor: str | None = None):
    changes: list[dict[str, Any]] = []
    while True:
        query = {"limit": 500, **({"cursor": cursor} if cursor else {})}
        response = client.get("/api/v1/sync/pull", query_string=query, headers=auth(token))
        assert response.status_code == 200, response.json
        changes.extend(response.json["changes"])
        cursor = response.json["cursor"]
        if not response.json["has_more"]:
            return changes, cursor
