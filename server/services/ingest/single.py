"""Taking one survey from the field: check, reconcile, store, answer.

The unit of `POST /sync/push` and of `import-bundle`. Each survey is stored inside a
SAVEPOINT of the caller's transaction, so it lands whole (survey, flags, feed rows)
or not at all, and one bad item never spoils its neighbours. The idempotency key is
the `survey_id` with the content hash: the database's primary key, not a read before
the write, decides between two copies arriving at once.
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from schemas import flatten_errors
from schemas.verification import verification_after
from server.services.ingest.core import (
    BAD_BASE,
    BAD_PARENT,
    NEW_EXISTS,
    NEW_OUTSIDE,
    NEW_TAKEN,
    NOT_ASSIGNED,
    accepted,
    decide,
    nik_lookup,
    rejected,
    repeat,
    survey_loader,
)
from server.store import assignments, jsoncol
from server.store import flags as flag_store
from server.store import households as household_store
from server.store import photos as photo_store
from server.store import surveys as survey_store
from server.timeutil import now_iso


class SurveyRefused(Exception):
    """Raised inside the savepoint when a survey may not be stored; becomes `rejected`."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("survey refused")
        self.errors = errors


def ingest_survey(
    conn: Connection, user: dict[str, Any], device_id: str, item: Any
) -> dict[str, Any]:
    """The push result for one item: accepted, duplicate or rejected (never raises for input)."""
    survey_id = item.get("survey_id") if isinstance(item, dict) else None
    survey_id = survey_id if isinstance(survey_id, str) else None
    try:
        survey = survey_loader.load(item)
    except ValidationError as exc:
        return rejected(survey_id, flatten_errors(exc.messages))
    survey_id = survey["survey_id"]
    text = jsoncol.dumps(survey)
    digest = jsoncol.text_hash(text)
    existing = survey_store.get(conn, survey_id)
    if existing is not None:
        return repeat(existing, digest, survey_id)
    savepoint = conn.begin_nested()
    try:
        result = _store(conn, user, device_id, survey, text, digest)
        savepoint.commit()
        return result
    except SurveyRefused as exc:
        savepoint.rollback()
        return rejected(survey_id, exc.errors)
    except IntegrityError:
        # The same survey_id landed from another request in the meantime.
        savepoint.rollback()
        existing = survey_store.get(conn, survey_id)
        if existing is None:
            raise
        return repeat(existing, digest, survey_id)


def _store(
    conn: Connection,
    user: dict[str, Any],
    device_id: str,
    survey: dict[str, Any],
    text: str,
    digest: str,
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
            flag_store.decided_for_household(conn, household_id),
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
    result = accepted(survey["survey_id"], state, raised)
    survey_store.insert(
        conn,
        survey_store.new_row(
            survey, text=text, digest=digest, enumerator_id=user["user_id"],
            device_id=device_id, state=state, result=result, superseded_by=child,
            received_at=at,
        ),
    )
    store_photos(conn, [survey], at)
    if current is not None and state != "superseded":
        _update_verification(conn, survey, state)
    return result


def store_photos(conn: Connection, stored: list[dict[str, Any]], at: str) -> None:
    """Record which photos `stored` surveys name; one already arrived counts as received."""
    photo_ids = sorted({p["photo_id"] for s in stored for p in s.get("photos") or ()})
    if not photo_ids:
        return
    received = photo_store.received_among(conn, photo_ids)
    photo_store.insert_many(conn, [row for s in stored
                                   for row in photo_store.rows_for(s, received, at)])


def _check_household(
    conn: Connection, user: dict[str, Any], survey: dict[str, Any]
) -> tuple[dict[str, Any] | None, dict[str, Any] | None, str]:
    """(base, current, region) after the caller's right to survey it is established."""
    household_id = survey["household_id"]
    if survey["base_version"] is None:
        region = survey["observed"]["region_code"]
        if region not in assignments.assigned_villages(conn, user["user_id"]):
            raise SurveyRefused({"observed.region_code": [NEW_OUTSIDE]})
        if household_store.region_of(conn, household_id) is not None:
            raise SurveyRefused({"household_id": [NEW_EXISTS]})
        # A proposal's id belongs to whoever proposed it first: under another's id a
        # visit would pass for a survey of that proposal, with no flag of its own.
        if survey_store.enumerators_of(conn, household_id) - {user["user_id"]}:
            raise SurveyRefused({"household_id": [NEW_TAKEN]})
        return None, None, region
    if not assignments.is_assigned(conn, user["user_id"], household_id, ever=True):
        raise SurveyRefused({"household_id": [NOT_ASSIGNED]})
    # Locked: the reconciliation below reads the current version and its open flags.
    current_row = household_store.get_body(conn, household_id, for_update=True)
    assert current_row is not None  # an assigned household exists
    current, version = current_row
    if survey["base_version"] == version:
        return current, current, current["region_code"]  # shown the latest: one read
    base = household_store.get_version(conn, household_id, survey["base_version"])
    if base is None:
        raise SurveyRefused({"base_version": [BAD_BASE]})
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
        raise SurveyRefused({"parent_survey_id": [BAD_PARENT]})
    return parent


def verification_of(survey: dict[str, Any], state: str) -> str | None:
    """The household's verification after this survey (`schemas.verification`)."""
    return verification_after(survey["outcome"], state)


def _update_verification(conn: Connection, survey: dict[str, Any], state: str) -> None:
    verification = verification_of(survey, state)
    if verification is None:
        return
    household_store.set_verification(
        conn, survey["household_id"], verification, survey["survey_id"], survey["completed_at"]
    )
