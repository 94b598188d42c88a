"""NIK_INVALID: 16 digits, a province code from the contract's list, a real month and day."""

from __future__ import annotations

import pytest
from reconcile_builders import ctx, household, make_nik, member

from server.reconcile.rules import nik_invalid

# Spelled out from docs/protocol.md §2 rather than computed like the rule does.
VALID_PROVINCES = {
    "11", "12", "13", "14", "15", "16", "17", "18", "19", "21",
    "31", "32", "33", "34", "35", "36", "51", "52", "53",
    "61", "62", "63", "64", "65", "71", "72", "73", "74", "75", "76",
    "81", "82", "91", "92", "93", "94", "95", "96", "97",
}


def findings(nik: str | None) -> list:
    return nik_invalid.check(household(members=[member("m1", nik=nik)]), ctx())


def test_a_nik_as_issued_is_valid() -> None:
    assert findings(make_nik("1980-07-05", "F")) == []
    assert findings(make_nik("1975-12-31", "M")) == []


def test_newborn_without_nik_is_fine() -> None:
    assert findings(None) == []


@pytest.mark.parametrize("prefix", [f"{n:02d}" for n in range(100)])
def test_every_province_prefix(prefix: str) -> None:
    nik = prefix + "1101" + "050780" + "0002"
    assert (findings(nik) == []) == (prefix in VALID_PROVINCES)


@pytest.mark.parametrize("day, valid", [
    ("00", False), ("01", True), ("31", True), ("32", False), ("40", False),
    ("41", True), ("59", True), ("71", True), ("72", False), ("99", False),
])
def test_birth_day_range_for_men_and_women(day: str, valid: bool) -> None:
    assert (findings(f"181101{day}07800002") == []) == valid


@pytest.mark.parametrize("month, valid", [("00", False), ("01", True), ("12", True), ("13", False)])
def test_birth_month_range(month: str, valid: bool) -> None:
    assert (findings(f"18110105{month}800002") == []) == valid


@pytest.mark.parametrize("nik", [
    "181101050780000",      # 15 digits
    "18110105078000021",    # 17 digits
    "18110105078000O2",     # letter O for zero
    "1811010507800002 ",    # trailing space
    "١٨١١٠١٠٥٠٧٨٠٠٠٠٢",     # Arabic-Indic digits
])
def test_not_sixteen_ascii_digits(nik: str) -> None:
    [draft] = findings(nik)
    assert draft.message == "NIK tidak valid: bukan 16 angka."


def test_finding_names_the_member_and_keeps_the_nik_out_of_the_message() -> None:
    nik = "9911010507800002"
    [draft] = findings(nik)
    assert draft.rule == "NIK_INVALID"
    assert draft.severity == "error"
    assert draft.path == "members[m1].nik"
    assert draft.registry_value == nik
    assert nik not in draft.message
    assert "provinsi" in draft.message


def test_each_bad_member_is_flagged_once() -> None:
    members = [member("a", nik="1011010507800002"), member("b"), member("c", nik="12")]
    drafts = nik_invalid.check(household(members=members), ctx())
    assert [d.path for d in drafts] == ["members[a].nik", "members[c].nik"]
