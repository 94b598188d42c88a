"""INELIGIBLE_DESIL: enrolled in a program whose welfare cut-off the family is above.

Source: Kemensos targeting by DTSEN welfare decile — PKH cut-off: desil 1–4; BPNT
(Sembako) and PBI-JK: desil 1–5. BLT has no fixed decile cut-off. A family above the
cut-off is a targeting error to review (exclusion is a supervisor's decision).
"""

from __future__ import annotations

from typing import Any

from schemas.labels import PROGRAM
from server.reconcile.draft import FlagDraft, make_draft
from server.reconcile.rules.context import RuleContext

RULE = "INELIGIBLE_DESIL"

DESIL_CUTOFF = {"PKH": 4, "BPNT": 5, "PBI_JK": 5}
_LOWEST_CUTOFF = min(DESIL_CUTOFF.values())


def check(household: dict[str, Any], ctx: RuleContext) -> list[FlagDraft]:
    """`registry_value` is the desil; the message names the programs concerned."""
    desil = household.get("desil")
    if desil is None or desil <= _LOWEST_CUTOFF or not household.get("programs"):
        return []
    over = [
        f"{PROGRAM.get(program, program)} (desil 1–{DESIL_CUTOFF[program]})"
        for program in _programs(household)
        if program in DESIL_CUTOFF and desil > DESIL_CUTOFF[program]
    ]
    if not over:
        return []
    message = f"Desil di atas batas program: {', '.join(over)}."
    return [make_draft(RULE, "desil", message, registry_value=desil)]


def _programs(household: dict[str, Any]) -> list[str]:
    return sorted({p.get("program") for p in household.get("programs") or () if p.get("program")})
