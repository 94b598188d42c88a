"""A flag before it is stored: what the reconciliation hands to the server.

The store adds `flag_id`, `household_id`, `survey_id`, `status` and timestamps.
Messages are short Bahasa Indonesia and never carry a NIK or a name: personal data
lives only in the value fields, which the pages show to authorised users.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.reconcile.rules import SEVERITY


@dataclass(frozen=True, slots=True)
class FlagDraft:
    rule: str
    severity: str
    path: str | None
    registry_value: Any
    field_value: Any
    other_value: Any
    message: str


def make_draft(rule: str, path: str | None, message: str, *, registry_value: Any = None,
               field_value: Any = None, other_value: Any = None) -> FlagDraft:
    """A draft whose severity comes from the one table in `rules`."""
    return FlagDraft(rule, SEVERITY[rule], path, registry_value, field_value, other_value,
                     message)
