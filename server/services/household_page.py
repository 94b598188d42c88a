"""One household's page: what it shows, and the supervisor's decisions taken on it.

The reads come in one transaction, so the record, its flags and their trail agree.
Each decision is one write transaction through `server.services.review` (the API's
code), rerun if the database breaks a deadlock, and answers the registry version the
decision left.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine

from server.services.review import accept_survey, resolve_flag
from server.store import flags as flag_store
from server.store import households as household_store
from server.store import photos as photo_store
from server.store.db import reading, run_transaction
from server.store.pages import household as queries


@dataclass
class HouseholdPage:
    view: dict[str, Any] | None
    history: list[dict[str, Any]]
    surveys: list[dict[str, Any]]
    open_flags: list[dict[str, Any]]
    decided_flags: list[dict[str, Any]]
    trail: list[dict[str, Any]]
    photos_received: set[str]


def household_region(engine: Engine, household_id: str) -> str | None:
    """The household's region (or its proposal's), None when nothing is known of it."""
    with reading(engine) as conn:
        return queries.region_of(conn, household_id)


def flag_region(engine: Engine, flag_id: str) -> tuple[dict[str, Any] | None, str | None]:
    """The flag and its region; (None, None) when there is no such flag."""
    with reading(engine) as conn:
        flag = flag_store.get(conn, flag_id)
        return flag, flag_store.region_of(conn, flag_id) if flag else None


def survey_region(engine: Engine, survey_id: str) -> tuple[str, str | None] | None:
    """(household_id, region) of a visit, None when there is no such visit."""
    with reading(engine) as conn:
        return queries.survey_region(conn, survey_id)


def _with_awaited(conn: Connection, household_id: str,
                  surveys: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each visit's photos, a phone's not yet sent among them (shown as not received)."""
    awaited = photo_store.awaited_for_household(conn, household_id)
    for survey in surveys:
        kinds = awaited.get(survey["survey_id"])
        if kinds and survey["body"] is not None:
            survey["body"]["photos"] = [*(survey["body"].get("photos") or ()), *(
                {"photo_id": photo_store.awaited_id(survey["survey_id"], kind), "kind": kind}
                for kind in kinds)]
    return surveys


def page(engine: Engine, household_id: str) -> HouseholdPage:
    with reading(engine) as conn:
        all_flags = queries.flags_of(conn, household_id)
        surveys = _with_awaited(conn, household_id, queries.surveys_of(conn, household_id))
        return HouseholdPage(
            view=household_store.get(conn, household_id),
            history=household_store.history(conn, household_id),
            surveys=surveys,
            open_flags=[f for f in all_flags if f["status"] in flag_store.OPEN_STATES],
            decided_flags=[f for f in all_flags if f["status"] not in flag_store.OPEN_STATES],
            trail=queries.decision_trail(conn, [f["flag_id"] for f in all_flags]),
            photos_received=photo_store.received_among(conn, sorted(
                {p["photo_id"] for s in surveys for p in (s["body"] or {}).get("photos") or ()})),
        )


def _version(conn: Connection, household_id: str) -> int | None:
    current = household_store.get_body(conn, household_id)
    return current[1] if current is not None else None


def decide_flag(engine: Engine, user: dict[str, Any], flag_id: str, household_id: str,
                action: str, note: str | None) -> int | None:
    """Accept, reject or send back one flag; the household's registry version after."""

    def work(conn: Connection) -> int | None:
        resolve_flag(conn, user, flag_id, action, note)
        return _version(conn, household_id)

    return run_transaction(engine, work)


def accept_visit(engine: Engine, user: dict[str, Any], survey_id: str, household_id: str,
                 note: str | None) -> tuple[list[dict[str, Any]], int | None]:
    """"Terima semua": every open flag of one visit accepted together, or none."""

    def work(conn: Connection) -> tuple[list[dict[str, Any]], int | None]:
        decided = accept_survey(conn, user, survey_id, note)
        return decided, _version(conn, household_id)

    return run_transaction(engine, work)
