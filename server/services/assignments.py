"""Work on assignments, from the admin pages and `verivali-server assign`: give households
to an enumerator, move work across. Each action is one transaction (audited from the
pages), so laptops learn of every change through the pull feed.

What is wrong with a request comes back as `Problem`s keyed by form field, for the page
to put into words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine

from server.services.scope import may_read
from server.store import assignments as assignment_store
from server.store import audit
from server.store import households as household_store
from server.store import users as user_store
from server.store.db import reading, transaction
from server.store.pages import admin as queries

UserError = user_store.UserError


@dataclass(frozen=True)
class Problem:
    """`kind`: not_enumerator, unknown_households, outside_scope, no_households,
    same_enumerator or nothing_to_move; `ids`: the first few households concerned."""

    kind: str
    ids: tuple[str, ...] = ()


@dataclass
class Outcome:
    problems: dict[str, Problem] = field(default_factory=dict)
    households: int = 0  # matched (assign) or moved (reassign)
    created: int = 0
    enumerator: str = ""  # who received the work
    source: str = ""  # whose work was moved


def overview(engine: Engine,
             prefixes: list[str] | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The enumerators, and the open work each holds per village of the scope."""
    with reading(engine) as conn:
        return queries.enumerators(conn), queries.summary(conn, prefixes)


def _enumerator(conn: Connection, name: str, problems: dict[str, Problem],
                key: str) -> dict[str, Any] | None:
    user = user_store.by_name(conn, name) if name else None
    if user is None or user["role"] != "enumerator":
        problems[key] = Problem("not_enumerator")
        return None
    return user


def _households(conn: Connection, admin: dict[str, Any], region_codes: list[str],
                ids: list[str], problems: dict[str, Problem]) -> list[str]:
    """The households named by regions and ids, each one inside the admin's scope."""
    found = queries.regions_of(conn, ids)
    unknown = [i for i in ids if i not in found]
    if unknown:
        problems["households"] = Problem("unknown_households", tuple(unknown[:5]))
        return []
    outside = [i for i, region in found.items() if not may_read(admin, region)]
    if outside:
        problems["households"] = Problem("outside_scope", tuple(outside[:5]))
        return []
    chosen = assignment_store.households_in_regions(conn, region_codes)
    known = set(chosen)
    chosen.extend(i for i in ids if i not in known)
    if not chosen:
        problems["regions"] = Problem("no_households")
    return chosen


def assign(engine: Engine, admin: dict[str, Any], enumerator_name: str,
           region_codes: list[str], household_ids: list[str], *, form_ok: bool) -> Outcome:
    """Every household of some villages, or of a list, to one enumerator.

    With `form_ok` False (the form had errors) only the enumerator is checked, so the
    page can show that too; nothing is written.
    """
    problems: dict[str, Problem] = {}
    with transaction(engine) as conn:
        enumerator = _enumerator(conn, enumerator_name, problems, "enumerator")
        chosen = (_households(conn, admin, region_codes, household_ids, problems)
                  if form_ok and not problems else [])
        if not form_ok or problems or enumerator is None:
            return Outcome(problems)
        created = assignment_store.assign_households(conn, enumerator["user_id"], chosen)
        audit.record(conn, admin["name"], "assignment.assign", "user", enumerator["name"],
                     {"regions": region_codes, "households": len(chosen), "new": created})
    return Outcome(households=len(chosen), created=created, enumerator=enumerator["name"])


def reassign(engine: Engine, admin: dict[str, Any], source_name: str, target_name: str,
             region_codes: list[str], household_ids: list[str], *, form_ok: bool) -> Outcome:
    """Open work of one enumerator in some villages or households moves to another."""
    problems: dict[str, Problem] = {}
    with transaction(engine) as conn:
        source = _enumerator(conn, source_name, problems, "from_enumerator")
        target = _enumerator(conn, target_name, problems, "to_enumerator")
        if source and target and source["user_id"] == target["user_id"]:
            problems["to_enumerator"] = Problem("same_enumerator")
        if form_ok and not problems and household_ids:
            # Only the listed ids are checked here: a village alone names no household,
            # and what it holds is read from the source's work just below.
            _households(conn, admin, [], household_ids, problems)
        moving: list[dict[str, Any]] = []
        if form_ok and not problems and source is not None:
            moving = queries.live_assignments(conn, source["user_id"], region_codes,
                                              household_ids)
            if not moving:
                problems["regions"] = Problem("nothing_to_move")
        if not form_ok or problems or source is None or target is None:
            return Outcome(problems)
        for item in moving:
            assignment_store.cancel(conn, item["assignment_id"])
        for status in ("open", "revisit"):
            batch = [m["household_id"] for m in moving if m["status"] == status]
            if batch:
                assignment_store.assign_households(conn, target["user_id"], batch, status=status)
        audit.record(conn, admin["name"], "assignment.reassign", "user", target["name"],
                     {"from": source["name"], "to": target["name"], "regions": region_codes,
                      "households": len(moving)})
    return Outcome(households=len(moving), enumerator=target["name"], source=source["name"])


@dataclass
class Assigned:
    created: int  # assignments newly opened
    matched: int  # households the regions and ids named


def assign_from_cli(
    engine: Engine, actor: str, enumerator: str, regions: list[str], household_ids: list[str]
) -> Assigned:
    """`verivali-server assign`: each named household the enumerator does not hold yet.

    The command line is the unrestricted admin, so no scope applies; an unknown
    enumerator or household id raises UserError and changes nothing.

    `regions` are undotted prefixes. Raises UserError for an unknown enumerator or ids.
    """
    with transaction(engine) as conn:
        user = user_store.by_name(conn, enumerator)
        if user is None or user["role"] != "enumerator":
            raise UserError(f"no enumerator named {enumerator!r}")
        ids = assignment_store.households_in_regions(conn, regions)
        known = set(ids)
        missing = []
        for household_id in household_ids:
            if household_store.region_of(conn, household_id) is None:
                missing.append(household_id)
            elif household_id not in known:
                ids.append(household_id)
                known.add(household_id)
        if missing:
            raise UserError(f"unknown household id(s): {', '.join(missing)}")
        created = assignment_store.assign_households(conn, user["user_id"], ids)
        audit.record(conn, actor, "assignment.assign", "user", user["name"],
                     {"regions": regions, "households": len(ids), "new": created, "via": "cli"})
    return Assigned(created=created, matched=len(ids))
