"""A verification visit and the push exchange (docs/protocol.md §2 and §3)."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, validates_schema

from schemas import enums
from schemas.base import MAX_COUNTER, StrictSchema, in_range, length, one_of
from schemas.fields import Bool, Dict, Float, Int, List, Nested, Raw, Str, Timestamp, UUIDString
from schemas.household import HouseholdSchema
from schemas.validators import free_text, plain_text, validate_identifier

MAX_PUSH_BATCH = 500


class GpsSchema(StrictSchema):
    lat = Float(required=True, validate=in_range(-90, 90))
    lon = Float(required=True, validate=in_range(-180, 180))
    accuracy_m = Float(required=False, allow_none=True, validate=in_range(0, 100_000))


class SurveySchema(StrictSchema):
    survey_id = UUIDString(required=True)
    household_id = Str(required=True, validate=validate_identifier)
    base_version = Int(required=True, allow_none=True, validate=in_range(1, MAX_COUNTER))
    parent_survey_id = UUIDString(required=False, allow_none=True, load_default=None)
    device_seq = Int(required=True, validate=in_range(1, MAX_COUNTER))
    started_at = Timestamp(required=True)
    completed_at = Timestamp(required=True)
    outcome = Str(required=True, validate=one_of(enums.OUTCOME))
    observed = Nested(HouseholdSchema, required=False, allow_none=True, load_default=None)
    gps = Nested(GpsSchema, required=False, allow_none=True, load_default=None)
    notes = Str(required=False, allow_none=True, load_default=None, validate=[length(max=2000), free_text])

    @validates_schema
    def _consistent(self, data: dict[str, Any], **_: Any) -> None:
        errors: dict[str, list[str]] = {}
        outcome = data.get("outcome")
        observed = data.get("observed")
        if outcome == "found" and observed is None:
            errors["observed"] = ["Wajib diisi bila keluarga ditemukan (outcome found)."]
        elif outcome != "found" and observed is not None:
            errors["observed"] = ["Hanya diisi bila keluarga ditemukan (outcome found)."]
        if observed is not None and observed.get("household_id") != data.get("household_id"):
            errors["observed.household_id"] = ["Harus sama dengan household_id kunjungan."]
        if data.get("base_version") is None:
            if not str(data.get("household_id", "")).startswith("NEW-"):
                errors["household_id"] = ["Usulan baru (base_version null) harus berawalan NEW-."]
            if outcome != "found":
                errors["outcome"] = ["Usulan baru harus berhasil ditemukan (found)."]
        if data.get("parent_survey_id") and data.get("parent_survey_id") == data.get("survey_id"):
            errors["parent_survey_id"] = ["Tidak boleh sama dengan survey_id."]
        if errors:
            raise ValidationError(errors)


class PushRequestSchema(StrictSchema):
    """Items stay raw here: each is validated alone so one bad item spoils no other."""

    device_id = Str(required=True, validate=[length(1, 64), plain_text])
    surveys = List(
        Raw(metadata={"type": "object", "description": "a Survey, checked on its own"}),
        required=True, validate=length(max=MAX_PUSH_BATCH),
    )


class PushResultSchema(StrictSchema):
    survey_id = Str(allow_none=True)
    status = Str(validate=one_of(enums.PUSH_STATUS))
    state = Str(allow_none=True)
    flags = List(Dict())
    errors = Dict(allow_none=True)


class PushResponseSchema(StrictSchema):
    results = List(Nested(PushResultSchema))
    wipe = Bool(metadata={"description": "present and true when the token was marked lost: "
                          "the laptop wipes its local personal data once nothing is pending"})
