"""HEAD_MISSING: the members living in the household have no head, or more than one.

Source: a Kartu Keluarga has exactly one Kepala Keluarga. Aid is registered to the
family through its head; with none (the head died or moved out) or two (a merged or
double-entered family) nobody can rightly receive it. Only `alive` members count.
"""

from __future__ import annotations

from typing import Any

from server.reconcile.draft import FlagDraft, make_draft
from server.reconcile.rules.context import RuleContext

RULE = "HEAD_MISSING"


def check(household: dict[str, Any], ctx: RuleContext) -> list[FlagDraft]:
    """`registry_value` is the number of living heads found (0, or 2 and more)."""
    heads = 0
    for member in household.get("members") or ():
        if member.get("relationship") == "head" and member.get("status", "alive") == "alive":
            heads += 1
    if heads == 1:
        return []
    message = ("Tidak ada Kepala Keluarga di antara anggota yang tinggal bersama."
               if heads == 0 else "Lebih dari satu Kepala Keluarga.")
    return [make_draft(RULE, None, message, registry_value=heads)]
