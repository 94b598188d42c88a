"""Reads for one household's page: its region, surveys, flags and decision trail."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from server.store import flags as flag_store
from server.store import jsoncol
from server.store.tables import audit_log, flags, households, surveys, users


def region_of(conn: Connection, household_id: str) -> str | None:
    """The registry's region, or for a new-household proposal its flags' region."""
    region = conn.execute(
        select(households.c.region_code).where(households.c.household_id == household_id)
    ).scalar()
    if region is not None:
        return region
    return conn.execute(
        select(flags.c.region_code).where(flags.c.household_id == household_id).limit(1)
    ).scalar()


def surveys_of(conn: Connection, household_id: str) -> list[dict[str, Any]]:
    """Every visit to this household, newest first, with the enumerator's name."""
    rows = conn.execute(
        select(surveys, users.c.name.label("enumerator_name"))
        .join(users, users.c.user_id == surveys.c.enumerator_id)
        .where(surveys.c.household_id == household_id)
        .order_by(surveys.c.completed_at.desc(), surveys.c.received_at.desc())
    ).mappings()
    result = []
    for row in rows:
        survey = dict(row)
        survey["body"] = jsoncol.loads(row["body"])
        survey.pop("result", None)
        result.append(survey)
    return result


def flags_of(conn: Connection, household_id: str) -> list[dict[str, Any]]:
    """Every flag on the household, decided or not, oldest first."""
    rows = conn.execute(
        select(flags).where(flags.c.household_id == household_id)
        .order_by(flags.c.created_at, flags.c.flag_id)
    ).mappings()
    return [{**flag_store.to_dict(r), "region_code": r["region_code"]} for r in rows]


def decision_trail(conn: Connection, flag_ids: list[str]) -> list[dict[str, Any]]:
    """Audit rows of decisions on these flags, newest first (Riwayat Keputusan)."""
    if not flag_ids:
        return []
    trail: list[dict[str, Any]] = []
    for start in range(0, len(flag_ids), 500):
        chunk = flag_ids[start:start + 500]
        rows = conn.execute(
            select(audit_log).where(audit_log.c.target_kind == "flag",
                                    audit_log.c.target_id.in_(chunk))
        ).mappings()
        trail.extend({**r, "detail": jsoncol.loads(r["detail"]) or {}} for r in rows)
    trail.sort(key=lambda r: (r["at"], r["audit_id"]), reverse=True)
    return trail


def survey_region(conn: Connection, survey_id: str) -> tuple[str, str | None] | None:
    """(household_id, region) of a survey, or None when no such survey exists."""
    household_id = conn.execute(
        select(surveys.c.household_id).where(surveys.c.survey_id == survey_id)
    ).scalar()
    if household_id is None:
        return None
    return household_id, region_of(conn, household_id)
