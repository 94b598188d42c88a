"""The dashboard's reads for one region prefix: progress per village, flags, sync health.

Progress and open work per village are read from the counts kept per village
(`server.store.progress`), the open flags per village and rule from the review queue's
(`server.store.flag_counts`; both recounted by the caller before a view). No household
and no open flag is read, so a page costs the number of villages, not of households.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, distinct, func, select

from server.store import flags as flag_store
from server.store import progress
from server.store.pages.queue import region_conditions, walks_in_order
from server.store.regions import in_prefix
from server.store.tables import (
    devices,
    flags,
    households,
    queue_village_rules,
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
    """Households, assigned, visited, verified, flagged, not found and open flags per village:
    the kept counts (`store.progress`, recounted by `progress.refresh` before a view) and
    the review queue's open flags per village (`store.flag_counts`, recounted likewise)."""
    result = {code: Progress(**counts) for code, counts in progress.villages(conn, prefix).items()}
    for code, n in conn.execute(
        select(queue_village_rules.c.region_code, func.sum(queue_village_rules.c.open_flags))
        .where(in_prefix(queue_village_rules.c.region_code, prefix))
        .group_by(queue_village_rules.c.region_code)
    ):
        result.setdefault(code, Progress()).open_flags = int(n)
    for code, n in conn.execute(
        select(households.c.region_code, func.count(distinct(survey_photos.c.survey_id)))
        .select_from(survey_photos
                     .join(surveys, surveys.c.survey_id == survey_photos.c.survey_id)
                     .join(households, households.c.household_id == survey_photos.c.household_id))
        .where(survey_photos.c.received_at.is_(None), surveys.c.state != "superseded",
               in_prefix(households.c.region_code, prefix))
        .group_by(households.c.region_code)
    ):
        result.setdefault(code, Progress()).photos_missing = n
    return dict(sorted(result.items()))


def open_flags_by_rule(conn: Connection, prefix: str) -> dict[str, int]:
    rows = conn.execute(
        select(queue_village_rules.c.rule, func.sum(queue_village_rules.c.open_flags))
        .where(in_prefix(queue_village_rules.c.region_code, prefix))
        .group_by(queue_village_rules.c.rule)
    )
    return {r[0]: int(r[1]) for r in sorted(rows, key=lambda r: (-r[1], r[0]))}


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
    for enumerator_id, code, n in progress.enumerators(conn, prefix):
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
