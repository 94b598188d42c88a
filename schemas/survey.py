"""A verification visit and the push exchange (docs/protocol.md §2 and §3)."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, validates_schema

from schemas import enums
from schemas.base import MAX_COUNTER, StrictSchema, in_range, length, one_of
from schemas.fields import Bool, Dict, Float, Int, List, Nested, Raw, Str, Timestamp, UUIDString
from schemas.household import HouseholdSchema
from schemas.validators import free_text, plain_text, validate_identifier, validate_sha256

MAX_PUSH_BATCH = 500
MAX_PHOTOS = 8
# A re-encoded photo (long edge 1600 px, JPEG ~70) weighs about 150 KB; 20 MB leaves room
# for a phone's original sent as it is, and bounds what one upload may declare.
MAX_PHOTO_BYTES = 20 * 1024 * 1024


class GpsSchema(StrictSchema):
    lat = Float(required=True, validate=in_range(-90, 90))
    lon = Float(required=True, validate=in_range(-180, 180))
    accuracy_m = Float(required=False, allow_none=True, validate=in_range(0, 100_000))


class PhotoSchema(StrictSchema):
    """A photo a survey names (docs/protocol.md §5): its bytes travel separately, by hash."""

    photo_id = Str(required=True, validate=validate_sha256)
    kind = Str(required=True, validate=one_of(enums.PHOTO_KIND))
    taken_at = Timestamp(required=True)
    bytes = Int(required=True, validate=in_range(1, MAX_PHOTO_BYTES))
    content_type = Str(required=True, validate=one_of(enums.PHOTO_CONTENT_TYPE))


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
    # No default: a survey without photos keeps the body (and content hash) it always had.
    photos = List(Nested(PhotoSchema), required=False, validate=length(max=MAX_PHOTOS))

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
        photo_ids = [p.get("photo_id") for p in data.get("photos") or ()]
        for index, photo_id in enumerate(photo_ids):
            if photo_id in photo_ids[:index]:
                errors[f"photos.{index}.photo_id"] = ["Foto tercantum lebih dari sekali."]
        if errors:
            raise ValidationError(errors)


class StoredPhotoSchema(PhotoSchema):
    received = Bool(dump_only=True, metadata={"description": "whether the bytes have arrived"})


class SurveyViewSchema(SurveySchema):
    """`GET /surveys/<id>`: the survey as stored, each photo saying whether it arrived."""

    photos = List(Nested(StoredPhotoSchema), validate=length(max=MAX_PHOTOS))


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
