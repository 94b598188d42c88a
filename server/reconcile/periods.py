"""Monthly periods of the musyawarah desa cycle (docs/protocol.md §7): pure arithmetic.

A period is a month named `YYYY-MM`. An acceptance on or before the cut-off day (its
whole day, to 23:59:59) belongs to that month's period, one after it to the next month's:
with the cut-off on the 17th, period `2026-11` runs from 18 October 00:00 to 17 November
23:59:59. The day is the regency's own local day — WIB, WITA or WIT by province code —
since the cut-off is a date on the regency's calendar, and a decision at 23:30 WITA on the
17th in Makassar is still on the 17th there even though it is the 18th nowhere else.

A village whose list of a period is ratified (or signed off by SPTJM) takes nothing more
into that period: a decision the frozen list does not hold goes to the next period the
village has not frozen (`effective_period`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import UTC, date, datetime, time, timedelta

from schemas.localtime import zone_for

MIN_CUTOFF_DAY = 1
MAX_CUTOFF_DAY = 28  # every month has the day, so no period is empty or ambiguous
DEFAULT_CUTOFF_DAY = 17
PERIOD_NAME = re.compile(r"\A(\d{4})-(0[1-9]|1[0-2])\Z")
# What a person may ask for: years 2000-2999 leave the arithmetic room to count back.
ASKED_PERIOD = re.compile(r"\A(2\d{3})-(0[1-9]|1[0-2])\Z")


def check_cutoff_day(day: int) -> int:
    if not MIN_CUTOFF_DAY <= day <= MAX_CUTOFF_DAY:
        raise ValueError(f"the cut-off day must be {MIN_CUTOFF_DAY}–{MAX_CUTOFF_DAY}")
    return day


def parse_period(name: str) -> tuple[int, int]:
    """`2026-11` → (2026, 11); ValueError for anything else."""
    match = PERIOD_NAME.match(name or "")
    if match is None:
        raise ValueError("a period is a month written YYYY-MM, e.g. 2026-11")
    return int(match.group(1)), int(match.group(2))


def check_asked_period(name: str) -> str:
    """A period named in a request: YYYY-MM from 2000 to 2999; ValueError otherwise."""
    if ASKED_PERIOD.match(name or "") is None:
        raise ValueError("a period is a month written YYYY-MM from 2000, e.g. 2026-11")
    return name


def _name(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def shift(period: str, months: int) -> str:
    """The period `months` after (or before, when negative) `period`."""
    year, month = parse_period(period)
    index = year * 12 + (month - 1) + months
    return _name(index // 12, index % 12 + 1)


def cutoff_date(period: str, cutoff_day: int) -> date:
    """The last local day of the period: its month's cut-off day."""
    year, month = parse_period(period)
    return date(year, month, check_cutoff_day(cutoff_day))


def bounds(period: str, cutoff_day: int, region_code: str) -> tuple[str, str]:
    """The period as UTC instants [start, end) in the stored timestamp form."""
    tz = zone_for(region_code).tz
    last = cutoff_date(period, cutoff_day)
    first = cutoff_date(shift(period, -1), cutoff_day) + timedelta(days=1)
    start = datetime.combine(first, time(0), tz).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), tz).astimezone(UTC)
    return start.isoformat(timespec="microseconds"), end.isoformat(timespec="microseconds")


def period_of(at: str | datetime, cutoff_day: int, region_code: str) -> str:
    """The period an acceptance at `at` (a timestamp with an offset) belongs to."""
    moment = datetime.fromisoformat(at) if isinstance(at, str) else at
    if moment.tzinfo is None:
        raise ValueError("a timestamp without an offset cannot be placed in a period")
    local = moment.astimezone(zone_for(region_code).tz).date()
    period = _name(local.year, local.month)
    return period if local.day <= check_cutoff_day(cutoff_day) else shift(period, 1)


def effective_period(flag_id: str, at: str, cutoff_day: int, region_code: str,
                     frozen: Mapping[str, Collection[str]]) -> str:
    """The period of a decision accepted at `at` for a village whose frozen lists
    `frozen` (period → the flag ids each holds) were ratified: its own period if that is
    open or holds it, else the first later one that is not frozen without it. By
    membership rather than by time, so a decision whose transaction committed just after
    a list was frozen still lands in exactly one list."""
    period = period_of(at, cutoff_day, region_code)
    while period in frozen and flag_id not in frozen[period]:
        period = shift(period, 1)
    return period


def rolling_start(period: str, cutoff_day: int, region_code: str,
                  frozen: Collection[str]) -> str:
    """The earliest acceptance that can belong to `period`: the start of the run of
    frozen periods just before it (their left-overs roll forward), else its own start."""
    first = period
    while shift(first, -1) in frozen:
        first = shift(first, -1)
    return bounds(first, cutoff_day, region_code)[0]


def days_to_cutoff(today: date, period: str, cutoff_day: int) -> int:
    """Whole days from `today` (the regency's local date) to the period's cut-off day:
    0 on the day itself, negative once it has passed."""
    return (cutoff_date(period, cutoff_day) - today).days


def local_today(now: datetime, region_code: str) -> date:
    return now.astimezone(zone_for(region_code).tz).date()
