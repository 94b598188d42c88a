"""Signing in to the pages, slowed down against password guessing; loading the session's user.

After `max_failures` failures within the window (and since the last success) a further
try must wait, 30 seconds at first, doubling with each failure, up to the window's
length, per account and per client address. Unknown user names are counted like real
ones, so the answer never tells which accounts exist. The attempts themselves are
audit rows (`server.store.signin_attempts`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine

from server.store import signin_attempts
from server.store import users as user_store
from server.store.db import reading, transaction


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


@dataclass(frozen=True)
class Attempt:
    """`wait` seconds before another try is allowed (0: it went ahead); the user if the
    password was right, whatever their role."""

    wait: int
    user: dict[str, Any] | None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def seconds_to_wait(
    conn: Connection, policy: Policy, name: str, address: str, now: datetime | None = None
) -> int:
    """0 when a try may go ahead; else how long this account or address must wait."""
    now = now or datetime.now(UTC)
    since = _iso(now - policy.window)
    waits = []
    for failures, limit in (
        (signin_attempts.failures_for_user(conn, name, since), policy.max_user_failures),
        (signin_attempts.failures_for_address(conn, address, since),
         policy.max_address_failures),
    ):
        if len(failures) >= limit:
            until = datetime.fromisoformat(failures[-1]) + policy.wait(len(failures), limit)
            waits.append((until - now).total_seconds())
    longest = max(waits, default=0.0)
    return int(longest) + 1 if longest > 0 else 0


def sign_in(engine: Engine, policy: Policy, name: str, password: str, address: str,
            allowed_roles: tuple[str, ...]) -> Attempt:
    """One try: the lock checked, the password checked, the outcome audited, together."""
    with transaction(engine) as conn:
        wait = seconds_to_wait(conn, policy, name, address)
        if wait:
            signin_attempts.record_locked(conn, name, address)
            return Attempt(wait, None)
        user = user_store.check_password(conn, name, password)
        if user is None:
            signin_attempts.record_failure(conn, name, address, "password")
        elif user["role"] not in allowed_roles:
            signin_attempts.record_failure(conn, name, address, "role")
        else:
            signin_attempts.record_success(conn, name, address)
    return Attempt(0, user)


def session_user(engine: Engine, user_id: int) -> dict[str, Any] | None:
    """The account a session cookie names, as it stands now (its role, password, state)."""
    with reading(engine) as conn:
        return user_store.by_id(conn, user_id)


def sign_out(engine: Engine, user_id: int) -> None:
    """End every web session of the user, this one and any copy of its cookie."""
    with transaction(engine) as conn:
        user_store.end_sessions(conn, user_id)
