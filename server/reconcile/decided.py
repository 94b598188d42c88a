"""A decision sticks: a visit does not raise again what a supervisor already decided.

A later visit that reports the same discrepancy a supervisor rejected (same household,
same rule and place, the same field value against the same registry value) brings no
new evidence, so it raises no new open flag; a changed value does. A data-quality
finding accepted or rejected on the same values stays decided too (as with the scan).
An accepted observation needs nothing here: it wrote the registry, so the same value is
no difference any more. Whole-household findings (not found, a proposal) are events of
each visit and are always raised.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from server.reconcile.draft import FlagDraft
from server.reconcile.normalize import values_equal
from server.reconcile.rules import OBSERVATION_RULES

# Raised by each visit that finds it: a second "not found" is its own evidence.
_PER_VISIT_RULES = frozenset({"HOUSEHOLD_NOT_FOUND", "NEW_HOUSEHOLD"})


def sticks(flag: Mapping[str, Any]) -> bool:
    """Whether a decided flag keeps a later visit from raising the same finding."""
    if flag["rule"] in _PER_VISIT_RULES:
        return False
    if flag["rule"] in OBSERVATION_RULES:
        return flag["status"] == "rejected"
    return flag["status"] in ("accepted", "rejected")


def same_finding(draft: FlagDraft, flag: Mapping[str, Any]) -> bool:
    """The same rule at the same place on the same values (compared as observations)."""
    if draft.rule != flag["rule"] or draft.path != flag.get("path"):
        return False
    pairs = ((draft.registry_value, flag.get("registry_value")),
             (draft.field_value, flag.get("field_value")),
             (draft.other_value, flag.get("other_value")))
    if draft.path is None:
        return all(a == b for a, b in pairs)
    return all(values_equal(draft.path, a, b) for a, b in pairs)


def without_decided(drafts: Iterable[FlagDraft], decided: Iterable[Mapping[str, Any]]
                    ) -> tuple[list[FlagDraft], list[Mapping[str, Any]]]:
    """(drafts still to raise, the earlier decided flags that cover the others)."""
    standing = [f for f in decided if sticks(f)]
    kept: list[FlagDraft] = []
    carried: list[Mapping[str, Any]] = []
    for draft in drafts:
        earlier = next((f for f in standing if same_finding(draft, f)), None)
        if earlier is None:
            kept.append(draft)
        elif earlier not in carried:
            carried.append(earlier)
    return kept, carried
