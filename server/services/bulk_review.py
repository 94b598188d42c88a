"""Bulk decisions from the queue: one note, many flags, each through `resolve_flag`.

A supervisor clears a village's graduation notes in one action, yet every flag is
decided by the very code a single decision runs (its checks, its audit row, its
registry version). A flag that cannot be decided in bulk is skipped and reported with
why: a conflict to accept needs a person to choose the value, a finding from the
registry scan has no visit to revisit, another decision got there first. A flag
outside the user's regions refuses the whole action. At most `BULK_LIMIT` flags, all
in one transaction: on an unexpected error nothing is kept.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine

from server.errors import Conflict, Forbidden, NotFound, ValidationFailed
from server.services.access import may_see_region
from server.services.review import resolve_flag
from server.services.scope import scope
from server.store import audit
from server.store import flags as flag_store
from server.store.db import reading, run_transaction
from server.store.pages import queue as queries
from server.store.pages.queue import QueueFilter

BULK_LIMIT = 500
ACTIONS = ("accept", "reject", "revisit")

# Why a flag was left out (the pages word them): codes, never personal data.
NOT_FOUND = "not_found"
NOT_OPEN = "not_open"  # decided or closed already, perhaps by an earlier flag of this action
CHOOSE_VALUE = "choose_value"  # accepting a CONFLICT: which value is a person's call
NO_VISIT = "no_visit"  # revisit of a finding no visit raised
PLACE_GONE = "place_gone"  # accepting a change to a member the registry no longer has


class TooMany(Exception):
    """More flags than one action may take; the user narrows the filter."""

    def __init__(self, total: int):
        super().__init__(f"{total} flags, over {BULK_LIMIT}")
        self.total = total


@dataclass
class Selection:
    flag_ids: list[str]
    by_rule: dict[str, int] = field(default_factory=dict)


@dataclass
class Skipped:
    flag_id: str
    household_id: str | None
    rule: str | None
    reason: str


@dataclass
class BulkOutcome:
    action: str
    decided: list[str]
    skipped: list[Skipped]


def select_matching(engine: Engine, user: dict[str, Any], flt: QueueFilter,
                    household_ids: list[str] | None = None) -> Selection:
    """Every flag under the queue's filter in the user's regions (of some households)."""
    with reading(engine) as conn:
        ids, total = queries.matching_flags(conn, scope(user), flt, household_ids=household_ids,
                                            limit=BULK_LIMIT + 1)
        if total > BULK_LIMIT:
            raise TooMany(total)
        return _selection(conn, user, ids)


def select_flags(engine: Engine, user: dict[str, Any], flag_ids: list[str]) -> Selection:
    """The flags ticked one by one; unknown ids drop out, one outside the regions refuses."""
    ids = list(dict.fromkeys(flag_ids))
    if len(ids) > BULK_LIMIT:
        raise TooMany(len(ids))
    with reading(engine) as conn:
        return _selection(conn, user, ids)


def _selection(conn: Connection, user: dict[str, Any], ids: list[str]) -> Selection:
    found = flag_store.summaries(conn, ids)
    _check_regions(user, found)
    return Selection([f["flag_id"] for f in found], dict(Counter(f["rule"] for f in found)))


def _check_regions(user: dict[str, Any], found: list[dict[str, Any]]) -> None:
    if any(not may_see_region(user, f["region_code"] or "") for f in found):
        raise Forbidden()


def decide_many(engine: Engine, user: dict[str, Any], flag_ids: list[str], action: str,
                note: str | None) -> BulkOutcome:
    """Decide each flag as `resolve_flag` would, skipping (with why) what it refuses."""
    if action not in ACTIONS:
        raise ValidationFailed(details={"action": ["Harus accept, reject atau revisit."]})
    ids = list(dict.fromkeys(flag_ids))
    if len(ids) > BULK_LIMIT:
        raise TooMany(len(ids))

    def work(conn: Connection) -> BulkOutcome:
        found = flag_store.summaries(conn, ids)
        _check_regions(user, found)
        known = {f["flag_id"] for f in found}
        skipped = [Skipped(i, None, None, NOT_FOUND) for i in ids if i not in known]
        decided: list[str] = []
        for flag in found:
            reason = _decide_one(conn, user, flag, action, note)
            if reason is None:
                decided.append(flag["flag_id"])
            else:
                skipped.append(Skipped(flag["flag_id"], flag["household_id"], flag["rule"],
                                       reason))
        audit.record(conn, user["name"], f"flag.bulk_{action}", "flag", None,
                     {"decided": len(decided), "skipped": len(skipped), "note": note})
        return BulkOutcome(action, decided, skipped)

    return run_transaction(engine, work)


def _decide_one(conn: Connection, user: dict[str, Any], flag: dict[str, Any], action: str,
                note: str | None) -> str | None:
    """None when decided; else why not, with nothing of this flag written."""
    if action == "accept" and flag["rule"] == "CONFLICT":
        return CHOOSE_VALUE
    if action == "revisit" and flag["survey_id"] is None:
        return NO_VISIT
    savepoint = conn.begin_nested()
    try:
        resolve_flag(conn, user, flag["flag_id"], action, note)
    except NotFound:
        savepoint.rollback()
        return NOT_FOUND
    except ValidationFailed:
        savepoint.rollback()
        return NO_VISIT
    except Conflict:
        savepoint.rollback()
        current = flag_store.get(conn, flag["flag_id"])
        if current is None:
            return NOT_FOUND
        if current["status"] in flag_store.OPEN_STATES and action == "accept":
            return PLACE_GONE
        return NOT_OPEN
    savepoint.commit()
    return None
