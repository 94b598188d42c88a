"""DECEASED_RECEIVING_AID: aid still flows to a family whose recipient is gone.

Source: Kemensos verification practice — aid is paid to the head (or to the only
member) of an enrolled family; when that person has died, or the family is not found
at its address, the payment must be stopped or re-targeted ("penerima bantuan
meninggal / tidak ditemukan"). Errors because money may be paid to nobody.
"""

from __future__ import annotations

from typing import Any

from schemas.verification import ABSENT_OUTCOMES
from server.reconcile.draft import FlagDraft, make_draft
from server.reconcile.fields import member_path
from server.reconcile.rules.context import RuleContext

RULE = "DECEASED_RECEIVING_AID"

NOT_FOUND_OUTCOMES = frozenset(ABSENT_OUTCOMES)  # the rule of schemas.verification


def check(household: dict[str, Any], ctx: RuleContext) -> list[FlagDraft]:
    """Not found: one flag without a path, `field_value` the outcome.

    Otherwise one flag per deceased head or only member, at its `status`.
    """
    programs = household.get("programs")
    if not programs:
        return []
    if ctx.outcome in NOT_FOUND_OUTCOMES:
        return [make_draft(RULE, None, "Keluarga penerima bantuan tidak ditemukan di alamat.",
                           field_value=ctx.outcome)]
    members = household.get("members") or ()
    drafts: list[FlagDraft] = []
    for member in members:
        if member.get("status") != "deceased":
            continue
        if len(members) == 1:
            message = "Penerima bantuan: satu-satunya anggota keluarga meninggal."
        elif member.get("relationship") == "head":
            message = "Penerima bantuan: Kepala Keluarga meninggal."
        else:
            continue
        drafts.append(make_draft(RULE, member_path(member["member_id"], "status"), message,
                                 registry_value="deceased"))
    return drafts
