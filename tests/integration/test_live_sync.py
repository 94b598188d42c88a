"""Sync against a real server on a loopback port, over real HTTP."""

from __future__ import annotations

import threading

import requests

from server.store import users
from server.store.db import transaction
from tests.factories import enumerator, household, seed, survey


class Api:
    def __init__(self, base_url: str, token: str, device: str = "dev-1"):
        self.url = base_url + "/api/v1"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.device = device

    def push(self, surveys):
        response = self.session.post(
            self.url + "/sync/push", json={"device_id": self.device, "surveys": surveys}, timeout=30
        )
        assert response.status_code == 200, response.text
        return response.json()["results"]

    def pull_all(self, cursor=None, limit=1000):
        changes = []
        while True:
            params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
            response = self.session.get(self.url + "/sync/pull", params=params, timeout=30)
            assert response.status_code == 200, response.text
            page = response.json()
            changes.extend(page["changes"])
            cursor = page["cursor"]
            if not page["has_more"]:
                return changes, cursor


def supervisor(engine, name="sari", regions=("1811",)):
    with transaction(engine) as conn:
        return users.create(conn, name, "supervisor", list(regions))


def test_two_enumerators_same_and_different_fields(live_server, engine):
    base = household()
    seed(engine, base)
    _, token_a = enumerator(engine, "ani", [base["household_id"]])
    _, token_b = enumerator(engine, "budi", [base["household_id"]])
    a, b = Api(live_server.url, token_a, "dev-a"), Api(live_server.url, token_b, "dev-b")

    def occupation(value):
        return lambda o: o["members"][0].__setitem__("occupation", value)

    first = a.push([survey(base, change=occupation("petani"))])[0]
    assert first["state"] == "flagged"
    # The same place, the same value: agreement, not a conflict.
    agreeing = Api(live_server.url, token_b, "dev-c").push(
        [survey(base, change=occupation("PETANI "))]
    )[0]
    assert agreeing["state"] == "flagged"
    assert {f["rule"] for f in agreeing["flags"]} == {"FIELD_CHANGED"}
    # The same place, another value: a conflict naming the other observation.
    second = b.push([survey(base, change=occupation("pedagang"))])[0]
    assert second["state"] == "conflict"
    conflict = next(f for f in second["flags"] if f["rule"] == "CONFLICT")
    assert conflict["path"] == "members[m1].occupation"
    assert conflict["other_value"] == "petani"
    # A different place never conflicts.
    fourth = a.push([survey(base, seq=2, change=lambda o: o.__setitem__("desil", 3))])[0]
    assert {f["rule"] for f in fourth["flags"]} == {"FIELD_CHANGED"}


def test_chain_in_reverse_order(live_server, engine):
    base = household()
    seed(engine, base)
    _, token = enumerator(engine, "ani", [base["household_id"]])
    api = Api(live_server.url, token)
    parent = survey(base, seq=1, change=lambda o: o.__setitem__("address", "Dusun III"))
    child = survey(base, seq=2, parent=parent["survey_id"],
                   change=lambda o: o.__setitem__("address", "Dusun IV"))
    child_result = api.push([child])[0]
    assert child_result["state"] == "flagged"
    parent_result = api.push([parent])[0]
    assert parent_result["status"] == "accepted"
    assert parent_result["state"] == "superseded"
    assert parent_result["flags"] == []
    # In order: the parent's open flags become superseded, never a conflict.
    p2 = survey(base, seq=3, change=lambda o: o.__setitem__("desil", 5))
    c2 = survey(base, seq=4, parent=p2["survey_id"], change=lambda o: o.__setitem__("desil", 6))
    p2_result, c2_result = api.push([p2, c2])
    assert c2_result["state"] == "flagged"
    sup = Api(live_server.url, supervisor(engine))
    flags = sup.session.get(sup.url + "/flags", params={"household_id": base["household_id"]}).json()
    by_survey = {f["survey_id"]: f for f in flags["flags"] if f["path"] == "desil"}
    assert by_survey[p2["survey_id"]]["status"] == "superseded"
    assert by_survey[c2["survey_id"]]["status"] == "open"


def test_resent_batch_after_lost_answer_stores_nothing_twice(live_server, engine):
    bases = [household(f"1811012001-{i:06d}") for i in range(1, 21)]
    seed(engine, *bases)
    _, token = enumerator(engine, "ani", [b["household_id"] for b in bases])
    api = Api(live_server.url, token)
    batch = [survey(b, seq=i + 1) for i, b in enumerate(bases)]
    first = api.push(batch)
    again = api.push(batch)
    assert [r["status"] for r in first] == ["accepted"] * 20
    assert [r["status"] for r in again] == ["duplicate"] * 20
    assert [r["state"] for r in again] == [r["state"] for r in first]
    from sqlalchemy import func, select

    from server.store.tables import surveys

    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(surveys)).scalar() == 20


def test_resolve_then_next_pull_brings_new_version(live_server, engine):
    base = household()
    seed(engine, base)
    _, token = enumerator(engine, "ani", [base["household_id"]])
    api = Api(live_server.url, token)
    changes, cursor = api.pull_all()
    kinds = sorted(c["kind"] for c in changes)
    assert kinds == ["assignment", "household"]
    [pulled] = [c["household"] for c in changes if c["kind"] == "household"]
    assert pulled["household_id"] == base["household_id"] and pulled["version"] == 1
    result = api.push([survey(base, change=lambda o: o.__setitem__("address", "Dusun V"))])[0]
    flag = result["flags"][0]
    sup = Api(live_server.url, supervisor(engine))
    resolved = sup.session.post(sup.url + f"/flags/{flag['flag_id']}/resolve",
                                json={"action": "accept", "note": "cek lapangan"})
    assert resolved.status_code == 200
    assert resolved.json()["status"] == "accepted"
    twice = sup.session.post(sup.url + f"/flags/{flag['flag_id']}/resolve",
                             json={"action": "reject"})
    assert twice.status_code == 409
    changes, cursor2 = api.pull_all(cursor)
    households = [c["household"] for c in changes if c["kind"] == "household"]
    assert households and households[-1]["version"] == 2
    assert households[-1]["address"] == "Dusun V"
    flags = [c["flag"] for c in changes if c["kind"] == "flag"]
    assert any(f["flag_id"] == flag["flag_id"] and f["status"] == "accepted" for f in flags)
    history = sup.session.get(sup.url + f"/households/{base['household_id']}/history").json()
    assert [v["source"] for v in history["versions"]] == ["import", "review"]
    # Nothing new: a tiny answer.
    empty = api.session.get(api.url + "/sync/pull", params={"cursor": cursor2})
    assert empty.json()["changes"] == []
    assert len(empty.content) <= 1024


def test_unknown_cursor_is_410(live_server, engine):
    _, token = enumerator(engine, "ani", [])
    api = Api(live_server.url, token)
    for cursor in ("deadbeef.5", "garbage", "x.y"):
        response = api.session.get(api.url + "/sync/pull", params={"cursor": cursor})
        assert response.status_code == 410
        assert response.json()["error"]["code"] == "cursor_expired"


def test_paging_under_concurrent_writes_loses_nothing(live_server, engine):
    bases = [household(f"1811012001-{i:06d}") for i in range(1, 61)]
    seed(engine, *bases)
    _, token = enumerator(engine, "ani", [b["household_id"] for b in bases])
    api = Api(live_server.url, token)
    _, cursor = api.pull_all()
    sup = Api(live_server.url, supervisor(engine))
    pushed = api.push([survey(b, seq=i + 1, change=lambda o: o.__setitem__("desil", 9))
                       for i, b in enumerate(bases)])
    flag_ids = [r["flags"][0]["flag_id"] for r in pushed
                if r["flags"] and r["flags"][0]["rule"] == "FIELD_CHANGED"]
    assert len(flag_ids) == 60

    def resolve_all() -> None:
        for flag_id in flag_ids:
            sup.session.post(sup.url + f"/flags/{flag_id}/resolve", json={"action": "accept"})

    writer = threading.Thread(target=resolve_all)
    writer.start()
    seen: dict[str, int] = {}
    while writer.is_alive():
        changes, cursor = api.pull_all(cursor, limit=7)
        for change in changes:
            if change["kind"] == "household":
                seen[change["household"]["household_id"]] = change["household"]["version"]
    writer.join()
    changes, cursor = api.pull_all(cursor, limit=7)
    for change in changes:
        if change["kind"] == "household":
            seen[change["household"]["household_id"]] = change["household"]["version"]
    assert len(seen) == 60
    assert set(seen.values()) == {2}
