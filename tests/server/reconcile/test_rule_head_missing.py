"""HEAD_MISSING: exactly one living head."""

from __future__ import annotations

from reconcile_builders import ctx, household, member

from server.reconcile.rules import head_missing


def check(*members) -> list:
    return head_missing.check(household(members=list(members)), ctx())


def test_one_living_head_is_fine() -> None:
    assert check(member("m1"), member("m2", relationship="child")) == []


def test_no_head_at_all() -> None:
    [draft] = check(member("m1", relationship="spouse"), member("m2", relationship="child"))
    assert draft.path is None
    assert draft.registry_value == 0
    assert draft.severity == "error"


def test_two_living_heads() -> None:
    [draft] = check(member("m1"), member("m2", sex="M", birth_date="1978-01-01"))
    assert draft.registry_value == 2
    assert draft.message == "Lebih dari satu Kepala Keluarga."


def test_a_deceased_head_leaves_the_living_without_one() -> None:
    [draft] = check(member("m1", status="deceased"), member("m2", relationship="spouse"))
    assert draft.registry_value == 0


def test_a_head_who_moved_out_and_a_new_living_head() -> None:
    assert check(member("m1", status="moved_out"), member("m2", relationship="head")) == []


def test_member_without_status_counts_as_living() -> None:
    head = member("m1")
    del head["status"]
    assert check(head) == []
