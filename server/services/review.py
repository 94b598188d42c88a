"""A supervisor's decision on a flag: accept, reject, or send back for a revisit.

Accepting a field observation writes it into the registry as a new version (source
`review`); flags the new version makes untrue are closed; every decision is audited in
the same transaction. Of two decisions on one flag at once, exactly one wins (409).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection

from schemas import known_village
from server.errors import Conflict, Forbidden, NotFound, ValidationFailed
from server.reconcile.engine import RuleContext, apply_flag, still_true
from server.reconcile.fields import PathError
from server.reconcile.rules import APPLICABLE_RULES
from server.services.access import may_see_region
from server.store import assignments, audit
from server.store import flags as flag_store
from server.store import households as household_store
from server.store import surveys as survey_store

_STATUS_OF = {"accept": "accepted", "reject": "rejected", "revisit": "revisit"}


def resolve_flag(
    conn: Connection, user: dict[str, Any], flag_id: str, action: str, note: str | None
) -> dict[str, Any]:
    """Decide one flag; returns it as it now stands."""
    if action not in _STATUS_OF:
        raise ValidationFailed(details={"action": ["Harus accept, reject atau revisit."]})
    flag = flag_store.get(conn, flag_id)
    if flag is None:
        raise NotFound("Temuan tidak ditemukan.")
    # Decisions on one household queue here (PostgreSQL); read the flag again after the
    # wait, since the decision we waited for may have settled or closed it.
    household_store.lock(conn, flag["household_id"])
    flag = flag_store.get(conn, flag_id)
    assert flag is not None
    region = flag_store.region_of(conn, flag_id) or ""
    if not may_see_region(user, region):
        raise Forbidden()
    if flag["status"] not in flag_store.OPEN_STATES:
        raise Conflict(f"Temuan sudah berstatus {flag['status']}.")
    survey = survey_store.get(conn, flag["survey_id"]) if flag["survey_id"] else None
    if action == "revisit" and survey is None:
        raise ValidationFailed(
            details={"action": ["Temuan tanpa kunjungan tidak dapat dikunjungi ulang."]}
        )
    from_states = ("open",) if action == "revisit" else flag_store.OPEN_STATES
    if not flag_store.change_status(
        conn, flag_id, _STATUS_OF[action], from_states=from_states, by=user["name"], note=note
    ):
        raise Conflict("Temuan sudah diputuskan oleh orang lain.")
    audit.record(
        conn, user["name"], f"flag.{action}", "flag", flag_id,
        {"household_id": flag["household_id"], "rule": flag["rule"], "path": flag["path"],
         "note": note},
    )
    if action == "accept" and flag["rule"] in APPLICABLE_RULES:
        _apply(conn, user, flag, survey)
    elif action == "revisit" and survey is not None:
        assignments.assign_households(
            conn, survey["enumerator_id"], [flag["household_id"]], status="revisit", note=note
        )
    _refresh_verification(conn, flag["household_id"])
    result = flag_store.get(conn, flag_id)
    assert result is not None
    return result


def accept_survey(
    conn: Connection, user: dict[str, Any], survey_id: str, note: str | None
) -> list[dict[str, Any]]:
    """"Terima semua": accept every still-open flag one survey raised, in order."""
    decided = []
    for flag in flag_store.for_survey(conn, survey_id):
        current = flag_store.get(conn, flag["flag_id"])
        if current is not None and current["status"] in flag_store.OPEN_STATES:
            decided.append(resolve_flag(conn, user, flag["flag_id"], "accept", note))
    return decided


def _apply(
    conn: Connection, user: dict[str, Any], flag: dict[str, Any], survey: dict[str, Any] | None
) -> None:
    household_id = flag["household_id"]
    stored = household_store.get_body(conn, household_id)
    current = stored[0] if stored else None
    try:
        updated = apply_flag(current, flag)
    except PathError as exc:
        raise Conflict("Tempat data pada temuan ini sudah tidak ada di DTSEN.") from exc
    if updated is None or updated is current:
        return
    household_store.save_version(
        conn, updated, source="review", source_id=flag["flag_id"], actor=user["name"]
    )
    if current is None and survey is not None:
        # An accepted new household goes to the enumerator who proposed it.
        assignments.assign_households(conn, survey["enumerator_id"], [household_id])
    close_untrue_flags(conn, household_id, updated)


def close_untrue_flags(conn: Connection, household_id: str, household: dict[str, Any]) -> int:
    """Close the open flags the registry's new version has made untrue."""
    ctx = RuleContext(
        as_of=date.today(),
        nik_holders=lambda nik: [
            h for h in household_store.nik_holders(conn, nik) if h[0] != household_id
        ],
        known_village=known_village,
    )
    closed = 0
    for flag in flag_store.open_for_household(conn, household_id):
        if not still_true(flag, household, ctx):
            if flag_store.change_status(conn, flag["flag_id"], "closed", from_states=("open",)):
                closed += 1
    return closed


def _refresh_verification(conn: Connection, household_id: str) -> None:
    """A household whose last visit found it, and with no flag left open, is verified."""
    view = household_store.get(conn, household_id)
    if view is None or view["verification"]["state"] != "flagged":
        return
    if not flag_store.open_for_household(conn, household_id):
        verification = view["verification"]
        household_store.set_verification(
            conn, household_id, "verified", verification["survey_id"], verification["at"]
        )
