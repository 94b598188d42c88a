"""KK_INVALID: a family card number that Dukcapil cannot have issued.

Source: a KK number is 16 digits starting with the Kemendagri area code of the
issuing office, so its first two digits are a province code. The KK number is how
DTSEN joins a household to Dukcapil's records; an invalid one orphans the family.
"""

from __future__ import annotations

from typing import Any

from server.reconcile.draft import FlagDraft, make_draft
from server.reconcile.rules.codes import PROVINCE_CODES, SIXTEEN_DIGITS
from server.reconcile.rules.context import RuleContext

RULE = "KK_INVALID"


def check(household: dict[str, Any], ctx: RuleContext) -> list[FlagDraft]:
    kk_number = household.get("kk_number")
    if kk_number is None:
        problem = "kosong"
    elif not SIXTEEN_DIGITS.fullmatch(kk_number):
        problem = "bukan 16 angka"
    elif kk_number[0:2] not in PROVINCE_CODES:
        problem = "kode provinsi tidak dikenal"
    else:
        return []
    return [make_draft(RULE, "kk_number", f"Nomor KK tidak valid: {problem}.",
                       registry_value=kk_number)]
