"""The monthly cycle's answers (docs/protocol.md §7): a village's list of a period."""

from __future__ import annotations

from schemas.base import StrictSchema, one_of
from schemas.fields import Int, List, Nested, Raw, Str

PERIOD_STATES = ("open", "ratified", "sptjm", "approved")
CHANGES = ("add", "remove", "update")
DECISIONS = ("agreed", "refused")


class ChangedPlaceSchema(StrictSchema):
    path = Str(allow_none=True)
    before = Raw(allow_none=True)
    after = Raw(allow_none=True)


class HeadSchema(StrictSchema):
    name = Str(allow_none=True)
    nik = Str(allow_none=True)


class KeptPlaceSchema(StrictSchema):
    """A place a musdes refusal left as it is: changed since the decision, or gone."""

    path = Str(required=True)
    reason = Str(required=True, validate=one_of(("changed_since", "gone")))


class ListedHouseholdSchema(StrictSchema):
    household_id = Str(required=True)
    change = Str(required=True, validate=one_of(CHANGES))
    places = List(Nested(ChangedPlaceSchema), required=True, data_key="fields")
    rules = List(Str())
    kk_number = Str(allow_none=True)
    address = Str(allow_none=True)
    head = Nested(HeadSchema)
    flag_ids = List(Str())
    survey_ids = List(Str())
    photo_ids = List(Str())
    decision = Str(allow_none=True, validate=one_of(DECISIONS))
    kept = List(Nested(KeptPlaceSchema))  # a refused entry's places not put back


class MusdesSchema(StrictSchema):
    signed_as = Str(validate=one_of(("musdes", "sptjm")))
    held_on = Str(allow_none=True)
    attendees = Int(allow_none=True)
    scan_id = Str(allow_none=True)
    frozen_at = Str()
    frozen_by = Str()


class VillageListSchema(StrictSchema):
    period = Str(required=True)
    village = Str(required=True)
    state = Str(required=True, validate=one_of(PERIOD_STATES))
    households = List(Nested(ListedHouseholdSchema), required=True)
    musdes = Nested(MusdesSchema, allow_none=True)
