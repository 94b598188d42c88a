"""Surveys as received: the body verbatim, its content hash and the first answer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from server.store import jsoncol
from server.store.tables import devices, surveys

# Built once: a push runs these for every survey, and building a statement per call
# cost more than executing it.
_BY_ID = select(surveys).where(surveys.c.survey_id == bindparam("survey_id"))
_CHILD_OF = (
    select(surveys.c.survey_id).where(surveys.c.parent_survey_id == bindparam("survey_id")).limit(1)
)
_INSERT = surveys.insert()


def get(conn: Connection, survey_id: str) -> dict[str, Any] | None:
    row = conn.execute(_BY_ID, {"survey_id": survey_id}).mappings().first()
    if row is None:
        return None
    survey = dict(row)
    survey["body"] = jsoncol.loads(row["body"])
    survey["result"] = jsoncol.loads(row["result"])
    return survey


def insert(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(_INSERT, values)


def child_of(conn: Connection, survey_id: str) -> str | None:
    """The stored survey naming `survey_id` as its parent, if one arrived first."""
    return conn.execute(_CHILD_OF, {"survey_id": survey_id}).scalar()


def mark_superseded(conn: Connection, survey_id: str, by: str) -> None:
    conn.execute(
        update(surveys)
        .where(surveys.c.survey_id == survey_id)
        .values(state="superseded", superseded_by=by)
    )


def devices_of_surveys(conn: Connection, survey_ids: list[str]) -> dict[str, str]:
    if not survey_ids:
        return {}
    rows = conn.execute(
        select(surveys.c.survey_id, surveys.c.device_id).where(surveys.c.survey_id.in_(survey_ids))
    )
    return {r.survey_id: r.device_id for r in rows}


def latest_for_household(conn: Connection, household_id: str) -> dict[str, Any] | None:
    row = conn.execute(
        select(surveys)
        .where(surveys.c.household_id == household_id, surveys.c.state != "superseded")
        .order_by(surveys.c.completed_at.desc())
        .limit(1)
    ).mappings().first()
    if row is None:
        return None
    survey = dict(row)
    survey["body"] = jsoncol.loads(row["body"])
    return survey


def touch_device(
    conn: Connection,
    device_id: str,
    user_id: int,
    at: str,
    *,
    pushed: bool,
    pending: int | None,
    agent_version: str | None,
) -> None:
    """Remember when a device last synced and what it reported (sync-health dashboard)."""
    values: dict[str, Any] = {"last_push_at" if pushed else "last_pull_at": at}
    if pending is not None:
        values["pending_reported"] = pending
    if agent_version:
        values["agent_version"] = agent_version[:32]
    # One statement, not update-then-insert: two first pushes of a device arriving at once
    # (a retry racing its original) must not both try the insert.
    insert = _dialect_insert(conn)(devices).values(
        device_id=device_id, user_id=user_id, first_seen_at=at, **values
    )
    conn.execute(
        insert.on_conflict_do_update(
            index_elements=[devices.c.device_id], set_={"user_id": user_id, **values}
        )
    )


def _dialect_insert(conn: Connection) -> Any:
    """`INSERT … ON CONFLICT` is spelt the same on both databases, but built per dialect."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert
        return postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert
    return sqlite_insert
