"""GRADUATION_DUE: a family on PKH or BPNT for five years or more, with no one exempt.

Source: Kemensos graduation policy (graduasi) — social protection is meant to last at
most five years before empowerment and exit, except for families with an elderly
member (lansia, 60 or older) or a person with a disability. Counted at the as-of
date: an enrolment of exactly five years is due; a member turning 60 that day exempts.
"""

from __future__ import annotations

from typing import Any

from server.reconcile.draft import FlagDraft, make_draft
from server.reconcile.rules.context import RuleContext

RULE = "GRADUATION_DUE"

GRADUATING_PROGRAMS = ("PKH", "BPNT")
YEARS_OF_PROTECTION = 5
ELDERLY_AGE = 60


def check(household: dict[str, Any], ctx: RuleContext) -> list[FlagDraft]:
    """`registry_value` is the household's program list."""
    programs = household.get("programs")
    if not programs:
        return []
    due = programs_due(programs, ctx.years_ago(YEARS_OF_PROTECTION))
    if not due or _has_exempt_member(household, ctx):
        return []
    message = (f"Waktunya Graduasi: {' dan '.join(due)} sudah 5 tahun atau lebih, "
               "tanpa lansia atau penyandang disabilitas.")
    return [make_draft(RULE, "programs", message, registry_value=[dict(p) for p in programs])]


def programs_due(programs: list[dict[str, Any]], enrolled_before: str) -> list[str]:
    """The graduating programs enrolled on or before `enrolled_before` (ISO date), sorted."""
    return sorted(
        p["program"] for p in programs
        if p.get("program") in GRADUATING_PROGRAMS and (p.get("since") or "~") <= enrolled_before
    )


def _has_exempt_member(household: dict[str, Any], ctx: RuleContext) -> bool:
    born_before = ctx.years_ago(ELDERLY_AGE)
    for member in household.get("members") or ():
        if member.get("status", "alive") != "alive":
            continue
        if (member.get("disability") or "none") != "none":
            return True
        birth_date = member.get("birth_date")
        if birth_date and birth_date <= born_before:
            return True
    return False
