"""The engine: one survey in, flag drafts out; accept, close and scan over plain dicts."""

from __future__ import annotations

from datetime import date

import pytest
from reconcile_builders import by_path, ctx, household, member, rules_of

from server.reconcile import (
    PathError,
    apply_flag,
    changes_registry,
    get_at,
    reconcile_survey,
    scan_household,
    set_at,
    still_true,
    survey_state,
)
from server.reconcile.draft import make_draft

BASE = household()


def survey(outcome: str = "found", observed=None, base_version: int | None = 3) -> dict:
    return {"survey_id": "3f1c2a9e-5b7d-4c8e-9a61-0d2b7e4f8a10",
            "household_id": BASE["household_id"], "base_version": base_version,
            "outcome": outcome, "observed": observed}


def flag(draft) -> dict:
    """A stored flag as the store hands it back."""
    return {"rule": draft.rule, "path": draft.path, "registry_value": draft.registry_value,
            "field_value": draft.field_value, "other_value": draft.other_value,
            "status": "open", "survey_id": "s1"}


# reconcile_survey


def test_found_and_unchanged_is_verified() -> None:
    drafts = reconcile_survey(survey(observed=household(version=None)), BASE, BASE, [], ctx())
    assert drafts == []
    assert survey_state(drafts) == "verified"


def test_found_runs_merge_and_rules_over_what_the_field_saw() -> None:
    observed = set_at(BASE, "members[m2].nik", "9911010507800002")
    observed = set_at(observed, "housing.floor", "cement")
    drafts = reconcile_survey(survey(observed=observed), BASE, BASE, [], ctx())
    assert rules_of(drafts) == ["FIELD_CHANGED", "FIELD_CHANGED", "NIK_INVALID"]
    finding = drafts[-1]
    assert finding.path == "members[m2].nik"
    assert finding.field_value == "9911010507800002"
    assert finding.registry_value == get_at(BASE, "members[m2].nik")
    assert survey_state(drafts) == "flagged"


def test_found_with_a_registry_change_since_base_is_a_conflict() -> None:
    current = set_at(BASE, "address", "Dusun IV")
    drafts = reconcile_survey(survey(observed=set_at(BASE, "address", "Dusun V")), BASE,
                              current, [], ctx())
    assert rules_of(drafts) == ["CONFLICT"]
    assert survey_state(drafts) == "conflict"


def test_found_without_observed_is_refused() -> None:
    with pytest.raises(ValueError):
        reconcile_survey(survey(observed=None), BASE, BASE, [], ctx())


@pytest.mark.parametrize("outcome", ["not_found", "moved"])
def test_not_found_enrolled_household(outcome: str) -> None:
    drafts = reconcile_survey(survey(outcome), BASE, BASE, [], ctx(outcome=outcome))
    assert rules_of(drafts) == ["HOUSEHOLD_NOT_FOUND", "DECEASED_RECEIVING_AID"]
    assert [d.path for d in drafts] == [None, None]
    assert drafts[0].field_value == outcome
    assert survey_state(drafts) == "flagged"


def test_not_found_household_without_aid() -> None:
    current = household(programs=[])
    drafts = reconcile_survey(survey("not_found"), BASE, current, [], ctx())
    assert rules_of(drafts) == ["HOUSEHOLD_NOT_FOUND"]
    assert drafts[0].severity == "warning"


def test_refusal_raises_nothing() -> None:
    faulty = household(kk_number="12")
    assert reconcile_survey(survey("refused"), faulty, faulty, [], ctx()) == []


def test_new_household_proposal() -> None:
    proposal = household(household_id="NEW-0b6e", members=[member("n1", relationship="child")])
    proposal.pop("version")
    drafts = reconcile_survey(survey(observed=proposal, base_version=None), None, None, [], ctx())
    assert rules_of(drafts) == ["NEW_HOUSEHOLD", "HEAD_MISSING"]
    new = drafts[0]
    assert (new.path, new.severity, new.registry_value) == (None, "info", None)
    assert new.field_value == proposal
    assert drafts[1].field_value == 0
    assert survey_state(drafts) == "flagged"


def test_second_capture_of_an_accepted_proposal_is_merged() -> None:
    proposal = household(household_id="NEW-0b6e")
    observed = set_at(proposal, "housing.wall", "brick")
    drafts = reconcile_survey(survey(observed=observed, base_version=None), None, proposal, [],
                              ctx())
    assert rules_of(drafts) == ["FIELD_CHANGED"]


def test_rules_see_the_survey_date() -> None:
    observed = household(programs=[{"program": "PKH", "since": "2021-11-20"}], version=None)
    base = household(programs=observed["programs"])
    assert rules_of(reconcile_survey(survey(observed=observed), base, base, [],
                                     ctx())) == ["GRADUATION_DUE"]
    assert reconcile_survey(survey(observed=observed), base, base, [],
                            ctx(date(2026, 11, 19))) == []


# survey_state


@pytest.mark.parametrize("rules, state", [
    ([], "verified"),
    (["GRADUATION_DUE"], "verified"),
    (["INELIGIBLE_DESIL", "REGION_UNKNOWN", "NIK_MISMATCH"], "verified"),
    (["FIELD_CHANGED"], "flagged"),
    (["MEMBER_ADDED"], "flagged"),
    (["HEAD_MISSING"], "flagged"),
    (["NEW_HOUSEHOLD"], "flagged"),
    (["HOUSEHOLD_NOT_FOUND"], "flagged"),
    (["FIELD_CHANGED", "CONFLICT", "GRADUATION_DUE"], "conflict"),
])
def test_survey_state(rules: list[str], state: str) -> None:
    assert survey_state([make_draft(rule, None, "x") for rule in rules]) == state


# apply_flag and changes_registry


def test_accepting_a_field_change_writes_it_without_touching_the_input() -> None:
    snapshot = household()
    [draft] = reconcile_survey(survey(observed=set_at(BASE, "housing.floor", "cement")), BASE,
                               BASE, [], ctx())
    updated = apply_flag(BASE, flag(draft))
    assert get_at(updated, "housing.floor") == "cement"
    assert BASE == snapshot


def test_accepting_member_flags() -> None:
    baby = member("b1", nik=None, relationship="grandchild", birth_date="2026-09-01")
    observed = set_at(set_at(BASE, "members[b1]", baby), "members[m2].status", "moved_out")
    drafts = reconcile_survey(survey(observed=observed), BASE, BASE, [], ctx())
    assert rules_of(drafts) == ["MEMBER_REMOVED", "MEMBER_ADDED"]
    updated = BASE
    for draft in drafts:
        updated = apply_flag(updated, flag(draft))
    assert get_at(updated, "members[b1]") == baby
    assert get_at(updated, "members[m2].status") == "moved_out"
    gone = reconcile_survey(survey(observed=set_at(BASE, "members[m2]", None)), BASE, BASE, [],
                            ctx())
    assert get_at(apply_flag(BASE, flag(gone[0])), "members[m2]") is None


def test_accepting_a_new_household_yields_the_proposal() -> None:
    proposal = household(household_id="NEW-0b6e")
    added = apply_flag(None, {"rule": "NEW_HOUSEHOLD", "path": None, "field_value": proposal})
    assert "version" not in added
    assert added["household_id"] == "NEW-0b6e"
    assert proposal["version"] == 3


def test_accepting_a_finding_writes_nothing() -> None:
    finding = {"rule": "NIK_INVALID", "path": "members[m1].nik", "field_value": "12"}
    assert apply_flag(BASE, finding) is BASE
    assert not changes_registry(finding)
    assert changes_registry({"rule": "CONFLICT"})


def test_accepting_a_change_to_a_member_no_longer_there() -> None:
    stale = {"rule": "FIELD_CHANGED", "path": "members[zz].occupation", "field_value": "x"}
    with pytest.raises(PathError):
        apply_flag(BASE, stale)


# still_true


def test_field_change_closes_once_the_registry_holds_its_value() -> None:
    change = {"rule": "FIELD_CHANGED", "path": "members[m1].occupation", "field_value": "petani"}
    assert still_true(change, BASE, ctx())
    assert not still_true(change, set_at(BASE, "members[m1].occupation", " Petani"), ctx())
    assert still_true(change, set_at(BASE, "members[m1].occupation", "nelayan"), ctx())
    assert not still_true(change, set_at(BASE, "members[m1]", None), ctx())


def test_member_flags_close_when_the_registry_agrees() -> None:
    baby = member("b1", nik=None, relationship="grandchild")
    added = {"rule": "MEMBER_ADDED", "path": "members[b1]", "field_value": baby}
    assert still_true(added, BASE, ctx())
    assert not still_true(added, set_at(BASE, "members[b1]", baby), ctx())
    removed = {"rule": "MEMBER_REMOVED", "path": "members[m2]", "field_value": None}
    assert still_true(removed, BASE, ctx())
    assert not still_true(removed, set_at(BASE, "members[m2]", None), ctx())


def test_findings_close_when_the_rule_no_longer_raises_them() -> None:
    bad = set_at(BASE, "members[m2].nik", "9911010507800002")
    [draft] = scan_household(bad, ctx())
    assert still_true(flag(draft), bad, ctx())
    assert not still_true(flag(draft), BASE, ctx())
    other_member_bad = set_at(BASE, "members[m1].nik", "9911010507800002")
    assert not still_true(flag(draft), other_member_bad, ctx())


def test_not_found_findings_stay_until_the_aid_stops() -> None:
    drafts = reconcile_survey(survey("moved"), BASE, BASE, [], ctx(outcome="moved"))
    not_found, aid = (flag(d) for d in drafts)
    assert still_true(not_found, BASE, ctx())
    assert still_true(aid, BASE, ctx())
    assert not still_true(aid, household(programs=[]), ctx())


def test_new_household_closes_once_the_registry_holds_it() -> None:
    proposal = {"rule": "NEW_HOUSEHOLD", "path": None, "field_value": BASE}
    assert still_true(proposal, None, ctx())
    assert not still_true(proposal, BASE, ctx())


# scan_household


def test_a_clean_household_scans_clean() -> None:
    assert scan_household(BASE, ctx()) == []


def test_scan_reports_registry_values() -> None:
    faulty = household(kk_number="2011010101170003", desil=7,
                       programs=[{"program": "PKH", "since": "2015-01-01"}])
    faulty["members"][0]["status"] = "deceased"
    drafts = by_path(scan_household(faulty, ctx()))
    assert set(drafts) == {"kk_number", None, "members[m1].status", "programs", "desil"}
    assert drafts["kk_number"].registry_value == "2011010101170003"
    assert all(d.field_value is None for d in drafts.values())
    assert rules_of(scan_household(faulty, ctx())) == [
        "KK_INVALID", "HEAD_MISSING", "DECEASED_RECEIVING_AID", "GRADUATION_DUE",
        "INELIGIBLE_DESIL"]

