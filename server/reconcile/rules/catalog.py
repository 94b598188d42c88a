"""Which data-quality rules exist and how to run them over one household.

Every rule here is registry-level: it needs only a household and a RuleContext, so
the scan command runs them over stored households and the push handler over what the
field observed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from server.reconcile.draft import FlagDraft
from server.reconcile.rules import (
    REGISTRY_LEVEL_RULES,
    deceased_receiving_aid,
    graduation_due,
    head_missing,
    ineligible_desil,
    kk_invalid,
    nik_duplicate,
    nik_invalid,
    nik_mismatch,
    region_unknown,
)
from server.reconcile.rules.context import RuleContext

Check = Callable[[dict[str, Any], RuleContext], list[FlagDraft]]

RULES: dict[str, Check] = {
    module.RULE: module.check
    for module in (
        nik_invalid, nik_mismatch, nik_duplicate, kk_invalid, head_missing,
        deceased_receiving_aid, graduation_due, ineligible_desil, region_unknown,
    )
}

_REGISTRY_LEVEL_CHECKS = tuple(RULES[name] for name in REGISTRY_LEVEL_RULES)


def run_rules(household: dict[str, Any], ctx: RuleContext,
              names: Iterable[str] | None = None) -> list[FlagDraft]:
    """Findings of the named rules (all registry-level rules by default), in table order."""
    checks = _REGISTRY_LEVEL_CHECKS if names is None else tuple(RULES[n] for n in names)
    drafts: list[FlagDraft] = []
    for check in checks:
        drafts.extend(check(household, ctx))
    return drafts
