"""GRADUATION_DUE: PKH or BPNT for five years or more, and no elderly or disabled member."""

from __future__ import annotations

from datetime import date

import pytest
from reconcile_builders import AS_OF, ctx, household, member

from server.reconcile.rules import graduation_due

YOUNG = [member("m1", birth_date="1980-07-05"), member("m2", relationship="child",
                                                      birth_date="2010-02-01", sex="M")]


def check(programs, members=YOUNG, as_of: date = AS_OF) -> list:
    return graduation_due.check(household(programs=programs, members=members), ctx(as_of))


def since(value: str, program: str = "PKH") -> list[dict[str, str]]:
    return [{"program": program, "since": value}]


def test_exactly_five_years_on_the_as_of_date_is_due() -> None:
    [draft] = check(since("2021-11-20"))
    assert draft.path == "programs"
    assert draft.severity == "info"
    assert draft.registry_value == since("2021-11-20")
    assert draft.message.startswith("Waktunya Graduasi: PKH")


def test_one_day_short_of_five_years_is_not_due() -> None:
    assert check(since("2021-11-21")) == []


def test_bpnt_counts_too() -> None:
    [draft] = check(since("2015-01-01", "BPNT"))
    assert "BPNT" in draft.message


@pytest.mark.parametrize("program", ["PBI_JK", "BLT"])
def test_other_programs_do_not_graduate(program: str) -> None:
    assert check(since("2010-01-01", program)) == []


def test_not_enrolled() -> None:
    assert check([]) == []


def test_member_turning_60_on_the_as_of_date_exempts() -> None:
    elder = member("m3", relationship="parent", birth_date="1966-11-20")
    assert check(since("2015-01-01"), YOUNG + [elder]) == []


def test_member_turning_60_the_day_after_does_not_exempt() -> None:
    elder = member("m3", relationship="parent", birth_date="1966-11-21")
    assert len(check(since("2015-01-01"), YOUNG + [elder])) == 1


def test_member_with_a_disability_exempts() -> None:
    disabled = member("m3", relationship="child", birth_date="2012-05-05", disability="sensory")
    assert check(since("2015-01-01"), YOUNG + [disabled]) == []


@pytest.mark.parametrize("status", ["deceased", "moved_out"])
def test_exempting_members_must_be_living_here(status: str) -> None:
    elder = member("m3", relationship="parent", birth_date="1930-01-01", status=status)
    disabled = member("m4", relationship="child", disability="physical", status=status)
    assert len(check(since("2015-01-01"), YOUNG + [elder, disabled])) == 1


def test_enrolled_on_a_leap_day_is_due_on_1_march_of_a_common_year() -> None:
    assert check(since("2020-02-29"), as_of=date(2025, 2, 28)) == []
    assert len(check(since("2020-02-29"), as_of=date(2025, 3, 1))) == 1


def test_born_on_a_leap_day_turns_60_on_the_leap_day() -> None:
    elder = member("m3", relationship="parent", birth_date="1964-02-29")
    assert len(check(since("2015-01-01"), YOUNG + [elder], as_of=date(2024, 2, 28))) == 1
    assert check(since("2015-01-01"), YOUNG + [elder], as_of=date(2024, 2, 29)) == []


def test_unknown_disability_does_not_exempt() -> None:
    unknown = member("m3", relationship="child", disability=None)
    assert len(check(since("2015-01-01"), YOUNG + [unknown])) == 1
