"""The contract's data shapes (docs/protocol.md) as marshmallow schemas. Pure: no I/O.

Shared by the server and the field agent, so a survey the capture form accepts is a
survey the server accepts.
"""

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
from schemas.household import HistorySchema, HouseholdSchema, HouseholdViewSchema, MemberSchema
from schemas.survey import MAX_PUSH_BATCH, PushRequestSchema, PushResponseSchema, SurveySchema
from schemas.validators import known_village, normalize_region_code, normalize_region_prefix

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
    "flatten_errors",
    "known_village",
    "normalize_region_code",
    "normalize_region_prefix",
]
