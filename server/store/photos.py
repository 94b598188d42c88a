"""What the database knows of survey photos: who names them, whether their bytes arrived.

The bytes are in the blob store (`server/store/blobs.py`); a row here is one survey
naming one photo. `received_at` is set on every row naming a photo when its bytes are
kept, so asking "has it arrived" never touches the disk.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, distinct, func, select, update

from server.store import bulk
from server.store.tables import households, survey_photos, surveys

_COLUMNS = ("survey_id", "photo_id", "position", "kind", "taken_at", "bytes", "household_id",
            "received_at")


def rows_for(survey: dict[str, Any], received: set[str], at: str) -> list[dict[str, Any]]:
    """The rows of a survey's photos; those in `received` are marked arrived at `at`."""
    return [
        {"survey_id": survey["survey_id"], "photo_id": photo["photo_id"], "position": index,
         "kind": photo["kind"], "taken_at": photo["taken_at"], "bytes": photo["bytes"],
         "household_id": survey["household_id"],
         "received_at": at if photo["photo_id"] in received else None}
        for index, photo in enumerate(survey.get("photos") or ())
    ]


def received_among(conn: Connection, photo_ids: list[str]) -> set[str]:
    """Which of `photo_ids` have arrived already (named by an earlier survey)."""
    if not photo_ids:
        return set()
    rows = conn.execute(
        select(survey_photos.c.photo_id)
        .where(survey_photos.c.photo_id.in_(photo_ids), survey_photos.c.received_at.is_not(None))
        .distinct()
    )
    return {r[0] for r in rows}


def insert_many(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        bulk.insert_rows(conn, survey_photos, list(_COLUMNS),
                         [tuple(r[c] for c in _COLUMNS) for r in rows])


def mark_received(conn: Connection, photo_id: str, at: str) -> int:
    """Every row naming `photo_id` now has its bytes; how many rows that was."""
    result = conn.execute(
        update(survey_photos)
        .where(survey_photos.c.photo_id == photo_id, survey_photos.c.received_at.is_(None))
        .values(received_at=at)
    )
    return result.rowcount or 0


def namers(conn: Connection, photo_id: str) -> list[dict[str, Any]]:
    """Each survey naming `photo_id`: its enumerator, household, region, declared size."""
    rows = conn.execute(
        select(survey_photos.c.survey_id, survey_photos.c.bytes, survey_photos.c.received_at,
               survey_photos.c.household_id, surveys.c.enumerator_id, surveys.c.body,
               households.c.region_code)
        .join(surveys, surveys.c.survey_id == survey_photos.c.survey_id)
        .outerjoin(households, households.c.household_id == survey_photos.c.household_id)
        .where(survey_photos.c.photo_id == photo_id)
        .order_by(survey_photos.c.survey_id)
    ).mappings()
    return [dict(r) for r in rows]


def claim(conn: Connection, photo_id: str, enumerator_id: int) -> tuple[int, bool] | None:
    """(declared bytes, arrived) of `photo_id` if one of the enumerator's surveys names it.

    The one lookup of each upload request: two small columns, no survey body.
    """
    mine = conn.execute(
        select(survey_photos.c.bytes)
        .join(surveys, surveys.c.survey_id == survey_photos.c.survey_id)
        .where(survey_photos.c.photo_id == photo_id, surveys.c.enumerator_id == enumerator_id)
        .order_by(survey_photos.c.survey_id).limit(1)
    ).first()
    if mine is None:
        return None
    arrived = conn.execute(
        select(survey_photos.c.photo_id)
        .where(survey_photos.c.photo_id == photo_id, survey_photos.c.received_at.is_not(None))
        .limit(1)
    ).first()
    return mine[0], arrived is not None


def of_survey(conn: Connection, survey_id: str) -> dict[str, bool]:
    """photo_id -> whether its bytes have arrived, for one survey."""
    rows = conn.execute(
        select(survey_photos.c.photo_id, survey_photos.c.received_at)
        .where(survey_photos.c.survey_id == survey_id)
    )
    return {r.photo_id: r.received_at is not None for r in rows}


def pending_for_household(conn: Connection, household_id: str) -> int:
    """Photos named by the household's standing surveys whose bytes have not arrived."""
    return conn.execute(
        select(func.count(distinct(survey_photos.c.photo_id)))
        .join(surveys, surveys.c.survey_id == survey_photos.c.survey_id)
        .where(survey_photos.c.household_id == household_id,
               survey_photos.c.received_at.is_(None), surveys.c.state != "superseded")
    ).scalar_one()


def awaited_id(survey_id: str, kind: str) -> str:
    """The row id of a photo a phone's submission names whose bytes have not come yet.

    A phone's photo is named in the form by file name, and its SHA-256 is known only
    when a POST brings it; until then the row holds this id, which is no blob's name
    (it is not 64 hex), so it is never served, and counts as not received.
    """
    return f"{survey_id}:{kind}"


def add_awaited(conn: Connection, survey: dict[str, Any], kinds: list[str],
                first_position: int) -> None:
    """Rows for the photos a phone's survey names that this POST did not bring."""
    insert_many(conn, [
        {"survey_id": survey["survey_id"], "photo_id": awaited_id(survey["survey_id"], kind),
         "position": first_position + index, "kind": kind,
         "taken_at": survey["completed_at"], "bytes": 0,
         "household_id": survey["household_id"], "received_at": None}
        for index, kind in enumerate(kinds)])


def rows_of_survey(conn: Connection, survey_id: str) -> list[dict[str, Any]]:
    """A survey's photo rows in their order (a phone's awaited ones among them)."""
    rows = conn.execute(
        select(survey_photos).where(survey_photos.c.survey_id == survey_id)
        .order_by(survey_photos.c.position)
    ).mappings()
    return [dict(r) for r in rows]


def arrive(conn: Connection, survey_id: str, kind: str, photo_id: str, size: int,
           at: str) -> None:
    """An awaited phone photo came: its row now names the bytes, received at `at`."""
    conn.execute(
        update(survey_photos)
        .where(survey_photos.c.survey_id == survey_id,
               survey_photos.c.photo_id == awaited_id(survey_id, kind))
        .values(photo_id=photo_id, bytes=size, received_at=at)
    )


def awaited_for_household(conn: Connection, household_id: str) -> dict[str, list[str]]:
    """survey_id -> the kinds of the phone photos it still awaits, for one household."""
    rows = conn.execute(
        select(survey_photos.c.survey_id, survey_photos.c.kind, survey_photos.c.photo_id)
        .where(survey_photos.c.household_id == household_id,
               survey_photos.c.received_at.is_(None))
        .order_by(survey_photos.c.survey_id, survey_photos.c.position)
    )
    awaited: dict[str, list[str]] = {}
    for row in rows:
        if row.photo_id == awaited_id(row.survey_id, row.kind):
            awaited.setdefault(row.survey_id, []).append(row.kind)
    return awaited
