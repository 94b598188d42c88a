"""Three-way merge: base (what the enumerator saw), current (registry now), observed."""

from __future__ import annotations

from reconcile_builders import by_path, household, member, rules_of

from server.reconcile import merge, set_at

BASE = household()


def edit(subject, **places):
    """`edit(h, address="x")`; member places as `members__m1__occupation`."""
    for key, value in places.items():
        path = key.replace("__", ".", 1) if key.startswith(("housing", "assets")) else key
        if key.startswith("members__"):
            _, member_id, *field = key.split("__")
            path = f"members[{member_id}]" + (f".{field[0]}" if field else "")
        subject = set_at(subject, path, value)
    return subject


def test_nothing_changed_nothing_flagged() -> None:
    assert merge(BASE, BASE, household(version=None)) == []


def test_change_in_the_field_only() -> None:
    [draft] = merge(BASE, BASE, edit(BASE, members__m1__occupation="petani"))
    assert (draft.rule, draft.severity, draft.path) == (
        "FIELD_CHANGED", "warning", "members[m1].occupation")
    assert (draft.registry_value, draft.field_value, draft.other_value) == (
        "buruh tani", "petani", None)
    assert draft.message == "Data lapangan berbeda dengan DTSEN: Pekerjaan anggota keluarga."


def test_current_none_means_the_registry_did_not_move() -> None:
    assert rules_of(merge(BASE, None, edit(BASE, housing__floor="cement"))) == ["FIELD_CHANGED"]


def test_change_in_the_registry_only_never_flags() -> None:
    current = edit(BASE, address="Dusun IV", housing__roof="tile", members__m2=None)
    assert merge(BASE, current, BASE) == []


def test_both_changed_to_the_same_value() -> None:
    current = edit(BASE, housing__floor="cement")
    assert merge(BASE, current, edit(BASE, housing__floor="cement")) == []


def test_both_changed_to_the_same_text_up_to_spacing_and_case() -> None:
    current = edit(BASE, members__m1__occupation="Petani Sawit")
    assert merge(BASE, current, edit(BASE, members__m1__occupation="petani  sawit ")) == []


def test_both_changed_differently_is_a_conflict() -> None:
    current = edit(BASE, housing__floor="cement")
    [draft] = merge(BASE, current, edit(BASE, housing__floor="ceramic"))
    assert (draft.rule, draft.severity, draft.path) == ("CONFLICT", "error", "housing.floor")
    assert (draft.registry_value, draft.field_value, draft.other_value) == (
        "cement", "ceramic", "earth")


def test_another_open_flag_with_a_different_value_is_a_conflict() -> None:
    others = [{"rule": "FIELD_CHANGED", "path": "housing.floor", "field_value": "tile",
               "survey_id": "s-other", "status": "open"}]
    [draft] = merge(BASE, BASE, edit(BASE, housing__floor="ceramic"), others)
    assert draft.rule == "CONFLICT"
    assert (draft.registry_value, draft.field_value, draft.other_value) == (
        "earth", "ceramic", "tile")


def test_another_open_flag_with_the_same_value_is_no_conflict() -> None:
    others = [{"rule": "FIELD_CHANGED", "path": "housing.floor", "field_value": "ceramic",
               "survey_id": "s-other"}]
    [draft] = merge(BASE, BASE, edit(BASE, housing__floor="ceramic"), others)
    assert draft.rule == "FIELD_CHANGED"


def test_decided_flags_and_data_quality_findings_are_not_observations() -> None:
    others = [
        {"rule": "FIELD_CHANGED", "path": "housing.floor", "field_value": "tile",
         "survey_id": "a", "status": "rejected"},
        {"rule": "NIK_INVALID", "path": "members[m1].nik", "field_value": "123",
         "survey_id": "b", "status": "open"},
    ]
    observed = edit(BASE, housing__floor="ceramic", members__m1__nik="1811014507800009")
    assert rules_of(merge(BASE, BASE, observed, others)) == ["FIELD_CHANGED", "FIELD_CHANGED"]


def test_a_flag_sent_for_revisit_still_counts() -> None:
    others = [{"rule": "FIELD_CHANGED", "path": "desil", "field_value": 3, "survey_id": "a",
               "status": "revisit"}]
    assert rules_of(merge(BASE, BASE, edit(BASE, desil=2), others)) == ["CONFLICT"]


def test_a_confirming_visit_never_conflicts_with_other_flags() -> None:
    others = [{"rule": "FIELD_CHANGED", "path": "housing.floor", "field_value": "tile",
               "survey_id": "a"}]
    assert merge(BASE, BASE, BASE, others) == []


def test_null_observed_means_not_observed() -> None:
    observed = edit(BASE, housing__floor=None, assets__car=None, desil=None, programs=None,
                    members__m1__occupation=None, members__m1__nik=None)
    assert merge(BASE, BASE, observed) == []
    assert merge(BASE, BASE, household(housing=None, assets=None)) == []


def test_a_value_where_the_registry_knew_none() -> None:
    base = household(housing=None)
    [draft] = merge(base, base, edit(base, housing__toilet="own"))
    assert (draft.path, draft.registry_value, draft.field_value) == ("housing.toilet", None, "own")


def test_programs_compared_as_a_set() -> None:
    two = [{"program": "PKH", "since": "2023-03-01"}, {"program": "BPNT", "since": "2020-01-15"}]
    base = household(programs=two)
    assert merge(base, base, household(programs=list(reversed(two)))) == []
    [draft] = merge(base, base, household(programs=two[:1]))
    assert (draft.path, draft.field_value) == ("programs", two[:1])
    [draft] = merge(base, base, household(programs=[]))
    assert draft.field_value == []


def test_programs_changed_alike_on_both_sides_in_another_order() -> None:
    pkh = {"program": "PKH", "since": "2023-03-01"}
    bpnt = {"program": "BPNT", "since": "2024-02-01"}
    base = household(programs=[pkh])
    assert merge(base, household(programs=[pkh, bpnt]), household(programs=[bpnt, pkh])) == []
    [draft] = merge(base, household(programs=[pkh, bpnt]), household(programs=[bpnt]))
    assert (draft.rule, draft.registry_value, draft.field_value) == (
        "CONFLICT", [pkh, bpnt], [bpnt])


def test_new_member_in_the_field() -> None:
    baby = member("b1", nik=None, name="Bayi", relationship="grandchild", birth_date="2026-09-01")
    [draft] = merge(BASE, BASE, edit(BASE, members__b1=baby))
    assert (draft.rule, draft.path, draft.registry_value) == ("MEMBER_ADDED", "members[b1]", None)
    assert draft.field_value == baby
    assert "Bayi" not in draft.message


def test_member_missing_from_observed() -> None:
    [draft] = merge(BASE, BASE, edit(BASE, members__m2=None))
    assert (draft.rule, draft.path, draft.field_value) == ("MEMBER_REMOVED", "members[m2]", None)
    assert draft.registry_value["member_id"] == "m2"


def test_member_observed_deceased_or_moved_out() -> None:
    for status, words in (("deceased", "meninggal"), ("moved_out", "pindah")):
        [draft] = merge(BASE, BASE, edit(BASE, members__m2__status=status))
        assert (draft.rule, draft.path) == ("MEMBER_REMOVED", "members[m2].status")
        assert (draft.registry_value, draft.field_value) == ("alive", status)
        assert words in draft.message


def test_member_back_home_is_a_field_change() -> None:
    base = edit(BASE, members__m2__status="moved_out")
    [draft] = merge(base, base, edit(base, members__m2__status="alive"))
    assert draft.rule == "FIELD_CHANGED"


def test_leaving_a_member_already_gone_off_the_list_says_nothing() -> None:
    base = edit(BASE, members__m2__status="deceased")
    assert merge(base, base, edit(base, members__m2=None)) == []


def test_member_left_off_while_the_registry_marked_them_gone() -> None:
    current = edit(BASE, members__m2__status="moved_out")
    assert merge(BASE, current, edit(BASE, members__m2=None)) == []


def test_member_left_off_while_the_registry_corrected_them() -> None:
    current = edit(BASE, members__m2__education="sma")
    [draft] = merge(BASE, current, edit(BASE, members__m2=None))
    assert (draft.rule, draft.path, draft.field_value) == ("CONFLICT", "members[m2]", None)
    assert draft.registry_value["education"] == "sma"
    assert draft.other_value["education"] == "smp"


def test_member_removed_on_both_sides() -> None:
    current = edit(BASE, members__m2=None)
    assert merge(BASE, current, edit(BASE, members__m2=None)) == []


def test_member_dropped_by_the_registry_but_updated_in_the_field() -> None:
    current = edit(BASE, members__m2=None)
    observed = edit(BASE, members__m2__occupation="buruh", members__m2__education="sma")
    [draft] = merge(BASE, current, observed)
    assert (draft.rule, draft.path, draft.registry_value) == ("CONFLICT", "members[m2]", None)
    assert draft.field_value["occupation"] == "buruh"


def test_member_dropped_by_the_registry_and_unchanged_in_the_field() -> None:
    assert merge(BASE, edit(BASE, members__m2=None), BASE) == []


def test_member_added_on_both_sides() -> None:
    baby = member("b1", nik=None, relationship="grandchild", birth_date="2026-09-01")
    current = edit(BASE, members__b1=baby)
    assert merge(BASE, current, edit(BASE, members__b1=baby)) == []
    [draft] = merge(BASE, current, edit(BASE, members__b1={**baby, "sex": "M"}))
    assert (draft.rule, draft.path, draft.other_value) == ("CONFLICT", "members[b1]", None)


def test_several_places_come_out_in_contract_order() -> None:
    observed = edit(BASE, members__m2__status="deceased", housing__floor="cement", address="X",
                    assets__refrigerator=True)
    drafts = merge(BASE, BASE, observed)
    assert list(by_path(drafts)) == [
        "address", "housing.floor", "assets.refrigerator", "members[m2].status"]


def test_drafts_do_not_alias_the_callers_dicts() -> None:
    baby = member("b1", nik=None, relationship="grandchild")
    observed = edit(BASE, members__b1=baby)
    [draft] = merge(BASE, BASE, observed)
    observed["members"][-1]["name"] = "changed later"
    assert draft.field_value["name"] == baby["name"]
