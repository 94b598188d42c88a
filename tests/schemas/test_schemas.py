"""Every validator of the contract's shapes (docs/protocol.md §2), one case a row.

These are the messages an admin reads in an import's reject list and an enumerator
sees when the server refuses a survey, so each is checked by its field path.
"""

from __future__ import annotations

import copy
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import marshmallow
import pytest
from marshmallow import ValidationError

from schemas import (
    HouseholdSchema,
    MemberSchema,
    ResolveSchema,
    SurveySchema,
    enums,
    flatten_errors,
    normalize_region_code,
    normalize_region_prefix,
)
from schemas.validators import validate_identifier, validate_kk, validate_nik
from tests.factories import household


def errors_of(schema: Any, data: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        schema.load(data)
    return flatten_errors(caught.value.messages)


def changed(path: str, value: Any) -> dict[str, Any]:
    """The factory household with the value at a dotted path set (or removed: ...)."""
    body = copy.deepcopy(household())
    *parents, last = path.split(".")
    target: Any = body
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if value is ...:
        del target[int(last) if last.isdigit() else last]
    elif last.isdigit():
        target[int(last)] = value
    else:
        target[last] = value
    return body


def value_at(body: Any, path: str) -> Any:
    """The value at a dotted path; KeyError when a key on the way is absent."""
    target = body
    for part in path.split("."):
        target = target[int(part)] if part.isdigit() else target[part]
    return target


def test_the_factory_household_is_valid() -> None:
    loaded = HouseholdSchema().load(household())
    assert loaded["members"][0]["nik"] == "1811014507800002"
    assert "version" not in loaded


# --- identifiers ---------------------------------------------------------------------

@pytest.mark.parametrize("nik", ["1811014507800002", "3201010101990001"])
def test_nik_sixteen_digits_pass(nik: str) -> None:
    validate_nik(nik)


@pytest.mark.parametrize(
    "nik", ["181101450780000", "18110145078000021", "18110145078000ab", "", " 1811014507800002",
            "1811-01450780000", "１８１１０１４５０７８０００２"],
)
def test_nik_not_sixteen_ascii_digits_fail(nik: str) -> None:
    with pytest.raises(ValidationError, match="NIK harus tepat 16 angka"):
        validate_nik(nik)


@pytest.mark.parametrize("kk", ["181101010117000", "18110101011700031", "18110101011700A3", ""])
def test_kk_number_not_sixteen_digits_fails(kk: str) -> None:
    with pytest.raises(ValidationError, match="Nomor KK"):
        validate_kk(kk)


@pytest.mark.parametrize("value", ["m1", "1811012001-000017", "NEW-3f1c2a9e", "a.b_c-d", "x" * 40])
def test_identifier_accepts(value: str) -> None:
    validate_identifier(value)


@pytest.mark.parametrize("value", ["", "x" * 41, "m 1", "m/1", "m1\n", "é"])
def test_identifier_refuses(value: str) -> None:
    with pytest.raises(ValidationError):
        validate_identifier(value)


# --- region codes --------------------------------------------------------------------

@pytest.mark.parametrize(
    ("given", "stored"),
    [("1811012001", "1811012001"), ("18.11.01.2001", "1811012001"), (" 1811012001 ", "1811012001")],
)
def test_region_code_dotted_or_not_is_stored_undotted(given: str, stored: str) -> None:
    assert normalize_region_code(given) == stored
    assert HouseholdSchema().load(changed("region_code", given))["region_code"] == stored


@pytest.mark.parametrize(
    "bad", ["181101200", "18110120011", "18.11.01", "18.1101.2001", "18-11-01-2001", "1811O12001", ""]
)
def test_region_code_malformed_is_refused(bad: str) -> None:
    with pytest.raises(ValidationError):
        normalize_region_code(bad)
    assert "region_code" in errors_of(HouseholdSchema(), changed("region_code", bad))


@pytest.mark.parametrize(
    ("given", "stored"),
    [("18", "18"), ("1811", "1811"), ("18.11", "1811"), ("18.11.01", "181101"),
     ("18.11.01.2001", "1811012001")],
)
def test_region_prefix_levels(given: str, stored: str) -> None:
    assert normalize_region_prefix(given) == stored


@pytest.mark.parametrize("bad", ["1", "181", "18110", "1811012", "18.11.0", "abcd"])
def test_region_prefix_bad(bad: str) -> None:
    with pytest.raises(ValidationError):
        normalize_region_prefix(bad)


# --- household fields ----------------------------------------------------------------

@pytest.mark.parametrize(
    ("path", "value", "error_path"),
    [
        ("household_id", "has space", "household_id"),
        ("household_id", "x" * 41, "household_id"),
        ("kk_number", "181101010117000", "kk_number"),
        ("kk_number", 1811010101170003, "kk_number"),
        ("desil", 0, "desil"),
        ("desil", 11, "desil"),
        ("desil", "3", "desil"),
        ("desil", 3.0, "desil"),
        ("desil", True, "desil"),
        ("address", "", "address"),
        ("address", "x" * 201, "address"),
        ("housing.floor_area_m2", -1, "housing.floor_area_m2"),
        ("housing.floor_area_m2", "36", "housing.floor_area_m2"),
        ("assets.motorcycle", 1.5, "assets.motorcycle"),
        ("assets.car", False, "assets.car"),
        ("assets.refrigerator", 1, "assets.refrigerator"),
        ("assets.refrigerator", "true", "assets.refrigerator"),
        ("assets.land_m2", -5, "assets.land_m2"),
        ("housing", [], "housing"),
        ("programs", {}, "programs"),
        ("programs.0.since", "2023-02-30", "programs.0.since"),
        ("programs.0.since", "01-03-2023", "programs.0.since"),
        ("programs.0.since", "2023-03-01T00:00:00", "programs.0.since"),
        ("members", [], "members"),
        ("members.0.nik", "181101450780000", "members.0.nik"),
        ("members.1.nik", 1811011203050001, "members.1.nik"),
        ("members.0.name", "", "members.0.name"),
        ("members.0.name", "x" * 101, "members.0.name"),
        ("members.0.birth_date", "1980-13-05", "members.0.birth_date"),
        ("members.0.birth_date", None, "members.0.birth_date"),
        ("members.0.member_id", "m 1", "members.0.member_id"),
        ("members.0.occupation", "", "members.0.occupation"),
        ("members.0.disability", None, "members.0.disability"),
    ],
)
def test_household_field_errors_are_keyed_by_path(path: str, value: Any, error_path: str) -> None:
    assert error_path in errors_of(HouseholdSchema(), changed(path, value))


@pytest.mark.parametrize(
    "path",
    ["household_id", "kk_number", "region_code", "members", "members.0.member_id",
     "members.0.name", "members.0.sex", "members.0.birth_date", "members.0.relationship",
     "programs.0.program", "programs.0.since"],
)
def test_required_fields(path: str) -> None:
    assert errors_of(HouseholdSchema(), changed(path, ...))[path] == ["Wajib diisi."]


@pytest.mark.parametrize(
    "path",
    ["address", "desil", "housing", "assets", "programs", "members.0.nik",
     "members.0.marital_status", "members.0.education", "members.0.occupation",
     "members.0.disability", "members.0.status", "housing.floor", "assets.car"],
)
def test_optional_fields_may_be_absent(path: str) -> None:
    HouseholdSchema().load(changed(path, ...))


def test_defaults_fill_in() -> None:
    body = household()
    for key in ("housing", "assets", "programs"):
        body.pop(key)
    for key in ("nik", "disability", "status"):
        body["members"][0].pop(key)
    loaded = HouseholdSchema().load(body)
    assert loaded["housing"] is None and loaded["assets"] is None and loaded["programs"] == []
    member = loaded["members"][0]
    assert (member["nik"], member["disability"], member["status"]) == (None, "none", "alive")


@pytest.mark.parametrize("path", [f"housing.{f}" for f in (
    "ownership", "floor_area_m2", "floor", "wall", "roof", "water_source", "lighting",
    "cooking_fuel", "toilet")] + [f"assets.{f}" for f in ("motorcycle", "car", "refrigerator",
                                                          "land_m2")] + ["members.0.nik"])
def test_unknown_is_null(path: str) -> None:
    loaded = HouseholdSchema().load(changed(path, None))
    assert value_at(loaded, path) is None  # present and null: unknown, not absent nor blank


ENUMERATED = [
    ("members.0.sex", enums.SEX), ("members.0.relationship", enums.RELATIONSHIP),
    ("members.0.marital_status", enums.MARITAL_STATUS), ("members.0.education", enums.EDUCATION),
    ("members.0.disability", enums.DISABILITY), ("members.0.status", enums.MEMBER_STATUS),
    ("housing.ownership", enums.OWNERSHIP), ("housing.floor", enums.FLOOR),
    ("housing.wall", enums.WALL), ("housing.roof", enums.ROOF),
    ("housing.water_source", enums.WATER_SOURCE), ("housing.lighting", enums.LIGHTING),
    ("housing.cooking_fuel", enums.COOKING_FUEL), ("housing.toilet", enums.TOILET),
    ("programs.0.program", enums.PROGRAM),
]


@pytest.mark.parametrize(("path", "choices"), ENUMERATED)
def test_enumerations_accept_every_choice(path: str, choices: tuple[str, ...]) -> None:
    for choice in choices:
        HouseholdSchema().load(changed(path, choice))


@pytest.mark.parametrize(("path", "choices"), ENUMERATED)
@pytest.mark.parametrize("bad", ["unknown_value", "", 1])
def test_enumerations_refuse_others(path: str, choices: tuple[str, ...], bad: Any) -> None:
    assert path in errors_of(HouseholdSchema(), changed(path, bad))


@pytest.mark.parametrize("case_changed", ["f", "Head", "PKH ", "pkh"])
def test_enumerations_are_case_exact(case_changed: str) -> None:
    path = {"f": "members.0.sex", "Head": "members.0.relationship"}.get(
        case_changed, "programs.0.program")
    assert path in errors_of(HouseholdSchema(), changed(path, case_changed))


def test_enumerations_match_the_contract() -> None:
    assert enums.RELATIONSHIP == ("head", "spouse", "child", "child_in_law", "grandchild",
                                  "parent", "parent_in_law", "other_relative", "other")
    assert enums.LIGHTING == ("pln_meter", "pln_no_meter", "non_pln", "none")
    assert enums.PROGRAM == ("PKH", "BPNT", "PBI_JK", "BLT")


def test_field_lists_are_the_schemas_own() -> None:
    from schemas import shape
    from schemas.household import AssetsSchema, HousingSchema, MemberSchema

    top = HouseholdSchema().load_fields
    assert shape.TOP_FIELDS == tuple(
        n for n in top if n not in ("household_id", "housing", "assets", "programs", "members"))
    assert shape.HOUSING_FIELDS == tuple(HousingSchema().fields)
    assert shape.ASSET_FIELDS == tuple(AssetsSchema().fields)
    assert ("member_id", *shape.MEMBER_FIELDS) == tuple(MemberSchema().fields)
    defaults = {n: f.load_default for n, f in MemberSchema().fields.items()
                if f.load_default not in (None, marshmallow.missing)}
    assert shape.MEMBER_DEFAULTS == defaults


def test_vocabulary_modules_load_without_marshmallow() -> None:
    code = ("import sys, schemas.enums, schemas.labels, schemas.shape, schemas.verification; "
            "print('marshmallow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"


def test_every_code_and_field_has_words_in_the_contract_order() -> None:
    from schemas import labels, shape

    named = [name for name in dir(labels) if name.isupper() and hasattr(enums, name)]
    assert len(named) >= 20, named
    for name in named:
        assert tuple(getattr(labels, name)) == getattr(enums, name), name
    for field, words in labels.VALUES.items():
        assert words is getattr(labels, {"status": "MEMBER_STATUS"}.get(field, field.upper()))
    fields = (*shape.TOP_FIELDS, *shape.HOUSING_FIELDS, *shape.ASSET_FIELDS,
              *shape.MEMBER_FIELDS, "household_id", "programs")
    assert set(fields) <= set(labels.FIELD)


def test_the_data_shapes_guide_uses_the_same_words() -> None:
    from schemas import labels

    guide = (Path(__file__).resolve().parents[2] / "docs" / "data-shapes.md").read_text("utf-8")
    section = guide.split("## Enumerations", 1)[1].split("\n## ", 1)[0]
    seen = set()
    for paragraph in section.split("\n\n"):
        head = re.match(r"\*\*(?:housing\.)?([a-z_]+)\*\*[^(:]*\(([^)]+)\):", paragraph)
        if not head or head.group(1) not in labels.VALUES:
            continue
        field, name = head.groups()
        pairs = re.findall(r"`([A-Za-z_]+)` ([^`·]+?)\s*(?:·|$)", paragraph[head.end():])
        assert name == labels.FIELD[field], field
        assert dict(pairs) == labels.VALUES[field], field
        seen.add(field)
    assert seen == set(labels.VALUES)


def test_every_exported_name_resolves() -> None:
    import schemas

    for name in schemas.__all__:
        assert getattr(schemas, name) is not None, name


# --- unknown fields, version, uniqueness ----------------------------------------------

@pytest.mark.parametrize("path", ["colour", "housing.pool", "assets.boat", "members.0.email",
                                  "programs.0.amount"])
def test_unknown_fields_are_refused(path: str) -> None:
    assert errors_of(HouseholdSchema(), changed(path, "x"))[path] == ["Kolom tidak dikenal."]


def test_version_is_refused_on_input_but_dumped() -> None:
    assert "version" in errors_of(HouseholdSchema(), changed("version", 3))
    dumped = HouseholdSchema().dump({**household(), "version": 3})
    assert dumped["version"] == 3


def test_member_ids_unique_within_household() -> None:
    body = changed("members.1.member_id", "m1")
    assert "members.1.member_id" in errors_of(HouseholdSchema(), body)


def test_same_member_id_in_two_households_is_fine() -> None:
    """One instance loads both, as a long-lived loader does: nothing carries over."""
    schema = HouseholdSchema()
    first, second = household("A-1"), household("A-2")
    member_ids = [m["member_id"] for m in first["members"]]
    assert member_ids == [m["member_id"] for m in second["members"]]
    for body in (first, second):
        loaded = schema.load(body)
        assert [m["member_id"] for m in loaded["members"]] == member_ids


def test_a_program_listed_twice_is_refused() -> None:
    body = changed("programs", [{"program": "PKH", "since": "2020-01-01"},
                                {"program": "PKH", "since": "2021-01-01"}])
    assert "programs.1.program" in errors_of(HouseholdSchema(), body)


@pytest.mark.parametrize("not_an_object", [[], "household", 3, None])
def test_a_household_must_be_an_object(not_an_object: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        HouseholdSchema().load(not_an_object)
    assert "_schema" in flatten_errors(caught.value.messages)


def test_member_schema_alone() -> None:
    member = household()["members"][0]
    assert MemberSchema().load(member)["name"] == "Siti Aminah"


def test_messages_never_echo_the_value() -> None:
    body = changed("members.0.nik", "181101450780000")
    body["members"][0]["name"] = ""
    body["housing"]["floor"] = "Siti Aminah"
    text = repr(errors_of(HouseholdSchema(), body))
    assert "181101450780000" not in text and "Siti Aminah" not in text


# --- surveys: timestamps, uuids, consistency ------------------------------------------

def survey(**extra: Any) -> dict[str, Any]:
    body = {
        "survey_id": str(uuid.uuid4()), "household_id": "1811012001-000001",
        "base_version": 1, "parent_survey_id": None, "device_seq": 1,
        "started_at": "2026-11-20T09:15:00+07:00", "completed_at": "2026-11-20T09:40:00+07:00",
        "outcome": "found", "observed": household(),
    }
    body.update(extra)
    return body


@pytest.mark.parametrize(
    "stamp",
    ["2026-11-20T09:15:00+07:00", "2026-11-20T02:15:00Z", "2026-11-20T09:15+07:00",
     "2026-11-20T09:15:00.123456+08:00", "2026-11-20T09:15:00+0900", "2026-11-20T09:15:00-03:30"],
)
def test_timestamps_with_offset_pass(stamp: str) -> None:
    assert SurveySchema().load(survey(started_at=stamp))["started_at"] == stamp


@pytest.mark.parametrize(
    "stamp",
    ["2026-11-20T09:15:00", "2026-11-20 09:15:00+07:00", "2026-11-20", "2026-13-20T09:15:00Z",
     "2026-11-20T25:15:00Z", "20/11/2026 09:15", "", 1763605200],
)
def test_timestamps_without_offset_or_malformed_fail(stamp: Any) -> None:
    assert "started_at" in errors_of(SurveySchema(), survey(started_at=stamp))


@pytest.mark.parametrize("value", ["not-a-uuid", "", 12, "3f1c2a9e-5b7d-4c8e-9a61"])
def test_survey_id_must_be_a_uuid(value: Any) -> None:
    assert "survey_id" in errors_of(SurveySchema(), survey(survey_id=value))


def test_survey_uuid_is_canonicalised() -> None:
    value = "3F1C2A9E-5B7D-4C8E-9A61-0D2B7E4F8A10"
    assert SurveySchema().load(survey(survey_id=value))["survey_id"] == value.lower()


@pytest.mark.parametrize(("field", "value"), [("device_seq", 0), ("device_seq", "1"),
                                              ("device_seq", 1.0), ("base_version", 0),
                                              ("base_version", True)])
def test_survey_strict_integers(field: str, value: Any) -> None:
    assert field in errors_of(SurveySchema(), survey(**{field: value}))


def test_survey_observed_errors_are_nested_paths() -> None:
    observed = changed("members.0.nik", "181101450780000")
    assert "observed.members.0.nik" in errors_of(SurveySchema(), survey(observed=observed))


def test_survey_observed_version_is_refused() -> None:
    observed = {**household(), "version": 1}
    assert "observed.version" in errors_of(SurveySchema(), survey(observed=observed))


@pytest.mark.parametrize(
    ("extra", "path"),
    [({"observed": None}, "observed"),
     ({"outcome": "not_found"}, "observed"),
     ({"outcome": "gone"}, "outcome"),
     ({"base_version": None}, "household_id"),
     ({"household_id": "1811012001-000002"}, "observed.household_id")],
)
def test_survey_consistency(extra: dict[str, Any], path: str) -> None:
    assert path in errors_of(SurveySchema(), survey(**extra))


def test_new_household_proposal() -> None:
    observed = household("NEW-" + str(uuid.uuid4())[:30])
    SurveySchema().load(survey(household_id=observed["household_id"], base_version=None,
                               observed=observed))


@pytest.mark.parametrize("gps", [{"lat": 91, "lon": 0}, {"lat": "1", "lon": 0},
                                 {"lat": True, "lon": 0}, {"lon": 0}])
def test_gps(gps: dict[str, Any]) -> None:
    assert any(p.startswith("gps") for p in errors_of(SurveySchema(), survey(gps=gps)))


@pytest.mark.parametrize(("body", "ok"), [({"action": "accept"}, True),
                                          ({"action": "revisit", "note": "cek lagi"}, True),
                                          ({"action": "approve"}, False),
                                          ({"action": "accept", "extra": 1}, False),
                                          ({}, False)])
def test_resolve(body: dict[str, Any], ok: bool) -> None:
    if ok:
        ResolveSchema().load(body)
    else:
        with pytest.raises(ValidationError):
            ResolveSchema().load(body)


# --- flattening -----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("messages", "flat"),
    [
        ({"a": ["x"]}, {"a": ["x"]}),
        ({"members": {0: {"nik": ["x"]}}}, {"members.0.nik": ["x"]}),
        ({"observed": {"members": {2: {"sex": ["y"]}}}}, {"observed.members.2.sex": ["y"]}),
        ({"_schema": ["top"]}, {"_schema": ["top"]}),
        ({"gps": {"_schema": ["inner"]}}, {"gps": ["inner"]}),
        (["loose"], {"_schema": ["loose"]}),
    ],
)
def test_flatten_errors(messages: Any, flat: dict[str, list[str]]) -> None:
    assert flatten_errors(messages) == flat


# --- the verification state after a visit ---------------------------------------------

@pytest.mark.parametrize(("outcome", "state", "after"), [
    ("found", "verified", "verified"), ("found", "flagged", "flagged"),
    ("found", "conflict", "flagged"), ("not_found", "flagged", "not_found"),
    ("moved", "verified", "not_found"), ("refused", "verified", None),
    ("found", "superseded", None), ("not_found", "superseded", None),
    ("found", None, None), ("not_found", None, "not_found"),
])
def test_verification_after_a_visit(outcome: str, state: str | None, after: str | None) -> None:
    from schemas.verification import verification_after

    assert verification_after(outcome, state) == after
