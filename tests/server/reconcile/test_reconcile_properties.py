"""Properties that must hold for any household, not just the examples we thought of."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reconcile_builders import ctx, household, make_nik, member
from reconcile_strategies import apply_edits, edits, households, noisy_copy

from server.reconcile import (
    apply_flag,
    changes_registry,
    diff_households,
    get_at,
    reconcile_survey,
    scan_household,
    set_at,
)
from server.reconcile.rules import OBSERVATION_RULES

SETTINGS = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def survey(observed, base_version=1, survey_id="s") -> dict:
    return {"survey_id": survey_id, "household_id": observed["household_id"],
            "base_version": base_version, "outcome": "found", "observed": observed}


def as_flag(draft, survey_id: str) -> dict:
    return {"rule": draft.rule, "path": draft.path, "field_value": draft.field_value,
            "survey_id": survey_id, "status": "open"}


@st.composite
def base_and_changes(draw, groups: int):
    base = draw(households())
    places = draw(edits(base))
    sides = [draw(st.integers(0, groups - 1)) for _ in places]
    split = [[change for (_, changes), side in zip(places.items(), sides, strict=True)
              if side == group for change in changes] for group in range(groups)]
    return base, split


@SETTINGS
@given(base_and_changes(groups=2), st.randoms(use_true_random=False), st.data())
def test_observing_the_base_raises_no_observation(case, rng: random.Random, data) -> None:
    base, (registry_changes, other_changes) = case
    current = apply_edits(base, registry_changes)
    others = [{"rule": "FIELD_CHANGED", "path": path, "field_value": value, "survey_id": "x"}
              for path, value in other_changes]
    observed = noisy_copy(base, rng)
    drafts = reconcile_survey(survey(observed), base, current, others, ctx())
    assert not [d for d in drafts if d.rule in OBSERVATION_RULES]


@SETTINGS
@given(base_and_changes(groups=2))
def test_arrival_order_of_two_disjoint_surveys_does_not_matter(case) -> None:
    base, (first, second) = case
    observed_first, observed_second = apply_edits(base, first), apply_edits(base, second)

    def arrive(registry, observed):
        drafts = reconcile_survey(survey(observed), base, registry, [], ctx())
        assert "CONFLICT" not in [d.rule for d in drafts]
        for draft in drafts:
            if changes_registry(as_flag(draft, "s")):
                registry = apply_flag(registry, as_flag(draft, "s"))
        return registry

    one_way = arrive(arrive(base, observed_first), observed_second)
    other_way = arrive(arrive(base, observed_second), observed_first)
    assert diff_households(one_way, other_way) == []
    assert _unapplied(base, one_way, apply_edits(base, first + second)) == []


@SETTINGS
@given(base_and_changes(groups=2))
def test_two_pending_disjoint_surveys_neither_conflict_nor_depend_on_order(case) -> None:
    base, (first, second) = case
    observed = {"a": apply_edits(base, first), "b": apply_edits(base, second)}
    drafts = {
        "a": reconcile_survey(survey(observed["a"]), base, base, [], ctx()),
        "b": reconcile_survey(survey(observed["b"]), base, base, [], ctx()),
    }
    flags = {name: [as_flag(d, name) for d in found] for name, found in drafts.items()}
    for name, other in (("a", "b"), ("b", "a")):
        again = reconcile_survey(survey(observed[name]), base, base, flags[other], ctx())
        assert "CONFLICT" not in [d.rule for d in again]

    def accept_all(order):
        registry = base
        for name in order:
            for flag in flags[name]:
                if changes_registry(flag):
                    registry = apply_flag(registry, flag)
        return registry

    assert diff_households(accept_all("ab"), accept_all("ba")) == []


@SETTINGS
@given(base_and_changes(groups=1))
def test_accepting_every_field_change_reproduces_the_observation(case) -> None:
    base, (changes,) = case
    observed = apply_edits(base, changes)
    registry = base
    for draft in reconcile_survey(survey(observed), base, base, [], ctx()):
        if changes_registry(as_flag(draft, "s")):
            registry = apply_flag(registry, as_flag(draft, "s"))
    assert _unapplied(base, registry, observed) == []


def _unapplied(base, registry, observed) -> list:
    """What the registry still lacks of an observation, beyond what is meant not to land:
    a `null` (not observed) and a member already gone in base left off the list."""
    def already_gone(path: str) -> bool:
        whole_member = path.startswith("members[") and path.endswith("]")
        return whole_member and (get_at(base, path) or {}).get("status") in (
            "deceased", "moved_out")

    return [d for d in diff_households(registry, observed)
            if d.after is not None or not already_gone(d.path)]


@SETTINGS
@given(households(), households())
def test_applying_every_difference_turns_one_household_into_the_other(a, b) -> None:
    for difference in diff_households(a, b):
        a = set_at(a, difference.path, difference.after)
    assert diff_households(a, b) == []


@SETTINGS
@given(base_and_changes(groups=1))
def test_messages_never_carry_a_nik_or_a_name(case) -> None:
    base, (changes,) = case
    observed = apply_edits(base, changes)
    drafts = reconcile_survey(survey(observed), base, base, [], ctx()) + scan_household(
        observed, ctx())
    people = base["members"] + observed["members"]
    secrets = {m["nik"] for m in people if m.get("nik")}
    secrets |= {part.casefold() for m in people for part in m["name"].split() if len(part) >= 5}
    for draft in drafts:
        text = draft.message.casefold()
        assert not [s for s in secrets if s.casefold() in text], draft


@SETTINGS
@given(st.dates().map(lambda d: d.isoformat()), st.sampled_from("MF"), st.integers(0, 9999))
def test_nik_built_from_birth_date_and_sex_is_valid_and_matching(birth_date, sex, serial):
    nik = make_nik(birth_date, sex, serial=serial)
    subject = household(members=[member("m1", nik=nik, birth_date=birth_date, sex=sex)])
    assert [d.rule for d in scan_household(subject, ctx())
            if d.rule.startswith("NIK")] == []
    wrong_sex = household(members=[member("m1", nik=nik, birth_date=birth_date,
                                           sex="F" if sex == "M" else "M")])
    assert [d.rule for d in scan_household(wrong_sex, ctx())
            if d.rule.startswith("NIK")] == ["NIK_MISMATCH"]
