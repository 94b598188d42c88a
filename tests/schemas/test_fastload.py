"""The compiled loader must answer exactly as `HouseholdSchema().load` does.

The registry import trusts it in place of the schema, so any input on which the two
disagree (accepted by one, refused by the other, or loaded differently) is a bug. So is
valid input it hands to marshmallow (`loader.fallbacks`): that is the compiler missing a
case, silently paying marshmallow's price. Refused input always falls back, to get
marshmallow's own messages.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError, fields, post_load

from schemas import HouseholdSchema, SurveySchema
from schemas.fastload import FastLoader
from server.demo.data import generate_households
from tests.factories import household as factory_household
from tests.factories import survey as factory_survey

DEMO = list(generate_households(400, seed=7))
ODD_VALUES = [None, "", " ", 0, 1, -1, 7, 1.5, True, False, "x", "M", "F", "head", "PKH",
              "2020-02-30", "2020-01-01", "18.11.01.2001", "1811012001", "x" * 300, [], {},
              [{}], {"a": 1}, "1811014507800002", "181101450780000", "none", "alive",
              "a\u0000b", "\ud800", "dua\nbaris", "tab\t", 2**63, 10**30]


def outcome(loader: Any, data: Any) -> tuple[str, Any]:
    try:
        return "ok", loader.load(copy.deepcopy(data))
    except ValidationError as exc:
        return "error", exc.messages


def assert_same(data: Any, schema: Schema | None = None) -> None:
    """Same answer as marshmallow; compiled when valid, marshmallow's when refused."""
    schema = schema or HouseholdSchema()
    fast = FastLoader(schema)
    expected = outcome(schema, data)
    assert outcome(fast, data) == expected
    if expected[0] == "ok":
        assert not fast.fallbacks, f"valid input fell back: {dict(fast.fallbacks)}"
    else:
        assert sum(fast.fallbacks.values()) == 1, dict(fast.fallbacks)


def test_the_household_schema_compiles() -> None:
    assert FastLoader(HouseholdSchema()).compiled
    assert FastLoader(SurveySchema()).compiled


def test_every_demo_household_loads_the_same() -> None:
    schema, fast = HouseholdSchema(), FastLoader(HouseholdSchema())
    for household in DEMO:
        assert fast.load(copy.deepcopy(household)) == schema.load(copy.deepcopy(household))
    assert not fast.fallbacks, f"valid households fell back: {dict(fast.fallbacks)}"


def proposal() -> dict[str, Any]:
    """A new household proposed at the door: no base version, a NEW- id."""
    return factory_survey(factory_household("NEW-" + str(uuid.uuid4())[:30]), base_version=None)


@pytest.mark.parametrize("make", [
    lambda: factory_survey(DEMO[0]),
    lambda: factory_survey(factory_household(), outcome="refused"),
    lambda: {**factory_survey(factory_household(), outcome="moved"), "gps": None,
             "notes": "pindah ke Palembang"},
    proposal,
], ids=["found", "refused", "moved", "proposal"])
def test_valid_surveys_load_the_same_without_falling_back(make: Any) -> None:
    body = make()
    assert outcome(SurveySchema(), body)[0] == "ok"
    assert_same(body, SurveySchema())


@pytest.mark.parametrize(("field", "value"), [
    ("device_seq", 2**63), ("base_version", 10**30), ("device_seq", 2**53 - 1),
    ("notes", "\ud800"), ("notes", "nul\u0000"), ("notes", "baris\nbaru\ttab"),
    ("notes", "\x85"),
])
def test_bounds_and_control_characters_answer_the_same(field: str, value: Any) -> None:
    assert_same({**factory_survey(factory_household()), field: value}, SurveySchema())


def test_refused_input_falls_back_and_says_why() -> None:
    fast = FastLoader(HouseholdSchema())
    bad_nik = mutate(DEMO[0], ("members", 0, "nik"), "set", "12")
    with pytest.raises(ValidationError) as caught:
        fast.load(bad_nik)
    assert caught.value.messages == outcome(HouseholdSchema(), bad_nik)[1]
    with pytest.raises(ValidationError):
        fast.load({**DEMO[0], "surprise": 1})
    assert fast.fallbacks == {"nik: validate_nik": 1, "HouseholdSchema: unknown field": 1}


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


def mutate(household: dict[str, Any], path: tuple[Any, ...], action: str, value: Any) -> Any:
    data = copy.deepcopy(household)
    *parents, last = path
    target: Any = data
    for part in parents:
        target = target[part]
    if action == "delete":
        del target[last]
    elif action == "unknown" and isinstance(target, dict):
        target["surprise"] = value
    else:
        target[last] = value
    return data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    index=st.integers(0, len(DEMO) - 1),
    choice=st.integers(0, 10_000),
    action=st.sampled_from(["set", "set", "delete", "unknown"]),
    value=st.sampled_from(ODD_VALUES),
)
def test_mutated_households_load_the_same(index: int, choice: int, action: str,
                                          value: Any) -> None:
    household = DEMO[index]
    places = paths(household)
    assert_same(mutate(household, places[choice % len(places)], action, value))


@pytest.mark.parametrize("data", [None, [], "x", 3, [DEMO[0]], {}, {"version": 1}])
def test_non_households_fail_the_same(data: Any) -> None:
    assert_same(data)


def test_dotted_region_is_normalised_by_both() -> None:
    data = {**DEMO[0], "region_code": ".".join([DEMO[0]["region_code"][i:j] for i, j in
                                                 ((0, 2), (2, 4), (4, 6), (6, 10))])}
    assert FastLoader(HouseholdSchema()).load(data)["region_code"] == DEMO[0]["region_code"]


def test_schemas_it_cannot_model_fall_back_to_marshmallow() -> None:
    class WithHook(Schema):
        name = fields.String()

        @post_load
        def shout(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
            return {"name": data["name"].upper()}

    loader = FastLoader(WithHook())
    assert not loader.compiled
    assert loader.load({"name": "a"}) == {"name": "A"}
    assert list(loader.fallbacks.elements()) == ["not compiled: post_load"]
