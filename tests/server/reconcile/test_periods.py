"""Period arithmetic: the cut-off boundary, the regency's own day, frozen lists."""

from __future__ import annotations

from datetime import date

import pytest

from server.reconcile import periods

MESUJI = "1811012001"  # Lampung: WIB
MAKASSAR = "7371011001"  # South Sulawesi: WITA
JAYAPURA = "9171011001"  # Papua: WIT


@pytest.mark.parametrize(("at", "expected"), [
    ("2026-11-17T23:59:59+07:00", "2026-11"),  # the last second of the cut-off day
    ("2026-11-18T00:00:00+07:00", "2026-12"),  # the first second after it
    ("2026-11-18T00:01:00+07:00", "2026-12"),  # one minute after
    ("2026-11-17T16:59:00+00:00", "2026-11"),  # 23:59 WIB written in UTC
    ("2026-11-17T17:00:00+00:00", "2026-12"),  # 00:00 WIB on the 18th written in UTC
    ("2026-10-18T00:00:00+07:00", "2026-11"),
    ("2026-12-20T10:00:00+07:00", "2027-01"),  # the year turns
    ("2026-01-01T00:00:00+07:00", "2026-01"),
])
def test_period_of_an_acceptance_in_wib(at: str, expected: str) -> None:
    assert periods.period_of(at, 17, MESUJI) == expected


def test_the_day_is_the_regency_s_own() -> None:
    moment = "2026-11-17T16:30:00+00:00"  # 23:30 WIB, 00:30 WITA and 01:30 WIT the next day
    assert periods.period_of(moment, 17, MESUJI) == "2026-11"
    assert periods.period_of(moment, 17, MAKASSAR) == "2026-12"
    assert periods.period_of(moment, 17, JAYAPURA) == "2026-12"


def test_bounds_are_the_local_days_in_utc() -> None:
    assert periods.bounds("2026-11", 17, MESUJI) == (
        "2026-10-17T17:00:00.000000+00:00", "2026-11-17T17:00:00.000000+00:00")
    assert periods.bounds("2027-01", 17, JAYAPURA) == (
        "2026-12-17T15:00:00.000000+00:00", "2027-01-17T15:00:00.000000+00:00")


def test_bounds_and_period_of_agree() -> None:
    start, end = periods.bounds("2026-03", 5, MAKASSAR)
    assert periods.period_of(start, 5, MAKASSAR) == "2026-03"
    assert periods.period_of(end, 5, MAKASSAR) == "2026-04"


def test_a_decision_a_frozen_list_lacks_goes_to_the_next_open_period() -> None:
    frozen = {"2026-11": {"f1"}, "2026-12": {"f2"}}
    november = "2026-11-09T03:00:00+00:00"
    assert periods.effective_period("f1", november, 17, MESUJI, frozen) == "2026-11"
    assert periods.effective_period("f2", november, 17, MESUJI, frozen) == "2026-12"
    assert periods.effective_period("f3", november, 17, MESUJI, frozen) == "2027-01"
    assert periods.effective_period("f4", "2027-01-05T03:00:00+00:00", 17, MESUJI,
                                    frozen) == "2027-01"


def test_rolling_start_reaches_back_over_frozen_periods() -> None:
    assert periods.rolling_start("2027-01", 17, MESUJI, {"2026-11", "2026-12"}) == \
        periods.bounds("2026-11", 17, MESUJI)[0]
    assert periods.rolling_start("2027-01", 17, MESUJI, {"2026-11"}) == \
        periods.bounds("2027-01", 17, MESUJI)[0]


def test_days_to_cutoff() -> None:
    assert periods.days_to_cutoff(date(2026, 11, 10), "2026-11", 17) == 7
    assert periods.days_to_cutoff(date(2026, 11, 17), "2026-11", 17) == 0
    assert periods.days_to_cutoff(date(2026, 11, 18), "2026-11", 17) == -1


@pytest.mark.parametrize("name", ["2026-13", "2026-1", "26-11", "2026-11-01", "", "2026-00"])
def test_bad_period_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        periods.parse_period(name)


@pytest.mark.parametrize("name", ["0000-01", "1999-12", "3000-01", "2026-13"])
def test_a_period_asked_for_lies_in_2000_to_2999(name: str) -> None:
    with pytest.raises(ValueError, match="from 2000"):
        periods.check_asked_period(name)
    assert periods.check_asked_period("2000-01") == "2000-01"


def test_timestamps_without_offset_are_refused() -> None:
    with pytest.raises(ValueError, match="offset"):
        periods.period_of("2026-11-17T10:00:00", 17, MESUJI)


@pytest.mark.parametrize("day", [0, 29, 31])
def test_cutoff_day_out_of_range(day: int) -> None:
    with pytest.raises(ValueError):
        periods.period_of("2026-11-17T10:00:00+07:00", day, MESUJI)

