"""NIK_DUPLICATE: one NIK held by two members, in this household or another.

Source: a NIK is unique for life (UU 24/2013 on population administration). Two
holders mean a data-entry error or a person counted — and paid — twice. A member
marked `moved_out` no longer counts here: after a move the same person rightly
appears, alive, in the family card they joined.
"""

from __future__ import annotations

from typing import Any

from server.reconcile.draft import FlagDraft, make_draft
from server.reconcile.fields import member_path
from server.reconcile.rules.context import RuleContext

RULE = "NIK_DUPLICATE"

_MESSAGES = {
    (True, False): "NIK sama dengan anggota lain dalam keluarga ini.",
    (False, True): "NIK juga tercatat di keluarga lain.",
    (True, True): "NIK sama dengan anggota lain dalam keluarga ini dan di keluarga lain.",
}


def check(household: dict[str, Any], ctx: RuleContext) -> list[FlagDraft]:
    """`other_value` lists the other holders as `{"household_id", "member_id"}`.

    Holders the look-up reports in this same household are ignored: the household in
    hand is the newer truth about itself.
    """
    household_id = household.get("household_id")
    lookup = ctx.nik_holders
    by_nik: dict[str, list[str]] = {}
    elsewhere: dict[str, list[dict[str, str]]] = {}
    repeated = False
    for member in household.get("members") or ():
        nik = member.get("nik")
        if nik is None or member.get("status") == "moved_out":
            continue
        if nik in by_nik:
            repeated = True
            by_nik[nik].append(member["member_id"])
            continue
        by_nik[nik] = [member["member_id"]]
        holders = lookup(nik)
        if holders:
            outside = [{"household_id": other_household, "member_id": other_member}
                       for other_household, other_member in holders
                       if other_household != household_id]
            if outside:
                elsewhere[nik] = outside
    if not repeated and not elsewhere:
        return []
    drafts: list[FlagDraft] = []
    for nik, member_ids in by_nik.items():
        outside = elsewhere.get(nik, [])
        if len(member_ids) == 1 and not outside:
            continue
        for member_id in member_ids:
            here = [{"household_id": household_id, "member_id": other}
                    for other in member_ids if other != member_id]
            message = _MESSAGES[bool(here), bool(outside)]
            drafts.append(make_draft(RULE, member_path(member_id, "nik"), message,
                                     registry_value=nik, other_value=here + outside))
    return drafts
