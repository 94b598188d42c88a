"""Runs the merge and the rules for one survey or one stored household. No I/O.

The server's push handler calls `reconcile_survey` and `survey_state`; the resolve
handler `apply_flag` and then `still_true` over the other open flags; the scan command
`scan_household`. Each returns plain data for the caller to store.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from server.reconcile.diff import Household, find_member, get_at, set_at
from server.reconcile.draft import FlagDraft, make_draft
from server.reconcile.fields import parse_path
from server.reconcile.merge import merge
from server.reconcile.normalize import values_equal
from server.reconcile.rules import APPLICABLE_RULES, OBSERVATION_RULES, UNVERIFIED_RULES
from server.reconcile.rules import deceased_receiving_aid as deceased_rule
from server.reconcile.rules.catalog import RULES, run_rules
from server.reconcile.rules.context import RuleContext

_NOT_FOUND_MESSAGES = {
    "not_found": "Keluarga tidak ditemukan di alamat.",
    "moved": "Keluarga dilaporkan pindah dari alamat.",
}


def reconcile_survey(survey: Mapping[str, Any], base: Household | None,
                     current: Household | None, others: Iterable[Mapping[str, Any]],
                     ctx: RuleContext) -> list[FlagDraft]:
    """Flag drafts for one incoming survey.

    `base` is the registry version `survey["base_version"]` (None for a new-household
    proposal), `current` the registry's latest version (None if it holds none),
    `others` the open flags of other surveys of this household outside this device's
    chain, `ctx.as_of` the visit date. A refusal raises nothing: there is nothing to
    compare, and the registry scan keeps checking the stored data.
    """
    outcome = survey.get("outcome")
    observed = survey.get("observed")
    if outcome == "found" and observed is None:
        raise ValueError("a survey with outcome 'found' needs 'observed'")
    if survey.get("base_version") is None:
        return _proposal(observed, current, others, ctx)
    if outcome in deceased_rule.NOT_FOUND_OUTCOMES:
        return _not_found(outcome, current if current is not None else base, ctx)
    if outcome != "found":
        return []
    assert observed is not None
    base = base if base is not None else current
    if base is None:
        raise ValueError("a survey of a registry household needs its base or current version")
    drafts = merge(base, current, observed, others)
    drafts.extend(_observed_findings(observed, current if current is not None else base, ctx))
    return drafts


def scan_household(household: Household, ctx: RuleContext) -> list[FlagDraft]:
    """Registry-level findings on a stored household; values sit in `registry_value`."""
    return run_rules(household, ctx)


def survey_state(drafts: Iterable[FlagDraft]) -> str:
    """`conflict` with any CONFLICT; `verified` with no difference and no error; else `flagged`.

    The household's verification state follows from it by `schemas.verification`.
    """
    state = "verified"
    for draft in drafts:
        if draft.rule == "CONFLICT":
            return "conflict"
        if draft.rule in UNVERIFIED_RULES or draft.severity == "error":
            state = "flagged"
    return state


def still_true(flag: Mapping[str, Any], household: Household | None, ctx: RuleContext) -> bool:
    """Whether an open flag still holds against a new registry version (else: `closed`).

    An observation is no longer true once the registry holds its field value (or no
    longer holds the member it is about); a finding once its rule, run over the new
    version, no longer raises it at the same path.
    """
    rule, path = flag["rule"], flag.get("path")
    if rule == "NEW_HOUSEHOLD":
        return household is None
    if household is None:
        return False
    if rule == "HOUSEHOLD_NOT_FOUND":
        return True
    if rule in OBSERVATION_RULES and path is not None:
        place = parse_path(path)
        if place.kind == "member" and place.field is not None \
                and find_member(household, place.member_id) is None:
            return False
        return not values_equal(path, get_at(household, path), flag.get("field_value"))
    if rule == deceased_rule.RULE and path is None:
        return bool(household.get("programs"))  # raised for a family not found
    check = RULES.get(rule)
    if check is None:
        return True  # a rule this version does not know: leave it to a person
    return any(draft.path == path for draft in check(household, ctx))


def apply_flag(household: Household | None, flag: Mapping[str, Any]) -> Household | None:
    """The household after accepting `flag`: the input itself when accept writes nothing.

    NEW_HOUSEHOLD yields the proposed household; observations write their field value
    at their path (a member added, replaced, marked, or removed with `None`); findings
    change no data (see `changes_registry`). Raises PathError for a member field of a
    member the household no longer has.
    """
    rule = flag["rule"]
    if rule == "NEW_HOUSEHOLD":
        proposal = copy.deepcopy(dict(flag["field_value"]))
        proposal.pop("version", None)
        return proposal
    if rule not in APPLICABLE_RULES or household is None:
        return household
    return set_at(household, flag["path"], flag.get("field_value"))


def changes_registry(flag: Mapping[str, Any]) -> bool:
    """Whether accepting `flag` makes a new registry version at all."""
    return flag["rule"] in APPLICABLE_RULES


def _proposal(observed: Household | None, current: Household | None,
              others: Iterable[Mapping[str, Any]], ctx: RuleContext) -> list[FlagDraft]:
    """A household the registry does not hold: NEW_HOUSEHOLD plus the rules on it.

    Should the registry hold it already (the proposal was accepted before this second
    capture arrived), the capture is merged against it like any other visit.
    """
    if observed is None:
        raise ValueError("a new-household proposal needs 'observed'")
    if current is not None:
        drafts = merge(current, current, observed, others)
        drafts.extend(_observed_findings(observed, current, ctx))
        return drafts
    drafts = [make_draft("NEW_HOUSEHOLD", None, "Usulan baru: keluarga belum ada di DTSEN.",
                         field_value=copy.deepcopy(dict(observed)))]
    drafts.extend(_observed_findings(observed, None, ctx))
    return drafts


def _not_found(outcome: str, household: Household | None, ctx: RuleContext) -> list[FlagDraft]:
    drafts = [make_draft("HOUSEHOLD_NOT_FOUND", None, _NOT_FOUND_MESSAGES[outcome],
                         field_value=outcome)]
    if household is not None:
        drafts.extend(deceased_rule.check(household, dataclasses.replace(ctx, outcome=outcome)))
    return drafts


def _observed_findings(observed: Household, current: Household | None,
                       ctx: RuleContext) -> list[FlagDraft]:
    """Rules over what the field saw: the examined value is the field value, and the
    registry value is what the registry holds at that path now."""
    found = run_rules(observed, dataclasses.replace(ctx, outcome="found"))
    return [
        dataclasses.replace(
            draft,
            registry_value=get_at(current, draft.path) if draft.path else None,
            field_value=draft.registry_value,
        )
        for draft in found
    ]
