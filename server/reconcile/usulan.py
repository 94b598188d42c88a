"""A village's list of changes for its musdes (Daftar Usulan Perubahan Data), built from
the decisions accepted in a period: pure, so the page, the PDF and the frozen copy agree.

One entry per household: `add` (an accepted new household), `remove` (confirmed not
found or moved, or no living member left), else `update`, with every changed place as
before and after. Deaths and graduation candidates come in as the findings accepted on
them (`DECEASED_RECEIVING_AID`, `GRADUATION_DUE`), the programs they touch as the place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from server.reconcile.diff import set_at

# Accepted flags of these rules make a household's entry; the others are data-quality
# notes that change nothing a village deliberates.
LIST_RULES = ("FIELD_CHANGED", "MEMBER_ADDED", "MEMBER_REMOVED", "CONFLICT", "NEW_HOUSEHOLD",
              "HOUSEHOLD_NOT_FOUND", "DECEASED_RECEIVING_AID", "GRADUATION_DUE")
# Refusing one of these in the musdes writes the registry value back.
RESTORABLE_RULES = frozenset({"FIELD_CHANGED", "MEMBER_ADDED", "MEMBER_REMOVED", "CONFLICT"})
DECISIONS = ("agreed", "refused")


def head_of(household: Mapping[str, Any] | None) -> dict[str, Any]:
    """The living head (else the first member) as the BNBA names them: name and NIK."""
    members = list((household or {}).get("members") or [])
    heads = [m for m in members if m.get("relationship") == "head"
             and m.get("status", "alive") == "alive"]
    chosen = heads[0] if heads else (members[0] if members else {})
    return {"name": chosen.get("name"), "nik": chosen.get("nik")}


def _change(rules: set[str], household: Mapping[str, Any] | None) -> str:
    if "NEW_HOUSEHOLD" in rules:
        return "add"
    members = (household or {}).get("members") or []
    if "HOUSEHOLD_NOT_FOUND" in rules or (
            members and all(m.get("status", "alive") == "deceased" for m in members)):
        return "remove"
    return "update"


def _place(flag: Mapping[str, Any]) -> dict[str, Any]:
    if flag["rule"] in ("DECEASED_RECEIVING_AID", "GRADUATION_DUE"):
        return {"path": flag["path"] or "programs", "before": flag["registry_value"],
                "after": None}
    return {"path": flag["path"], "before": flag["registry_value"],
            "after": flag["field_value"]}


def build_listing(flags: Iterable[Mapping[str, Any]],
                  households: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Entries by household id from accepted `flags` (oldest first) and the current
    `households` they are on (absent for a household no longer held)."""
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for flag in flags:
        if flag["rule"] in LIST_RULES:
            grouped.setdefault(flag["household_id"], []).append(flag)
    entries = []
    for household_id in sorted(grouped):
        own = grouped[household_id]
        household = households.get(household_id)
        rules = {f["rule"] for f in own}
        entries.append({
            "household_id": household_id,
            "change": _change(rules, household),
            "fields": [_place(f) for f in own if f["rule"] != "NEW_HOUSEHOLD"],
            "rules": sorted(rules),
            "kk_number": (household or {}).get("kk_number"),
            "address": (household or {}).get("address"),
            "head": head_of(household),
            "flag_ids": [f["flag_id"] for f in own],
            "survey_ids": sorted({f["survey_id"] for f in own if f.get("survey_id")}),
            "decision": None,
        })
    return entries


def restored(household: Mapping[str, Any], flags: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The household with a refused entry's accepted corrections undone, newest first: each
    place gets back the registry value it held before. Raises PathError for a place that
    no longer exists (a member removed since)."""
    result = dict(household)
    undo = [f for f in flags if f["rule"] in RESTORABLE_RULES]
    undo.sort(key=lambda f: f.get("resolved_at") or "", reverse=True)
    for flag in undo:
        result = set_at(result, flag["path"], flag["registry_value"])
    return result
