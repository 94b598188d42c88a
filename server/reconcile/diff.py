"""Differences between two versions of a household, named by contract paths.

`get_at` and `set_at` read and write one place, so a flag's `field_value` can be
applied on accept without knowing the household's shape. Nothing here mutates its
input: the registry's versions are immutable history.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from server.reconcile.fields import (
    MEMBER_FIELDS,
    SECTIONS,
    TOP_FIELDS,
    PathError,
    member_path,
    member_value,
    parse_path,
)
from server.reconcile.normalize import members_equal, program_set, values_equal

Household = dict[str, Any]

# Identity, server bookkeeping and the nested parts compared on their own.
_NOT_TOP_FIELDS = frozenset(
    {"household_id", "version", "verification", "members", "housing", "assets", "programs"}
)


@dataclass(frozen=True, slots=True)
class Difference:
    """One place whose value is `before` in the first household and `after` in the second."""

    path: str
    before: Any
    after: Any


def diff_households(before: Household, after: Household) -> list[Difference]:
    """Every place where `after` differs from `before`; `version` is ignored.

    Members are matched by `member_id`, never by position. A member only on one side is
    one difference at `members[<id>]`; a member on both sides differs field by field.
    """
    diffs: list[Difference] = []
    for field in _keys(TOP_FIELDS, before, after, skip=_NOT_TOP_FIELDS):
        _compare(diffs, field, before.get(field), after.get(field))
    for section, fields in SECTIONS.items():
        old, new = before.get(section) or {}, after.get(section) or {}
        for field in _keys(fields, old, new):
            _compare(diffs, f"{section}.{field}", old.get(field), new.get(field))
    if program_set(before.get("programs")) != program_set(after.get("programs")):
        diffs.append(Difference("programs", before.get("programs"), after.get("programs")))
    diffs.extend(diff_members(before.get("members") or [], after.get("members") or []))
    return diffs


def diff_members(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[Difference]:
    old = members_by_id(before)
    new = members_by_id(after)
    diffs: list[Difference] = []
    for member_id, old_member in old.items():
        new_member = new.get(member_id)
        if new_member is None:
            diffs.append(Difference(member_path(member_id), old_member, None))
            continue
        if members_equal(old_member, new_member):
            continue
        for field in _keys(MEMBER_FIELDS, old_member, new_member, skip={"member_id"}):
            _compare(diffs, member_path(member_id, field),
                     member_value(old_member, field), member_value(new_member, field))
    for member_id, new_member in new.items():
        if member_id not in old:
            diffs.append(Difference(member_path(member_id), None, new_member))
    return diffs


def members_by_id(members: list[dict[str, Any]] | None) -> dict[str, dict[str, Any]]:
    return {m["member_id"]: m for m in members or ()}


def get_at(household: Household | None, path: str) -> Any:
    """The value at `path`; `None` when it, its section or its member is absent."""
    if household is None:
        return None
    place = parse_path(path)
    if place.kind in ("top", "programs"):
        assert place.field is not None
        return household.get(place.field)
    if place.kind == "section":
        assert place.section is not None and place.field is not None
        return (household.get(place.section) or {}).get(place.field)
    member = find_member(household, place.member_id)
    if member is None or place.field is None:
        return member
    return member_value(member, place.field)


def set_at(household: Household, path: str, value: Any) -> Household:
    """A new household with `value` at `path`; the input is left untouched.

    `members[<id>]` set to a member adds it (or replaces the one with that id); set to
    `None` it removes the member. A member field of an absent member raises PathError.
    """
    place = parse_path(path)
    result = dict(household)
    value = copy.deepcopy(value)
    if place.kind in ("top", "programs"):
        assert place.field is not None
        result[place.field] = value
    elif place.kind == "section":
        assert place.section is not None and place.field is not None
        result[place.section] = {**(household.get(place.section) or {}), place.field: value}
    else:
        assert place.member_id is not None
        result["members"] = _set_member(household.get("members") or [], place.member_id,
                                        place.field, value)
    return result


def find_member(household: Household, member_id: str | None) -> dict[str, Any] | None:
    for member in household.get("members") or ():
        if member.get("member_id") == member_id:
            return member
    return None


def _set_member(members: list[dict[str, Any]], member_id: str, field: str | None,
                value: Any) -> list[dict[str, Any]]:
    index = next((i for i, m in enumerate(members) if m.get("member_id") == member_id), None)
    result = list(members)
    if field is not None:
        if index is None:
            raise PathError(f"no member {member_id!r} in this household")
        result[index] = {**members[index], field: value}
    elif value is None:
        if index is not None:
            del result[index]
    else:
        member = {**value, "member_id": member_id}
        if index is None:
            result.append(member)
        else:
            result[index] = member
    return result


def _compare(diffs: list[Difference], path: str, before: Any, after: Any) -> None:
    if not values_equal(path, before, after):
        diffs.append(Difference(path, before, after))


def _keys(known: tuple[str, ...], a: dict[str, Any], b: dict[str, Any],
          skip: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """The known fields in contract order, then any others either side carries."""
    extra = sorted((a.keys() | b.keys()) - set(known) - skip)
    return [*known, *extra]
