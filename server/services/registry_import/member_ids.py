"""Member ids for import rows that carry none.

A DTSEN extract rarely has a member id of its own, yet flags, surveys and reviews name
members by `member_id`, so an id must stay with the same person from one import to the
next and must never pass to somebody else. The rule, in order:

1. A row with a `member_id` keeps it.
2. A row without one takes the id of the member the registry's current version of that
   household holds with the same NIK.
3. Failing that, the id of the current member with the same birth date, sex and name
   (trimmed, case folded): a newborn without NIK, or a NIK corrected since last time.
4. Otherwise a new id `m<n>`, `n` above every `m<number>` the household has ever held
   in any version or holds in the file, in row order: a first import gives `m1`, `m2`, …
   as the rows come.

The NIK itself is never put in an id: ids travel in flag paths, logs and messages.
Before validation the missing ids are filled with placeholders (`mark_missing`), so the
schema checks the rest of the member; after validation `resolve` puts the real ids in.
"""

from __future__ import annotations

import re
from typing import Any

from server.reconcile.normalize import normalize_text

PLACEHOLDER = "_pending."
_NUMBERED = re.compile(r"m([0-9]{1,9})")


def mark_missing(household: Any) -> tuple[int, ...]:
    """Fill absent or null member ids with unique placeholders; return those members' indexes."""
    if type(household) is not dict or type(household.get("members")) is not list:
        return ()
    members = household["members"]
    pending = tuple(
        index for index, member in enumerate(members)
        if type(member) is dict and member.get("member_id") is None
    )
    if pending:
        taken = {m.get("member_id") for m in members if type(m) is dict}
        for index in pending:
            placeholder = f"{PLACEHOLDER}{index}"
            while placeholder in taken:
                placeholder += "_"
            members[index]["member_id"] = placeholder
            taken.add(placeholder)
    return pending


def _person(member: dict[str, Any]) -> tuple[str, str, str]:
    return (member.get("birth_date") or "", member.get("sex") or "",
            normalize_text(member.get("name") or ""))


def match_existing(
    household: dict[str, Any], pending: tuple[int, ...], current: dict[str, Any] | None
) -> tuple[int, ...]:
    """Rules 2 and 3: give pending members the id of the same person in `current`.

    Returns the members still without an id (rule 4 is `number_new`'s job; it needs the
    household's history, which is read only when some member is new).
    """
    if not pending or not current:
        return pending
    members = household["members"]
    waiting = set(pending)
    explicit = {m["member_id"] for i, m in enumerate(members) if i not in waiting}
    candidates = [m for m in current.get("members", []) if m["member_id"] not in explicit]
    chosen: dict[int, str] = {}

    def take(index: int, match: dict[str, Any]) -> None:
        chosen[index] = match["member_id"]
        candidates.remove(match)

    for index in pending:
        nik = members[index].get("nik")
        match = next((m for m in candidates if nik and m.get("nik") == nik), None)
        if match is not None:
            take(index, match)
    for index in pending:
        if index in chosen:
            continue
        person = _person(members[index])
        match = next((m for m in candidates if _person(m) == person), None)
        if match is not None:
            take(index, match)
    for index, member_id in chosen.items():
        members[index]["member_id"] = member_id
    return tuple(index for index in pending if index not in chosen)


def number_new(
    household: dict[str, Any],
    unmatched: tuple[int, ...],
    current: dict[str, Any] | None,
    ever: set[str] | None = None,
) -> None:
    """Rule 4: `m<n>` above every numbered id the household holds or has ever held."""
    if not unmatched:
        return
    members = household["members"]
    waiting = set(unmatched)
    used = set(ever or ()) | {m["member_id"] for i, m in enumerate(members) if i not in waiting}
    used |= {m["member_id"] for m in (current or {}).get("members", [])}
    highest = max((int(found.group(1)) for mid in used if (found := _NUMBERED.fullmatch(mid))),
                  default=0)
    for index in unmatched:
        highest += 1
        members[index]["member_id"] = f"m{highest}"


def resolve(
    household: dict[str, Any],
    pending: tuple[int, ...],
    current: dict[str, Any] | None,
    ever: set[str] | None = None,
) -> None:
    """Replace the placeholders of a validated household by real ids (the module's rule)."""
    number_new(household, match_existing(household, pending, current), current, ever)
