"""Streamed reads for the exports: nothing is loaded whole, rows arrive in batches.

`yield_per` keeps a fixed number of rows in memory (a server-side cursor on
PostgreSQL); the caller writes each batch out before the next is fetched.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, and_, select

from server.reconcile.diff import diff_households
from server.reconcile.fields import parse_path
from server.store import jsoncol
from server.store.photos import awaited_id
from server.store.regions import in_prefix
from server.store.tables import household_versions, households, survey_photos, surveys

BATCH = 500


def corrections(conn: Connection, prefix: str, start: str, end: str) -> Iterator[dict[str, Any]]:
    """One dict per place an accepted decision changed, from versions with source `review`.

    Each review version is compared with the version before it, so what is listed is
    what the registry really changed, even where the registry moved between the
    flag's creation and the decision.
    """
    version = household_versions.alias("v")
    before = household_versions.alias("before")
    stmt = (
        select(version.c.household_id, version.c.version, version.c.source_id, version.c.actor,
               version.c.at, version.c.body, before.c.body.label("before_body"),
               households.c.region_code)
        .select_from(
            version.join(households, households.c.household_id == version.c.household_id)
            .outerjoin(before, and_(before.c.household_id == version.c.household_id,
                                    before.c.version == version.c.version - 1))
        )
        .where(version.c.source == "review", version.c.at >= start, version.c.at < end,
               in_prefix(households.c.region_code, prefix))
        .order_by(version.c.at, version.c.household_id, version.c.version)
        .execution_options(yield_per=BATCH)
    )
    for row in conn.execute(stmt):
        common = {"household_id": row.household_id, "decided_by": row.actor,
                  "decided_at": row.at, "region_code": row.region_code,
                  "flag_id": row.source_id, "version": row.version}
        if row.before_body is None:
            yield {**common, "member_id": "", "field": "new_household", "old_value": None,
                   "new_value": row.household_id}
            continue
        for difference in diff_households(jsoncol.loads(row.before_body), jsoncol.loads(row.body)):
            place = parse_path(difference.path)
            member_id = place.member_id or ""
            field = place.field or "member"
            if place.kind == "section":
                field = f"{place.section}.{place.field}"
            yield {**common, "member_id": member_id, "field": field,
                   "old_value": difference.before, "new_value": difference.after}


def registry(conn: Connection, prefix: str) -> Iterator[str]:
    """The current registry of a region as JSON lines (the contract's Household, with version)."""
    stmt = (
        select(households.c.body, households.c.version)
        .where(in_prefix(households.c.region_code, prefix))
        .order_by(households.c.region_code, households.c.household_id)
        .execution_options(yield_per=BATCH)
    )
    for body, number in conn.execute(stmt):
        # The body is a stored JSON object without `version`: append it without a re-parse.
        yield f'{body[:-1]},"version":{int(number)}}}\n' if body != "{}" else "{}\n"


def survey_photos_of(conn: Connection, prefix: str) -> Iterator[dict[str, Any]]:
    """Each survey of the region naming photos, with them in order: for the photo list."""
    stmt = (
        select(survey_photos.c.survey_id, survey_photos.c.household_id, survey_photos.c.photo_id,
               survey_photos.c.kind, survey_photos.c.taken_at, survey_photos.c.bytes,
               survey_photos.c.received_at, households.c.region_code, surveys.c.completed_at)
        .select_from(survey_photos
                     .join(surveys, surveys.c.survey_id == survey_photos.c.survey_id)
                     .join(households, households.c.household_id == survey_photos.c.household_id))
        .where(in_prefix(households.c.region_code, prefix))
        .order_by(households.c.region_code, survey_photos.c.household_id,
                  surveys.c.completed_at, survey_photos.c.survey_id, survey_photos.c.position)
        .execution_options(yield_per=BATCH)
    )
    current: dict[str, Any] | None = None
    for row in conn.execute(stmt):
        if current is None or current["survey_id"] != row.survey_id:
            if current is not None:
                yield current
            current = {"survey_id": row.survey_id, "household_id": row.household_id,
                       "region_code": row.region_code, "completed_at": row.completed_at,
                       "photos": []}
        # A phone's photo not yet come has no hash: null, and no size, until it does.
        awaited = row.photo_id == awaited_id(row.survey_id, row.kind)
        current["photos"].append({"photo_id": None if awaited else row.photo_id,
                                  "kind": row.kind, "taken_at": row.taken_at,
                                  "bytes": None if awaited else row.bytes,
                                  "received": row.received_at is not None})
    if current is not None:
        yield current
