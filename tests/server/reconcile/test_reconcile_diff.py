"""Contract paths for differences, and reading and writing one place."""

from __future__ import annotations

import pytest
from reconcile_builders import household, member

from server.reconcile import PathError, diff_households, get_at, set_at, values_equal


def paths(before, after) -> list[str]:
    return [d.path for d in diff_households(before, after)]


def test_identical_households_do_not_differ_whatever_their_versions() -> None:
    before = household(version=3)
    assert paths(before, household(version=9)) == []


def test_paths_are_the_contracts() -> None:
    before = household()
    after = household(address="Dusun III", desil=2, kk_number="1811010101170004",
                      region_code="1811012002")
    after["housing"]["floor"] = "cement"
    after["assets"]["car"] = 1
    after["programs"] = [{"program": "BPNT", "since": "2024-01-01"}]
    after["members"][0]["occupation"] = "petani"
    after["members"].pop(1)
    after["members"].append(member("m9", relationship="child"))
    assert paths(before, after) == [
        "kk_number", "region_code", "address", "desil", "housing.floor", "assets.car",
        "programs", "members[m1].occupation", "members[m2]", "members[m9]",
    ]


def test_member_order_does_not_matter() -> None:
    before = household()
    after = household()
    after["members"].reverse()
    assert paths(before, after) == []


def test_free_text_is_compared_trimmed_case_folded_and_collapsed() -> None:
    after = household(address="  dusun ii   rt 002 RW 001 ")
    after["members"][0]["name"] = "SITI\taminah"
    after["members"][0]["occupation"] = " Buruh  Tani"
    assert paths(household(), after) == []


def test_enumerations_are_not_case_folded() -> None:
    after = household()
    after["members"][0]["sex"] = "f"
    assert paths(household(), after) == ["members[m1].sex"]


def test_programs_are_a_set() -> None:
    two = [{"program": "PKH", "since": "2023-03-01"}, {"program": "BPNT", "since": "2020-01-15"}]
    assert paths(household(programs=two), household(programs=list(reversed(two)))) == []
    moved = [{"program": "PKH", "since": "2023-04-01"}, two[1]]
    assert paths(household(programs=two), household(programs=moved)) == ["programs"]
    assert paths(household(programs=[]), household(programs=None)) == []


def test_absent_and_null_housing_and_assets_are_the_same() -> None:
    before = household(housing=None, assets={"car": None})
    assert paths(before, household(housing={"floor": None}, assets={})) == []
    assert paths(before, household(housing={"floor": "earth"}, assets={})) == ["housing.floor"]


def test_zero_is_not_unknown() -> None:
    assert not values_equal("assets.car", 0, None)
    assert values_equal("assets.car", None, None)


def test_absent_disability_and_status_take_the_contract_defaults() -> None:
    after = household()
    del after["members"][0]["disability"]
    del after["members"][0]["status"]
    assert paths(household(), after) == []


def test_region_codes_with_dots_are_the_same_village() -> None:
    assert paths(household(), household(region_code="18.11.01.2001")) == []


def test_get_at_every_kind_of_place() -> None:
    subject = household()
    assert get_at(subject, "address") == "Dusun II RT 002 RW 001"
    assert get_at(subject, "housing.floor") == "earth"
    assert get_at(household(housing=None), "housing.floor") is None
    assert get_at(subject, "programs") == [{"program": "PKH", "since": "2023-03-01"}]
    assert get_at(subject, "members[m2]")["name"] == "Rudi"
    assert get_at(subject, "members[m2].occupation") == "pelajar"
    assert get_at(subject, "members[zz].occupation") is None
    assert get_at(None, "address") is None


@pytest.mark.parametrize("path", ["members", "housing", "members[m1", "housing.", "Address",
                                  "members[m1].", "assets.car.x"])
def test_paths_outside_the_grammar_are_refused(path: str) -> None:
    with pytest.raises(PathError):
        get_at(household(), path)


def test_set_at_returns_a_new_household_and_leaves_the_input_alone() -> None:
    before = household(housing=None)
    snapshot = household(housing=None)
    after = set_at(before, "housing.floor", "cement")
    after = set_at(after, "members[m1].occupation", "petani")
    after = set_at(after, "programs", [])
    assert before == snapshot
    assert after["housing"] == {"floor": "cement"}
    assert get_at(after, "members[m1].occupation") == "petani"
    assert after["programs"] == []
    assert paths(before, after) == ["housing.floor", "programs", "members[m1].occupation"]


def test_set_at_whole_members() -> None:
    subject = household()
    added = set_at(subject, "members[m3]", member("ignored", relationship="child"))
    assert [m["member_id"] for m in added["members"]] == ["m1", "m2", "m3"]
    replaced = set_at(added, "members[m1]", member("m1", status="deceased"))
    assert [m["member_id"] for m in replaced["members"]] == ["m1", "m2", "m3"]
    assert get_at(replaced, "members[m1].status") == "deceased"
    removed = set_at(replaced, "members[m2]", None)
    assert [m["member_id"] for m in removed["members"]] == ["m1", "m3"]
    assert set_at(removed, "members[m2]", None)["members"] == removed["members"]


def test_set_at_a_field_of_an_absent_member_is_refused() -> None:
    with pytest.raises(PathError):
        set_at(household(), "members[zz].occupation", "petani")


def test_set_at_copies_the_value_it_stores() -> None:
    programs = [{"program": "PKH", "since": "2023-03-01"}]
    after = set_at(household(), "programs", programs)
    programs[0]["program"] = "BLT"
    assert after["programs"][0]["program"] == "PKH"
