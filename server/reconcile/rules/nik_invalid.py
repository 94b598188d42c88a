"""NIK_INVALID: a NIK that the civil registry (Dukcapil) cannot have issued.

Source: the NIK layout of Permendagri on population administration — province code
(the Kemendagri list), birth month 01–12, birth day 01–31, or 41–71 for women. An
invalid NIK blocks the cross-checks with Dukcapil that payments depend on. A newborn
or a person without an ID yet has `nik: null`, which is fine.
"""

from __future__ import annotations

from typing import Any

from server.reconcile.draft import FlagDraft, make_draft
from server.reconcile.fields import member_path
from server.reconcile.rules.codes import nik_problem
from server.reconcile.rules.context import RuleContext

RULE = "NIK_INVALID"


def check(household: dict[str, Any], ctx: RuleContext) -> list[FlagDraft]:
    drafts: list[FlagDraft] = []
    for member in household.get("members") or ():
        nik = member.get("nik")
        if nik is None:
            continue
        problem = nik_problem(nik)
        if problem is not None:
            drafts.append(make_draft(RULE, member_path(member["member_id"], "nik"),
                                     f"NIK tidak valid: {problem}.", registry_value=nik))
    return drafts
