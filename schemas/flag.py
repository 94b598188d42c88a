"""Flags, their resolution, and the pull feed's changes (docs/protocol.md §2 and §3)."""

from __future__ import annotations

from schemas import enums
from schemas.base import MAX_COUNTER, StrictSchema, in_range, length, one_of
from schemas.fields import Bool, Int, List, Nested, QueryInt, Raw, Str
from schemas.household import HouseholdViewSchema
from schemas.validators import free_text, plain_text


class FlagSchema(StrictSchema):
    flag_id = Str()
    household_id = Str()
    survey_id = Str(allow_none=True)
    rule = Str(validate=one_of(enums.RULES))
    severity = Str(validate=one_of(enums.SEVERITY))
    path = Str(allow_none=True)
    registry_value = Raw(allow_none=True)
    field_value = Raw(allow_none=True)
    other_value = Raw(allow_none=True)
    message = Str()
    status = Str(validate=one_of(enums.FLAG_STATUS))
    created_at = Str()
    resolved_by = Str(allow_none=True)
    resolved_at = Str(allow_none=True)
    resolution_note = Str(allow_none=True)


class ResolveSchema(StrictSchema):
    action = Str(required=True, validate=one_of(enums.RESOLVE_ACTION))
    note = Str(required=False, allow_none=True, load_default=None, validate=[length(max=2000), free_text])


class FlagQuerySchema(StrictSchema):
    status = Str(validate=one_of(enums.FLAG_STATUS))
    rule = Str(validate=one_of(enums.RULES))
    region = Str(validate=[length(2, 13), plain_text])  # up to 18.11.01.2001; the form: normalize_region_prefix
    household_id = Str(validate=[length(1, 40), plain_text])
    cursor = Str(validate=[length(1, 200), plain_text])
    limit = QueryInt(validate=in_range(1, 1000), load_default=100)


class FlagPageSchema(StrictSchema):
    flags = List(Nested(FlagSchema))
    cursor = Str(allow_none=True)
    has_more = Bool()


class AssignmentSchema(StrictSchema):
    assignment_id = Str()
    household_id = Str()
    status = Str(validate=one_of(enums.ASSIGNMENT_STATUS))
    note = Str(allow_none=True)


class ChangeSchema(StrictSchema):
    seq = Int(validate=in_range(1, MAX_COUNTER))
    kind = Str(validate=one_of(enums.CHANGE_KIND))
    household = Nested(HouseholdViewSchema)  # with `version` and `verification`
    assignment = Nested(AssignmentSchema)
    flag = Nested(FlagSchema)


class PullQuerySchema(StrictSchema):
    cursor = Str(validate=[length(1, 200), plain_text])
    limit = QueryInt(validate=in_range(1, 5000), load_default=1000)


class PullResponseSchema(StrictSchema):
    changes = List(Nested(ChangeSchema))
    cursor = Str()
    has_more = Bool()
