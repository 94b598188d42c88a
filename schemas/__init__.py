"""The contract's data shapes (docs/protocol.md) as marshmallow schemas. Pure: no I/O.

Shared by the server and the field agent, so a survey the capture form accepts is a
survey the server accepts. The schemas load on first use: the vocabulary modules
(`enums`, `labels`, `shape`, `verification`) carry no marshmallow, so the pure
`server.reconcile` can import them and stay free of it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from schemas.errors import ErrorBodySchema, flatten_errors
    from schemas.flag import (
        AssignmentSchema,
        ChangeSchema,
        FlagPageSchema,
        FlagQuerySchema,
        FlagSchema,
        PullQuerySchema,
        PullResponseSchema,
        ResolveSchema,
    )
    from schemas.household import (
        HistorySchema,
        HouseholdSchema,
        HouseholdViewSchema,
        MemberSchema,
    )
    from schemas.period import VillageListSchema
    from schemas.survey import (
        MAX_PUSH_BATCH,
        PushRequestSchema,
        PushResponseSchema,
        SurveySchema,
        SurveyViewSchema,
    )
    from schemas.validators import known_village, normalize_region_code, normalize_region_prefix

_HOME = {
    "ErrorBodySchema": "errors", "flatten_errors": "errors",
    "AssignmentSchema": "flag", "ChangeSchema": "flag", "FlagPageSchema": "flag",
    "FlagQuerySchema": "flag", "FlagSchema": "flag", "PullQuerySchema": "flag",
    "PullResponseSchema": "flag", "ResolveSchema": "flag",
    "HistorySchema": "household", "HouseholdSchema": "household",
    "HouseholdViewSchema": "household", "MemberSchema": "household",
    "MAX_PUSH_BATCH": "survey", "PushRequestSchema": "survey", "PushResponseSchema": "survey",
    "SurveySchema": "survey", "VillageListSchema": "period",
    "SurveyViewSchema": "survey",
    "known_village": "validators", "normalize_region_code": "validators",
    "normalize_region_prefix": "validators",
}

__all__ = [
    "MAX_PUSH_BATCH",
    "AssignmentSchema",
    "ChangeSchema",
    "ErrorBodySchema",
    "FlagPageSchema",
    "FlagQuerySchema",
    "FlagSchema",
    "HistorySchema",
    "HouseholdSchema",
    "HouseholdViewSchema",
    "MemberSchema",
    "PullQuerySchema",
    "PullResponseSchema",
    "PushRequestSchema",
    "PushResponseSchema",
    "ResolveSchema",
    "SurveySchema",
    "VillageListSchema",
    "SurveyViewSchema",
    "flatten_errors",
    "known_village",
    "normalize_region_code",
    "normalize_region_prefix",
]


def __getattr__(name: str) -> Any:
    """`from schemas import SurveySchema` loads `schemas.survey` (and marshmallow) then."""
    if name not in _HOME:
        raise AttributeError(f"module 'schemas' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"schemas.{_HOME[name]}"), name)
    globals()[name] = value
    return value
