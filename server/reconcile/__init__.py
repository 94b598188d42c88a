"""Reconciliation: pure functions from households and surveys to flag drafts.

No I/O and no web or database imports: the API, the CLI and the tests call the same
functions with plain dicts in the contract's shapes (docs/protocol.md §2).
"""

from server.reconcile.diff import Difference, diff_households, get_at, set_at
from server.reconcile.draft import FlagDraft
from server.reconcile.engine import (
    apply_flag,
    changes_registry,
    reconcile_survey,
    scan_household,
    still_true,
    survey_state,
)
from server.reconcile.fields import PathError
from server.reconcile.merge import merge
from server.reconcile.normalize import values_equal
from server.reconcile.rules import REGISTRY_LEVEL_RULES, SEVERITY
from server.reconcile.rules.context import RuleContext

__all__ = [
    "REGISTRY_LEVEL_RULES",
    "SEVERITY",
    "Difference",
    "FlagDraft",
    "PathError",
    "RuleContext",
    "apply_flag",
    "changes_registry",
    "diff_households",
    "get_at",
    "merge",
    "reconcile_survey",
    "scan_household",
    "set_at",
    "still_true",
    "survey_state",
    "values_equal",
]
