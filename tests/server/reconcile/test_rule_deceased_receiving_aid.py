"""DECEASED_RECEIVING_AID: enrolled, and the head or only member died, or not found."""

from __future__ import annotations

import pytest
from reconcile_builders import ctx, household, member

from server.reconcile.rules import deceased_receiving_aid as rule

PKH = [{"program": "PKH", "since": "2021-01-01"}]


def check(members, programs=PKH, outcome="found") -> list:
    return rule.check(household(members=members, programs=programs), ctx(outcome=outcome))


def test_enrolled_family_whose_head_died() -> None:
    [draft] = check([member("m1", status="deceased"), member("m2", relationship="spouse")])
    assert draft.path == "members[m1].status"
    assert draft.severity == "error"
    assert draft.message == "Penerima bantuan: Kepala Keluarga meninggal."


def test_only_member_died_whatever_the_relationship() -> None:
    [draft] = check([member("x", relationship="other", status="deceased")])
    assert draft.path == "members[x].status"
    assert "satu-satunya" in draft.message


def test_head_alive_and_another_member_deceased() -> None:
    assert check([member("m1"), member("m2", relationship="child", status="deceased")]) == []


def test_head_moved_out_is_not_death() -> None:
    assert check([member("m1", status="moved_out"), member("m2", relationship="spouse")]) == []


def test_not_enrolled_family_is_not_flagged() -> None:
    assert check([member("m1", status="deceased")], programs=[]) == []


@pytest.mark.parametrize("outcome", ["not_found", "moved"])
def test_enrolled_family_not_found(outcome: str) -> None:
    [draft] = check([member("m1")], outcome=outcome)
    assert draft.path is None
    assert draft.field_value == outcome


def test_not_found_without_program_is_not_this_rule() -> None:
    assert check([member("m1")], programs=[], outcome="not_found") == []


def test_refusal_is_not_not_found() -> None:
    assert check([member("m1")], outcome="refused") == []
