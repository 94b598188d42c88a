"""Taking one survey from the field: check, reconcile, store, answer.

The unit of `POST /sync/push` and of `import-bundle`. Each survey is stored inside a
SAVEPOINT of the caller's transaction, so it lands whole (survey, flags, feed rows)
or not at all, and one bad item never spoils its neighbours. The idempotency key is
the `survey_id` with the content hash: the database's primary key, not a read before
the write, decides between two copies arriving at once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from schemas import SurveySchema, flatten_errors, known_village
from schemas.fastload import FastLoader
from server.reconcile.engine import RuleContext, reconcile_survey, survey_state
from server.reconcile.rules import OBSERVATION_RULES
from server.store import assignments, jsoncol
from server.store import flags as flag_store
from server.store import households as household_store
from server.store import surveys as survey_store
from server.timeutil import now_iso

# Compiled for valid input (the common case); anything doubtful goes to marshmallow,
# so a rejection carries marshmallow's own messages (server/fastload.py).
_schema = FastLoader(SurveySchema())

NOT_ASSIGNED = "Keluarga ini tidak pernah ditugaskan kepada Anda."
NEW_OUTSIDE = "Usulan baru harus berada di desa tempat Anda mendapat tugas."
NEW_EXISTS = "household_id usulan baru sudah ada di DTSEN."
ID_REUSED = "survey_id ini sudah dipakai untuk isi kunjungan yang lain."
BAD_BASE = "Versi dasar ini tidak pernah ada untuk keluarga ini."
BAD_PARENT = "Kunjungan induk milik keluarga atau perangkat lain."


class Rejected(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("rejected")
        self.errors = errors


def ingest_survey(
    conn: Connection, user: dict[str, Any], device_id: str, item: Any
) -> dict[str, Any]:
    """The push result for one item: accepted, duplicate or rejected (never raises for input)."""
    survey_id = item.get("survey_id") if isinstance(item, dict) else None
    survey_id = survey_id if isinstance(survey_id, str) else None
    try:
        survey = _schema.load(item)
    except ValidationError as exc:
        return _rejected(survey_id, flatten_errors(exc.messages))
    survey_id = survey["survey_id"]
    digest = jsoncol.content_hash(survey)
    existing = survey_store.get(conn, survey_id)
    if existing is not None:
        return _repeat(existing, digest, survey_id)
    savepoint = conn.begin_nested()
    try:
        result = _store(conn, user, device_id, survey, digest)
        savepoint.commit()
        return result
    except Rejected as exc:
        savepoint.rollback()
        return _rejected(survey_id, exc.errors)
    except IntegrityError:
        # The same survey_id landed from another request in the meantime.
        savepoint.rollback()
        existing = survey_store.get(conn, survey_id)
        if existing is None:
            raise
        return _repeat(existing, digest, survey_id)


def _repeat(existing: dict[str, Any], digest: str, survey_id: str) -> dict[str, Any]:
    if existing["content_hash"] != digest:
        return _rejected(survey_id, {"survey_id": [ID_REUSED]})
    return {**existing["result"], "status": "duplicate"}


def _rejected(survey_id: str | None, errors: dict[str, list[str]]) -> dict[str, Any]:
    return {"survey_id": survey_id, "status": "rejected", "state": None, "flags": [],
            "errors": errors}


def _store(
    conn: Connection, user: dict[str, Any], device_id: str, survey: dict[str, Any], digest: str
) -> dict[str, Any]:
    household_id = survey["household_id"]
    base, current, region = _check_household(conn, user, survey)
    parent = _check_parent(conn, user, device_id, survey)
    child = survey_store.child_of(conn, survey["survey_id"])
    drafts: list[Any]
    if child is not None:
        state, drafts = "superseded", []
    else:
        state, drafts = decide(
            survey, device_id, base, current, flag_store.open_for_household(conn, household_id),
            nik_lookup(conn, [survey])(survey["household_id"]),
        )
    if parent is not None:
        flag_store.supersede_survey_flags(conn, parent["survey_id"])
        survey_store.mark_superseded(conn, parent["survey_id"], survey["survey_id"])
    raised = flag_store.insert_drafts(
        conn,
        drafts,
        household_id=household_id,
        region_code=region,
        survey_id=survey["survey_id"],
        enumerator_id=user["user_id"],
    )
    at = now_iso()
    result = {
        "survey_id": survey["survey_id"],
        "status": "accepted",
        "state": state,
        "flags": raised,
        "errors": None,
    }
    survey_store.insert(
        conn,
        {
            "survey_id": survey["survey_id"],
            "household_id": household_id,
            "enumerator_id": user["user_id"],
            "device_id": device_id,
            "device_seq": survey["device_seq"],
            "base_version": survey["base_version"],
            "parent_survey_id": survey["parent_survey_id"],
            "outcome": survey["outcome"],
            "completed_at": survey["completed_at"],
            "content_hash": digest,
            "body": jsoncol.dumps(survey),
            "state": state,
            "result": jsoncol.dumps(result),
            "superseded_by": child,
            "received_at": at,
        },
    )
    if current is not None and state != "superseded":
        _update_verification(conn, survey, state)
    return result


def decide(
    survey: dict[str, Any],
    device_id: str,
    base: dict[str, Any] | None,
    current: dict[str, Any] | None,
    open_flags: list[dict[str, Any]],
    nik_holders: Callable[[str], list[tuple[str, str]]],
) -> tuple[str, list[Any]]:
    """(state, flag drafts) of a survey that is not superseded: reconciliation, no I/O.

    `open_flags` are the household's open flags with the `device_id` of their survey;
    those from this device are no independent evidence, so never a conflict.
    """
    others = [f for f in open_flags if f["device_id"] != device_id]
    ctx = RuleContext(
        as_of=date.fromisoformat(survey["completed_at"][:10]),
        nik_holders=nik_holders,
        known_village=known_village,
        outcome=survey["outcome"],
    )
    drafts = reconcile_survey(survey, base, current, others, ctx)
    return survey_state(drafts), _without_repeats(drafts, open_flags)


def nik_lookup(
    conn: Connection, surveys: list[dict[str, Any]]
) -> Callable[[str], Callable[[str], list[tuple[str, str]]]]:
    """Per household: NIK holders elsewhere, every observed NIK of `surveys` in one query."""
    niks = {m["nik"] for s in surveys for m in ((s["observed"] or {}).get("members") or ())
            if m.get("nik")}
    known = household_store.nik_holders_many(conn, niks)

    def for_household(household_id: str) -> Callable[[str], list[tuple[str, str]]]:
        def holders(nik: str) -> list[tuple[str, str]]:
            found = known[nik] if nik in known else household_store.nik_holders(conn, nik)
            return [h for h in found if h[0] != household_id]

        return holders

    return for_household


def _without_repeats(drafts: list[Any], open_flags: list[dict[str, Any]]) -> list[Any]:
    """A data-quality finding already open on the household is not raised again.

    Observations (FIELD_CHANGED, MEMBER_*, CONFLICT) are kept per survey: each is its own
    evidence, compared with the others for agreement or conflict.
    """
    held = {(f["rule"], f["path"]) for f in open_flags if f["rule"] not in OBSERVATION_RULES}
    return [d for d in drafts if d.rule in OBSERVATION_RULES or (d.rule, d.path) not in held]


def _check_household(
    conn: Connection, user: dict[str, Any], survey: dict[str, Any]
) -> tuple[dict[str, Any] | None, dict[str, Any] | None, str]:
    """(base, current, region) after the caller's right to survey it is established."""
    household_id = survey["household_id"]
    if survey["base_version"] is None:
        region = survey["observed"]["region_code"]
        if region not in assignments.assigned_villages(conn, user["user_id"]):
            raise Rejected({"observed.region_code": [NEW_OUTSIDE]})
        if household_store.region_of(conn, household_id) is not None:
            raise Rejected({"household_id": [NEW_EXISTS]})
        return None, None, region
    if not assignments.is_assigned(conn, user["user_id"], household_id, ever=True):
        raise Rejected({"household_id": [NOT_ASSIGNED]})
    # Locked: the reconciliation below reads the current version and its open flags.
    current_row = household_store.get_body(conn, household_id, for_update=True)
    assert current_row is not None  # an assigned household exists
    current, version = current_row
    if survey["base_version"] == version:
        return current, current, current["region_code"]  # shown the latest: one read
    base = household_store.get_version(conn, household_id, survey["base_version"])
    if base is None:
        raise Rejected({"base_version": [BAD_BASE]})
    return base, current, current["region_code"]


def _check_parent(
    conn: Connection, user: dict[str, Any], device_id: str, survey: dict[str, Any]
) -> dict[str, Any] | None:
    parent_id = survey["parent_survey_id"]
    if parent_id is None:
        return None
    parent = survey_store.get(conn, parent_id)
    if parent is None:
        return None  # the parent may still be on its way; it will arrive superseded
    if (
        parent["household_id"] != survey["household_id"]
        or parent["device_id"] != device_id
        or parent["enumerator_id"] != user["user_id"]
    ):
        raise Rejected({"parent_survey_id": [BAD_PARENT]})
    return parent


def verification_of(survey: dict[str, Any], state: str) -> str | None:
    """The household's verification after this survey; None: a refusal changes nothing."""
    outcome = survey["outcome"]
    if outcome in ("not_found", "moved"):
        return "not_found"
    if outcome == "refused":
        return None
    return "verified" if state == "verified" else "flagged"


def _update_verification(conn: Connection, survey: dict[str, Any], state: str) -> None:
    verification = verification_of(survey, state)
    if verification is None:
        return
    household_store.set_verification(
        conn, survey["household_id"], verification, survey["survey_id"], survey["completed_at"]
    )
