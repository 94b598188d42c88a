"""REGION_UNKNOWN: a well-formed village code missing from the current Kemendagri list.

Source: the Kemendagri code list (Kepmendagri on codes and data of administrative
areas) is revised as villages split and merge; a household still on a retired code
falls out of every village's list and out of every enumerator's assignment.
Malformed codes are refused by the schema and are not this rule's concern.
"""

from __future__ import annotations

from typing import Any

from server.reconcile.draft import FlagDraft, make_draft
from server.reconcile.rules.codes import TEN_DIGITS
from server.reconcile.rules.context import RuleContext

RULE = "REGION_UNKNOWN"


def check(household: dict[str, Any], ctx: RuleContext) -> list[FlagDraft]:
    region_code = household.get("region_code")
    if not region_code:
        return []
    code = region_code.replace(".", "")
    if not TEN_DIGITS.fullmatch(code) or ctx.known_village(code):
        return []
    return [make_draft(RULE, "region_code",
                       "Kode wilayah tidak ada dalam daftar desa/kelurahan Kemendagri.",
                       registry_value=region_code)]
