"""A few visits by the demo's first enumerator, so the household pages have work.

Recorded through the same ingest as a real push: one visit that changed two places,
one household not found, one member who moved away, one visit that found nothing
different, and one whose place the registry changed meanwhile (a conflict).
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Engine

from server.services.ingest.single import ingest_survey
from server.store import assignments as assignment_store
from server.store import households as household_store
from server.store import users as user_store
from server.store.db import transaction

WIB = timezone(timedelta(hours=7))
DEVICE = "demo-laptop-enum1"
Change = Callable[[dict[str, Any]], None]


def _two_places(observed: dict[str, Any]) -> None:
    observed["housing"]["floor"] = "cement" if observed["housing"].get("floor") != "cement" \
        else "ceramic"
    observed["members"][0]["occupation"] = "pedagang keliling"


def _moved_away(observed: dict[str, Any]) -> None:
    observed["members"][-1]["status"] = "moved_out"


def _new_address(observed: dict[str, Any]) -> None:
    observed["address"] = (observed.get("address") or "") + " (pindah ke ujung gang)"


VISITS: list[tuple[str, Change | None]] = [
    ("found", _two_places), ("not_found", None), ("found", _moved_away), ("found", None),
    ("found", _new_address),
]


def record_demo_visits(engine: Engine, enumerator: str = "enum1") -> int:
    """Store the visits above on the enumerator's first households; returns how many."""
    with transaction(engine) as conn:
        user = user_store.by_name(conn, enumerator)
        assert user is not None
        ids = sorted(a["household_id"] for a in
                     assignment_store.for_enumerator(conn, user["user_id"]))[:len(VISITS)]
        households = household_store.get_many(conn, ids)
        # The conflict: the registry corrects the last household's address after the
        # enumerator's copy was taken (base version 1), before the visit arrives.
        last = copy.deepcopy(households[ids[-1]])
        base = copy.deepcopy(last)
        last.pop("version"), last.pop("verification")
        last["address"] = (last.get("address") or "") + " RT 003"
        household_store.save_version(conn, last, source="import", actor="demo")
        households[ids[-1]] = base
        start = datetime.now(WIB).replace(microsecond=0) - timedelta(days=1)
        for seq, (household_id, (outcome, change)) in enumerate(zip(ids, VISITS[:len(ids)], strict=True), start=1):
            item = _survey(households[household_id], outcome, change, seq,
                           start + timedelta(minutes=40 * seq))
            result = ingest_survey(conn, user, DEVICE, item)
            assert result["status"] == "accepted", result
    return len(ids)


def _survey(household: dict[str, Any], outcome: str, change: Change | None, seq: int,
            done: datetime) -> dict[str, Any]:
    observed = copy.deepcopy(household)
    version = observed.pop("version")
    observed.pop("verification", None)
    if change is not None:
        change(observed)
    return {
        "survey_id": str(uuid.uuid4()), "household_id": household["household_id"],
        "base_version": version, "parent_survey_id": None, "device_seq": seq,
        "started_at": (done - timedelta(minutes=25)).isoformat(),
        "completed_at": done.isoformat(), "outcome": outcome,
        "observed": observed if outcome == "found" else None,
        "gps": None, "notes": "Kunjungan contoh (demo)",
    }
