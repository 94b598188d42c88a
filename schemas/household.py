"""Household, member, housing, assets and programs (docs/protocol.md §2)."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, validates_schema

from schemas import enums
from schemas.base import MAX_COUNTER, StrictSchema, in_range, length, one_of
from schemas.fields import Bool, DateString, Int, List, Nested, Str
from schemas.shape import MEMBER_DEFAULTS
from schemas.validators import (
    normalize_region_code,
    plain_text,
    validate_identifier,
    validate_kk,
    validate_nik,
)


class RegionCode(Str):
    """A village code; dotted input is accepted and stored undotted."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        return normalize_region_code(super()._deserialize(value, attr, data, **kwargs))


def _text(max_len: int = 100, **kwargs: Any) -> Str:
    return Str(validate=[length(1, max_len), plain_text], **kwargs)


def _choice(choices: tuple[str, ...], **kwargs: Any) -> Str:
    return Str(validate=one_of(choices), **kwargs)


def _optional(field: type, *args: Any, **kwargs: Any) -> Any:
    return field(*args, required=False, allow_none=True, **kwargs)


class MemberSchema(StrictSchema):
    member_id = Str(required=True, validate=validate_identifier)
    nik = Str(required=False, allow_none=True, load_default=None, validate=validate_nik)
    name = _text(required=True)
    sex = _choice(enums.SEX, required=True)
    birth_date = DateString(required=True)
    relationship = _choice(enums.RELATIONSHIP, required=True)
    marital_status = _optional(Str, validate=one_of(enums.MARITAL_STATUS))
    education = _optional(Str, validate=one_of(enums.EDUCATION))
    occupation = _optional(Str, validate=[length(1, 100), plain_text])
    disability = _choice(enums.DISABILITY, load_default=MEMBER_DEFAULTS["disability"])
    status = _choice(enums.MEMBER_STATUS, load_default=MEMBER_DEFAULTS["status"])


class HousingSchema(StrictSchema):
    ownership = _optional(Str, validate=one_of(enums.OWNERSHIP))
    floor_area_m2 = _optional(Int, validate=in_range(0, 100_000))
    floor = _optional(Str, validate=one_of(enums.FLOOR))
    wall = _optional(Str, validate=one_of(enums.WALL))
    roof = _optional(Str, validate=one_of(enums.ROOF))
    water_source = _optional(Str, validate=one_of(enums.WATER_SOURCE))
    lighting = _optional(Str, validate=one_of(enums.LIGHTING))
    cooking_fuel = _optional(Str, validate=one_of(enums.COOKING_FUEL))
    toilet = _optional(Str, validate=one_of(enums.TOILET))


class AssetsSchema(StrictSchema):
    motorcycle = _optional(Int, validate=in_range(0, 100))
    car = _optional(Int, validate=in_range(0, 100))
    refrigerator = _optional(Bool)
    land_m2 = _optional(Int, validate=in_range(0, 100_000_000))


class ProgramSchema(StrictSchema):
    program = _choice(enums.PROGRAM, required=True)
    since = DateString(required=True)


class HouseholdSchema(StrictSchema):
    """A household as imported, observed at the door, or served (then with `version`).

    `version` is the server's alone: it is dump-only, so input carrying it is refused.
    """

    household_id = Str(required=True, validate=validate_identifier)
    kk_number = Str(required=True, validate=validate_kk)
    region_code = RegionCode(required=True)
    address = _optional(Str, validate=[length(1, 200), plain_text])
    desil = _optional(Int, validate=in_range(1, 10))
    housing = Nested(HousingSchema, required=False, allow_none=True, load_default=None)
    assets = Nested(AssetsSchema, required=False, allow_none=True, load_default=None)
    programs = List(Nested(ProgramSchema), load_default=list)
    members = List(Nested(MemberSchema), required=True, validate=length(min=1))
    version = Int(dump_only=True, validate=in_range(1, MAX_COUNTER))

    @validates_schema
    def _unique_keys(self, data: dict[str, Any], **_: Any) -> None:
        seen: set[str] = set()
        for index, member in enumerate(data.get("members") or []):
            member_id = member.get("member_id")
            if member_id in seen:
                raise ValidationError(
                    {"members": {index: {"member_id": ["member_id sudah dipakai anggota lain."]}}}
                )
            seen.add(member_id)
        programs = [p.get("program") for p in data.get("programs") or []]
        for index, program in enumerate(programs):
            if program in programs[:index]:
                raise ValidationError(
                    {"programs": {index: {"program": ["Program tercantum lebih dari sekali."]}}}
                )


class VerificationSchema(StrictSchema):
    state = Str(validate=one_of(enums.VERIFICATION_STATE))
    survey_id = Str(allow_none=True)
    at = Str(allow_none=True)
    # Photos named by the household's surveys whose bytes have not arrived (§5).
    photos_pending = Int(validate=in_range(0, MAX_COUNTER))


class HouseholdViewSchema(HouseholdSchema):
    """`GET /households/<id>`: the household, its version and its verification state."""

    verification = Nested(VerificationSchema, dump_only=True)


class HistoryEntrySchema(StrictSchema):
    version = Int(validate=in_range(1, MAX_COUNTER))
    source = Str(validate=one_of(enums.HISTORY_SOURCE))
    source_id = Str(allow_none=True)
    actor = Str(allow_none=True)
    at = Str()
    household = Nested(HouseholdSchema)


class HistorySchema(StrictSchema):
    household_id = Str()
    versions = List(Nested(HistoryEntrySchema))
