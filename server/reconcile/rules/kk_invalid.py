"""KK_INVALID: a family card number that Dukcapil cannot have issued.

Source: a KK number is 16 digits starting with the Kemendagri area code of the
issuing office, so its first two digits are a province code. The KK number is how
DTSEN joins a household to Dukcapil's records; an invalid one orphans the family.
"""

from __future__ import annotations

from typing import Any

from server.reconcile.draft import FlagDraft, make_draft
from server.reconcile.rules.codes import kk_problem
from server.reconcile.rules.context import RuleContext

RULE = "KK_INVALID"


def check(household: dict[str, Any], ctx: RuleContext) -> list[FlagDraft]:
    kk_number = household.get("kk_number")
    problem = kk_problem(kk_number)
    if problem is None:
        return []
    return [make_draft(RULE, "kk_number", f"Nomor KK tidak valid: {problem}.",
                       registry_value=kk_number)]
