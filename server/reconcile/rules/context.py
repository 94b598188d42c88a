"""What a rule may know beyond the household itself: the date, and two look-ups.

Rules stay pure: the server passes the look-ups in (an index of NIKs across the
registry, the Kemendagri village list), tests pass plain functions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

# (household_id, member_id) of each registry member holding a NIK; None for none (the
# scan passes its index's own `dict.get`, a million calls cheaper than a wrapper).
NikHolders = Callable[[str], list[tuple[str, str]] | None]


def _no_holders(nik: str) -> list[tuple[str, str]]:
    return []


def _any_village(code: str) -> bool:
    return True


@dataclass(frozen=True)
class RuleContext:
    """`as_of` is the survey date (or today for a scan): ages and enrolment years count to it.

    `outcome` is the survey's; a registry scan leaves it `found`.
    """

    as_of: date
    nik_holders: NikHolders = field(default=_no_holders)
    known_village: Callable[[str], bool] = field(default=_any_village)
    outcome: str = "found"

    def years_ago(self, years: int) -> str:
        """The ISO date `years` before `as_of`, for comparing ISO date strings.

        A date string `d` satisfies `d <= years_ago(n)` exactly when `n` full years have
        passed from `d` to `as_of`, with no date parsing. Someone born on 29 February
        turns a year older on 1 March in common years (their "02-29" sorts after "02-28").
        """
        cutoffs = self._cutoffs
        if years not in cutoffs:
            as_of = self.as_of
            cutoffs[years] = f"{as_of.year - years:04d}-{as_of.month:02d}-{as_of.day:02d}"
        return cutoffs[years]

    @cached_property
    def _cutoffs(self) -> dict[int, str]:
        return {}

