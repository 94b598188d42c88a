"""Surveys as received: the body verbatim, its content hash and the first answer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from server.store import bulk, jsoncol, progress
from server.store.among import ByDialect
from server.store.tables import devices, surveys

# Built once: a push runs these for every survey, and building a statement per call
# cost more than executing it.
_BY_ID = select(surveys).where(surveys.c.survey_id == bindparam("survey_id"))
_CHILD_OF = (
    select(surveys.c.survey_id).where(surveys.c.parent_survey_id == bindparam("survey_id")).limit(1)
)
_INSERT = surveys.insert()
_ANSWERS = ByDialect(lambda among: select(
    surveys.c.survey_id, surveys.c.content_hash, surveys.c.result
).where(among(surveys.c.survey_id, "ids")))
_CHILDREN = ByDialect(lambda among: select(
    surveys.c.parent_survey_id, surveys.c.survey_id
).where(among(surveys.c.parent_survey_id, "ids")).order_by(surveys.c.survey_id))


def get(conn: Connection, survey_id: str) -> dict[str, Any] | None:
    row = conn.execute(_BY_ID, {"survey_id": survey_id}).mappings().first()
    if row is None:
        return None
    survey = dict(row)
    survey["body"] = jsoncol.loads(row["body"])
    survey["result"] = jsoncol.loads(row["result"])
    return survey


def new_row(
    survey: dict[str, Any],
    *,
    text: str,
    digest: str,
    enumerator_id: int,
    device_id: str,
    state: str,
    result: dict[str, Any],
    superseded_by: str | None,
    received_at: str,
) -> dict[str, Any]:
    """The stored row of an accepted survey, the same whichever ingest path stores it.

    `text` is the survey's canonical JSON (`jsoncol.dumps`), `digest` its hash.
    """
    return {
        "survey_id": survey["survey_id"],
        "household_id": survey["household_id"],
        "enumerator_id": enumerator_id,
        "device_id": device_id,
        "device_seq": survey["device_seq"],
        "base_version": survey["base_version"],
        "parent_survey_id": survey["parent_survey_id"],
        "outcome": survey["outcome"],
        "completed_at": survey["completed_at"],
        "content_hash": digest,
        "body": text,
        "state": state,
        "result": jsoncol.dumps(result),
        "superseded_by": superseded_by,
        "received_at": received_at,
    }


def insert(conn: Connection, row: dict[str, Any]) -> None:
    """Store one `new_row`."""
    conn.execute(_INSERT, row)
    progress.mark_villages_of(conn, [row["household_id"]])


def insert_many(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Store many `new_row`s in one driver call (a batched push)."""
    if rows:
        columns = list(rows[0])
        bulk.insert_rows(conn, surveys, columns, [tuple(r[c] for c in columns) for r in rows])
        progress.mark_villages_of(conn, [r["household_id"] for r in rows])


def set_photos(conn: Connection, survey_id: str, photos: list[dict[str, Any]]) -> None:
    """A phone's survey names the photos that have come so far: its body and content hash
    follow (no `photos` key when none has, as for any survey without photos)."""
    text = conn.execute(select(surveys.c.body).where(surveys.c.survey_id == survey_id)).scalar()
    if text is None:
        return
    body = jsoncol.loads(text)
    body.pop("photos", None)
    if photos:
        body["photos"] = photos
    new_text = jsoncol.dumps(body)
    conn.execute(update(surveys).where(surveys.c.survey_id == survey_id)
                 .values(body=new_text, content_hash=jsoncol.text_hash(new_text)))


def child_of(conn: Connection, survey_id: str) -> str | None:
    """The stored survey naming `survey_id` as its parent, if one arrived first."""
    return conn.execute(_CHILD_OF, {"survey_id": survey_id}).scalar()


def answers_of(conn: Connection, survey_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The content hash and first answer of each survey already stored, by survey_id."""
    if not survey_ids:
        return {}
    rows = conn.execute(_ANSWERS.of(conn), {"ids": survey_ids})
    return {r.survey_id: {"content_hash": r.content_hash, "result": jsoncol.loads(r.result)}
            for r in rows}


def children_of(conn: Connection, survey_ids: list[str]) -> dict[str, str]:
    """`child_of` for many surveys in one query: parent survey_id -> a stored child."""
    children: dict[str, str] = {}
    if not survey_ids:
        return children
    rows = conn.execute(_CHILDREN.of(conn), {"ids": survey_ids})
    for row in rows:
        children.setdefault(row.parent_survey_id, row.survey_id)
    return children


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


def enumerators_of(conn: Connection, household_id: str) -> set[int]:
    """Who has sent surveys of this household (for a proposal: who proposed it)."""
    rows = conn.execute(
        select(surveys.c.enumerator_id).where(surveys.c.household_id == household_id).distinct()
    )
    return {r.enumerator_id for r in rows}


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
