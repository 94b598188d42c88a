"""The dashboard's reads for one region prefix: progress per village, flags, sync health.

Each figure is one grouped query over an index (no household body is read), so a
regency of 100,000 households answers in tens of milliseconds on embedded SQLite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, case, distinct, func, literal, select

from server.store import flags as flag_store
from server.store.pages.queue import region_conditions, walks_in_order
from server.store.regions import in_prefix
from server.store.tables import (
    assignments,
    devices,
    flags,
    households,
    survey_photos,
    surveys,
    users,
)

PROGRESS_KEYS = ("households", "assigned", "visited", "verified", "flagged", "not_found",
                 "open_flags", "photos_missing")


@dataclass
class Progress:
    """Counts for one village (or a subtotal)."""

    households: int = 0
    assigned: int = 0
    visited: int = 0
    verified: int = 0
    flagged: int = 0
    not_found: int = 0
    open_flags: int = 0
    photos_missing: int = 0  # standing surveys naming a photo whose bytes have not arrived

    def add(self, other: Progress) -> None:
        for key in PROGRESS_KEYS:
            setattr(self, key, getattr(self, key) + getattr(other, key))


def first_region_code(conn: Connection) -> str | None:
    """The lowest region code in the registry (the page to open for an admin of everything)."""
    return conn.execute(
        select(households.c.region_code).order_by(households.c.region_code).limit(1)
    ).scalar()


def village_progress(conn: Connection, prefix: str) -> dict[str, Progress]:
    """Households, assigned, visited, verified, flagged, not found and open flags per village."""
    result: dict[str, Progress] = {}

    def at(code: str) -> Progress:
        return result.setdefault(code, Progress())

    # One pass over the (region, state, id) index, probing assignments and surveys by id.
    assigned = select(literal(1)).where(assignments.c.household_id == households.c.household_id,
                                        assignments.c.status != "cancelled").exists()
    visited = select(literal(1)).where(surveys.c.household_id == households.c.household_id).exists()
    for code, state, n, n_assigned, n_visited in conn.execute(
        select(households.c.region_code, households.c.verification_state, func.count(),
               func.sum(case((assigned, 1), else_=0)),
               # A verification state other than `unverified` is set by a received visit:
               # only unverified households need the probe into surveys (a refusal).
               func.sum(case((households.c.verification_state != "unverified", 1),
                             (visited, 1), else_=0)))
        .where(in_prefix(households.c.region_code, prefix))
        .group_by(households.c.region_code, households.c.verification_state)
    ):
        progress = at(code)
        progress.households += n
        progress.assigned += int(n_assigned or 0)
        progress.visited += int(n_visited or 0)
        if state in ("verified", "flagged", "not_found"):
            setattr(progress, state, getattr(progress, state) + n)
    for code, n in conn.execute(
        select(flags.c.region_code, func.count())
        .where(flags.c.status == "open", in_prefix(flags.c.region_code, prefix))
        .group_by(flags.c.region_code)
    ):
        at(code).open_flags = n
    for code, n in conn.execute(
        select(households.c.region_code, func.count(distinct(survey_photos.c.survey_id)))
        .select_from(survey_photos
                     .join(surveys, surveys.c.survey_id == survey_photos.c.survey_id)
                     .join(households, households.c.household_id == survey_photos.c.household_id))
        .where(survey_photos.c.received_at.is_(None), surveys.c.state != "superseded",
               in_prefix(households.c.region_code, prefix))
        .group_by(households.c.region_code)
    ):
        at(code).photos_missing = n
    return dict(sorted(result.items()))


def open_flags_by_rule(conn: Connection, prefix: str) -> dict[str, int]:
    rows = conn.execute(
        select(flags.c.rule, func.count())
        .where(flags.c.status == "open", in_prefix(flags.c.region_code, prefix))
        .group_by(flags.c.rule)
    )
    return {r[0]: r[1] for r in sorted(rows, key=lambda r: (-r[1], r[0]))}


def open_flags_of_rule(conn: Connection, prefix: str, rule: str,
                       limit: int = 20) -> list[dict[str, Any]]:
    """The oldest open flags of one rule (graduation due, desil above the cut-off)."""
    walk = walks_in_order(prefix)
    rows = conn.execute(
        select(flags)
        .where(flags.c.status == "open", flags.c.rule == rule,
               *region_conditions([prefix], None, walk))
        .order_by(flags.c.created_at, flags.c.flag_id)
        .limit(limit)
    ).mappings()
    return [{**flag_store.to_dict(r), "region_code": r["region_code"]} for r in rows]


@dataclass
class DeviceHealth:
    device_id: str | None
    last_sync: str | None
    last_push: str | None
    last_pull: str | None
    pending: int | None
    agent_version: str | None
    silent: bool


@dataclass
class EnumeratorHealth:
    user_id: int
    name: str
    active: bool
    villages: list[str]
    assigned: int
    devices: list[DeviceHealth] = field(default_factory=list)

    @property
    def silent(self) -> bool:
        return not self.devices or all(d.silent for d in self.devices)


def sync_health(conn: Connection, prefix: str, silent_days: int,
                now: datetime | None = None) -> list[EnumeratorHealth]:
    """Enumerators with open work in the region, their laptops and when each last synced.

    A device is silent when its last push or pull is older than `silent_days` (or it
    never synced); an enumerator with no device at all is silent too.
    """
    cutoff = ((now or datetime.now(UTC)) - timedelta(days=silent_days)).isoformat()
    per_enumerator: dict[int, dict[str, int]] = {}
    for enumerator_id, code, n in conn.execute(
        select(assignments.c.enumerator_id, households.c.region_code, func.count())
        .select_from(households.join(assignments,
                                     assignments.c.household_id == households.c.household_id))
        .where(in_prefix(households.c.region_code, prefix), assignments.c.status != "cancelled")
        .group_by(assignments.c.enumerator_id, households.c.region_code)
    ):
        per_enumerator.setdefault(enumerator_id, {})[code] = n
    if not per_enumerator:
        return []
    ids = sorted(per_enumerator)
    people = {
        r.user_id: r
        for r in conn.execute(select(users.c.user_id, users.c.name, users.c.active)
                              .where(users.c.user_id.in_(ids)))
    }
    result = {
        uid: EnumeratorHealth(uid, people[uid].name, bool(people[uid].active),
                              sorted(villages), sum(villages.values()))
        for uid, villages in per_enumerator.items() if uid in people
    }
    for row in conn.execute(select(devices).where(devices.c.user_id.in_(ids))
                            .order_by(devices.c.device_id)).mappings():
        last = max(filter(None, (row["last_push_at"], row["last_pull_at"])), default=None)
        result[row["user_id"]].devices.append(DeviceHealth(
            row["device_id"], last, row["last_push_at"], row["last_pull_at"],
            row["pending_reported"], row["agent_version"], last is None or last < cutoff,
        ))
    return sorted(result.values(), key=lambda e: (not e.silent, e.name))
