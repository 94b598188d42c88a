"""A village's list of changes for its musdes (Daftar Usulan Perubahan Data), built from
the decisions accepted in a period: pure, so the page, the PDF and the frozen copy agree.

One entry per household: `add` (an accepted new household), `remove` (confirmed not
found or moved, or no living member left), else `update`, with every changed place as
before and after. Deaths and graduation candidates come in as the findings accepted on
them (`DECEASED_RECEIVING_AID`, `GRADUATION_DUE`), the programs they touch as the place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from server.reconcile.diff import find_member, get_at, set_at
from server.reconcile.fields import GONE_STATUSES, parse_path
from server.reconcile.normalize import values_equal

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
    if "HOUSEHOLD_NOT_FOUND" in rules or not_enrolled(household or {}):
        return "remove"
    return "update"


def not_enrolled(household: Mapping[str, Any]) -> bool:
    """Whether nobody of the household lives in it any more: every member `deceased` or
    `moved_out`. The contract's Household has no status of its own, so this is how the
    registry holds a family that has left it (a whole family dead or gone, or an added
    household the musdes refused)."""
    members = household.get("members") or []
    return bool(members) and all(m.get("status", "alive") in GONE_STATUSES for m in members)


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


@dataclass(frozen=True)
class Restoration:
    """A refused entry undone: the household to store (None: nothing to write) and the
    places left as they are, each `{"path", "reason"}` with `reason` one of KEPT_REASONS."""

    household: dict[str, Any] | None
    restored: tuple[str, ...]
    kept: tuple[dict[str, str], ...]


# Why a refused place was not put back: the registry changed it after the decision the
# musdes refused (a later correction stands), or it no longer exists (its member is gone).
KEPT_REASONS = ("changed_since", "gone")


def restored(household: Mapping[str, Any], flags: Iterable[Mapping[str, Any]]) -> Restoration:
    """A refused entry's accepted corrections undone, newest first: each place that still
    holds the value the decision wrote gets back the registry value it held before. A
    place changed since is kept (the later correction stands) and a place whose member
    is gone is skipped; both are reported, so one later edit never blocks the musdes."""
    result = dict(household)
    undo = [f for f in flags if f["rule"] in RESTORABLE_RULES]
    undo.sort(key=lambda f: f.get("resolved_at") or "", reverse=True)
    done: list[str] = []
    kept: list[dict[str, str]] = []
    for flag in undo:
        path = flag["path"]
        if _gone(result, path, flag["field_value"]):
            kept.append({"path": path, "reason": "gone"})
        elif not values_equal(path, get_at(result, path), flag["field_value"]):
            kept.append({"path": path, "reason": "changed_since"})
        else:
            result = set_at(result, path, flag["registry_value"])
            done.append(path)
    return Restoration(result if done else None, tuple(done), tuple(kept))


def _gone(household: dict[str, Any], path: str, written: Any) -> bool:
    """The member the place belongs to is no longer in the household (removed since);
    a member the decision removed is absent by right, and is put back."""
    place = parse_path(path)
    if place.kind != "member" or find_member(household, place.member_id) is not None:
        return False
    return place.field is not None or written is not None


def withdrawn(household: Mapping[str, Any]) -> dict[str, Any]:
    """A refused new household taken out of the registry's enrolment: every member
    `moved_out` and no program, as `not_enrolled` reads it. The household and its
    history stay (its id and versions are never reused or removed)."""
    members = [{**m, "status": "moved_out"} for m in household.get("members") or []]
    return {**household, "members": members, "programs": []}
