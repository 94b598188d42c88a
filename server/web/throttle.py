"""Slowing down password guessing, per account and per client address.

Failures are audit rows (`signin.failed`), so the record of an attack and the state of
the lock are one and the same, shared by every server process. After `max_failures`
failures within the window (and since the last success) a further try must wait,
30 seconds at first, doubling with each failure, up to the window's length. Unknown
user names are counted like real ones, so the answer never tells which accounts exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from server.store import audit, jsoncol
from server.store.tables import audit_log

FAILED = "signin.failed"
LOCKED = "signin.locked"
SUCCESS = "signin.ok"


@dataclass(frozen=True)
class Policy:
    max_user_failures: int = 5
    max_address_failures: int = 20
    window: timedelta = timedelta(minutes=15)
    first_wait: timedelta = timedelta(seconds=30)

    @classmethod
    def from_config(cls, config: Any) -> Policy:
        return cls(
            max_user_failures=int(config.get("VERIVALI_SIGNIN_MAX_FAILURES", 5)),
            max_address_failures=int(config.get("VERIVALI_SIGNIN_MAX_ADDRESS_FAILURES", 20)),
            window=timedelta(minutes=float(config.get("VERIVALI_SIGNIN_WINDOW_MINUTES", 15))),
            first_wait=timedelta(seconds=float(config.get("VERIVALI_SIGNIN_FIRST_WAIT", 30))),
        )

    def wait(self, failures: int, limit: int) -> timedelta:
        if failures < limit:
            return timedelta(0)
        return min(self.first_wait * (2 ** (failures - limit)), self.window)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _failures_for_user(conn: Connection, name: str, since: str) -> list[str]:
    last_ok = conn.execute(
        select(audit_log.c.at)
        .where(audit_log.c.target_kind == "user", audit_log.c.target_id == name[:64],
               audit_log.c.action == SUCCESS, audit_log.c.at >= since)
        .order_by(audit_log.c.at.desc())
        .limit(1)
    ).scalar()
    start = max(since, last_ok or since)
    return list(
        conn.execute(
            select(audit_log.c.at)
            .where(audit_log.c.target_kind == "user", audit_log.c.target_id == name[:64],
                   audit_log.c.action == FAILED, audit_log.c.at >= start)
            .order_by(audit_log.c.at)
        ).scalars()
    )


def _failures_for_address(conn: Connection, address: str, since: str) -> list[str]:
    rows = conn.execute(
        select(audit_log.c.at, audit_log.c.detail)
        .where(audit_log.c.action == FAILED, audit_log.c.at >= since)
        .order_by(audit_log.c.at)
    )
    found = []
    for row in rows:
        detail = jsoncol.loads(row.detail) or {}
        if detail.get("address") == address:
            found.append(row.at)
    return found


def seconds_to_wait(
    conn: Connection, policy: Policy, name: str, address: str, now: datetime | None = None
) -> int:
    """0 when a try may go ahead; else how long this account or address must wait."""
    now = now or datetime.now(UTC)
    since = _iso(now - policy.window)
    waits = []
    for failures, limit in (
        (_failures_for_user(conn, name, since), policy.max_user_failures),
        (_failures_for_address(conn, address, since), policy.max_address_failures),
    ):
        if len(failures) >= limit:
            until = datetime.fromisoformat(failures[-1]) + policy.wait(len(failures), limit)
            waits.append((until - now).total_seconds())
    longest = max(waits, default=0.0)
    return int(longest) + 1 if longest > 0 else 0


def record_failure(conn: Connection, name: str, address: str, reason: str) -> None:
    audit.record(conn, None, FAILED, "user", name[:64], {"address": address, "reason": reason})


def record_locked(conn: Connection, name: str, address: str) -> None:
    audit.record(conn, None, LOCKED, "user", name[:64], {"address": address})


def record_success(conn: Connection, name: str, address: str) -> None:
    audit.record(conn, name, SUCCESS, "user", name, {"address": address})
