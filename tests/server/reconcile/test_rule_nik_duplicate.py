"""NIK_DUPLICATE: one NIK, two holders, in this household or through the registry look-up."""

from __future__ import annotations

from reconcile_builders import ctx, household, member

from server.reconcile.rules import nik_duplicate

NIK = "1811014507800002"


def test_distinct_niks_are_fine() -> None:
    assert nik_duplicate.check(household(), ctx()) == []


def test_two_members_with_one_nik_are_both_flagged() -> None:
    members = [member("m1", nik=NIK), member("m2", nik=NIK, relationship="child"), member("m3")]
    drafts = nik_duplicate.check(household(members=members), ctx())
    assert [d.path for d in drafts] == ["members[m1].nik", "members[m2].nik"]
    assert drafts[0].other_value == [{"household_id": "1811012001-000017", "member_id": "m2"}]
    assert drafts[1].other_value == [{"household_id": "1811012001-000017", "member_id": "m1"}]
    assert all(d.severity == "error" and NIK not in d.message for d in drafts)


def test_two_newborns_without_nik_are_not_duplicates() -> None:
    members = [member("m1"), member("b1", nik=None), member("b2", nik=None)]
    assert nik_duplicate.check(household(members=members), ctx()) == []


def test_a_member_who_moved_out_keeps_no_claim_on_the_nik() -> None:
    members = [member("m1", nik=NIK), member("m2", nik=NIK, status="moved_out")]
    assert nik_duplicate.check(household(members=members), ctx()) == []


def test_nik_held_in_another_household() -> None:
    holders = {NIK: [("1811012001-000099", "x7")]}
    context = ctx(nik_holders=lambda nik: holders.get(nik, []))
    [draft] = nik_duplicate.check(household(members=[member("m1", nik=NIK)]), context)
    assert draft.path == "members[m1].nik"
    assert draft.other_value == [{"household_id": "1811012001-000099", "member_id": "x7"}]
    assert draft.message == "NIK juga tercatat di keluarga lain."


def test_look_up_hits_in_the_same_household_are_ignored() -> None:
    context = ctx(nik_holders=lambda nik: [("1811012001-000017", "m1")])
    assert nik_duplicate.check(household(members=[member("m1", nik=NIK)]), context) == []


def test_look_up_is_asked_once_per_distinct_nik() -> None:
    asked: list[str] = []
    context = ctx(nik_holders=lambda nik: asked.append(nik) or [])
    members = [member("m1", nik=NIK), member("m2", nik=NIK), member("m3", nik=None)]
    nik_duplicate.check(household(members=members), context)
    assert asked == [NIK]
