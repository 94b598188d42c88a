"""NIK_MISMATCH: the DDMMYY in a NIK (day + 40 for women) against birth date and sex."""

from __future__ import annotations

import pytest
from reconcile_builders import ctx, household, make_nik, member

from server.reconcile.rules import nik_mismatch


def findings(**fields) -> list:
    return nik_mismatch.check(household(members=[member("m1", **fields)]), ctx())


@pytest.mark.parametrize("birth_date, sex", [
    ("1980-07-05", "F"), ("1980-07-05", "M"), ("2001-01-31", "F"), ("1999-12-01", "M"),
    ("2000-02-29", "F"), ("1931-10-31", "M"),
])
def test_nik_agreeing_with_birth_date_and_sex(birth_date: str, sex: str) -> None:
    assert findings(nik=make_nik(birth_date, sex), birth_date=birth_date, sex=sex) == []


def test_woman_day_71_is_the_31st() -> None:
    assert findings(nik="1811017101900003", birth_date="1990-01-31", sex="F") == []


def test_woman_recorded_as_man() -> None:
    [draft] = findings(nik="1811014507800002", birth_date="1980-07-05", sex="M")
    assert draft.message == "Jenis kelamin tidak sesuai dengan NIK."
    assert draft.path == "members[m1].nik"
    assert draft.severity == "warning"


def test_man_with_a_womans_day() -> None:
    [draft] = findings(nik="1811010507800002", birth_date="1980-07-05", sex="F")
    assert "Jenis kelamin" in draft.message


@pytest.mark.parametrize("birth_date", ["1980-07-06", "1980-08-05", "1981-07-05", "1908-07-05"])
def test_birth_date_disagreeing_in_day_month_or_year(birth_date: str) -> None:
    [draft] = findings(nik="1811014507800002", birth_date=birth_date, sex="F")
    assert draft.message == "Tanggal lahir tidak sesuai dengan NIK."


def test_the_century_is_not_in_the_nik() -> None:
    assert findings(nik="1811014507800002", birth_date="1880-07-05", sex="F") == []


def test_both_wrong_is_one_finding() -> None:
    [draft] = findings(nik="1811014507800002", birth_date="1970-01-01", sex="M")
    assert draft.message == "Tanggal lahir dan jenis kelamin tidak sesuai dengan NIK."
    assert "1811014507800002" not in draft.message


def test_newborn_with_null_nik_is_fine() -> None:
    assert findings(nik=None, birth_date="2026-10-01", sex="M") == []


def test_invalid_nik_is_left_to_nik_invalid() -> None:
    assert findings(nik="1811019907800002", birth_date="1980-07-05", sex="F") == []
    assert findings(nik="123", birth_date="1980-07-05", sex="F") == []
