"""Undoing a refused entry of a village's list (server.reconcile.usulan): pure."""

from __future__ import annotations

from typing import Any

from server.reconcile import usulan
from tests.factories import household


def _flag(rule: str, path: str, before: Any, after: Any, at: str) -> dict[str, Any]:
    return {"flag_id": f"{rule}-{path}-{at}", "rule": rule, "path": path,
            "registry_value": before, "field_value": after, "resolved_at": at}


def _accepted() -> dict[str, Any]:
    """The registry after accepting a floor, an occupation and a new member."""
    body = household()
    body["housing"] = {**body["housing"], "floor": "cement"}
    body["members"][0] = {**body["members"][0], "occupation": "petani"}
    body["members"].append({**body["members"][1], "member_id": "m3", "nik": None,
                            "name": "Dewi", "relationship": "grandchild"})
    return body


FLOOR = _flag("FIELD_CHANGED", "housing.floor", "earth", "cement", "2026-11-01T01:00:00")
WORK = _flag("FIELD_CHANGED", "members[m1].occupation", "buruh tani", "petani",
             "2026-11-01T02:00:00")


def _added(body: dict[str, Any]) -> dict[str, Any]:
    member = next(m for m in body["members"] if m["member_id"] == "m3")
    return _flag("MEMBER_ADDED", "members[m3]", None, member, "2026-11-01T03:00:00")


def test_places_still_holding_the_decision_get_their_earlier_value() -> None:
    body = _accepted()
    result = usulan.restored(body, [FLOOR, WORK, _added(body)])
    assert result.household is not None
    assert result.household["housing"]["floor"] == "earth"
    assert result.household["members"][0]["occupation"] == "buruh tani"
    assert [m["member_id"] for m in result.household["members"]] == ["m1", "m2"]
    assert set(result.restored) == {"housing.floor", "members[m1].occupation", "members[m3]"}
    assert result.kept == ()
    assert body["housing"]["floor"] == "cement"  # the input is left untouched


def test_a_place_corrected_again_since_is_kept_and_named() -> None:
    body = _accepted()
    body["housing"]["floor"] = "ceramic"  # a later correction after the refused decision
    result = usulan.restored(body, [FLOOR, WORK])
    assert result.household is not None
    assert result.household["housing"]["floor"] == "ceramic"
    assert result.household["members"][0]["occupation"] == "buruh tani"
    assert result.kept == ({"path": "housing.floor", "reason": "changed_since"},)
    assert result.restored == ("members[m1].occupation",)


def test_a_place_of_a_member_gone_since_is_skipped_and_named() -> None:
    body = _accepted()
    added = _added(body)
    grown = _flag("FIELD_CHANGED", "members[m3].education", None, "sd", "2026-11-01T04:00:00")
    body["members"] = [m for m in body["members"] if m["member_id"] != "m3"]
    result = usulan.restored(body, [FLOOR, added, grown])
    assert result.household is not None
    assert result.household["housing"]["floor"] == "earth"
    assert sorted(result.kept, key=lambda k: k["path"]) == [
        {"path": "members[m3]", "reason": "gone"},
        {"path": "members[m3].education", "reason": "gone"}]


def test_a_member_the_decision_removed_is_put_back() -> None:
    body = household()
    rudi = body["members"][1]
    body["members"] = body["members"][:1]
    removed = _flag("MEMBER_REMOVED", "members[m2]", rudi, None, "2026-11-01T01:00:00")
    result = usulan.restored(body, [removed])
    assert result.household is not None
    assert [m["member_id"] for m in result.household["members"]] == ["m1", "m2"]
    assert result.kept == ()


def test_two_decisions_on_one_place_are_undone_in_turn() -> None:
    body = household()
    body["housing"] = {**body["housing"], "floor": "ceramic"}
    first = _flag("FIELD_CHANGED", "housing.floor", "earth", "cement", "2026-11-01T01:00:00")
    second = _flag("CONFLICT", "housing.floor", "cement", "ceramic", "2026-11-02T01:00:00")
    result = usulan.restored(body, [first, second])
    assert result.household is not None and result.household["housing"]["floor"] == "earth"
    assert result.kept == ()


def test_nothing_left_to_put_back_writes_nothing() -> None:
    body = _accepted()
    body["housing"]["floor"] = "ceramic"
    not_found = _flag("HOUSEHOLD_NOT_FOUND", None, None, "not_found",  # type: ignore[arg-type]
                      "2026-11-01T05:00:00")
    result = usulan.restored(body, [FLOOR, not_found])
    assert result.household is None
    assert result.kept == ({"path": "housing.floor", "reason": "changed_since"},)


def test_a_withdrawn_household_is_no_longer_enrolled() -> None:
    body = household()
    assert not usulan.not_enrolled(body)
    out = usulan.withdrawn(body)
    assert usulan.not_enrolled(out)
    assert out["programs"] == []
    assert {m["status"] for m in out["members"]} == {"moved_out"}
    assert [m["nik"] for m in out["members"]] == [m["nik"] for m in body["members"]]
    assert body["members"][0]["status"] == "alive"


def test_a_family_with_nobody_left_is_a_removal_on_the_list() -> None:
    gone = household()
    gone["members"] = [{**gone["members"][0], "status": "deceased"},
                       {**gone["members"][1], "status": "moved_out"}]
    flag = {**FLOOR, "household_id": gone["household_id"], "survey_id": None}
    [entry] = usulan.build_listing([flag], {gone["household_id"]: gone})
    assert entry["change"] == "remove"
    [entry] = usulan.build_listing([flag], {gone["household_id"]: household()})
    assert entry["change"] == "update"
