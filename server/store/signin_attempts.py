"""Sign-in attempts as audit rows: the record of an attack is the state of its lock.

Failures (`signin.failed`), lock-outs and successes are written to the audit log, so
every server process sees the same count. How long a caller must wait is decided in
`server.services.signin`; this module only reads and writes the rows.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from server.store import audit, jsoncol
from server.store.tables import audit_log

FAILED = "signin.failed"
LOCKED = "signin.locked"
SUCCESS = "signin.ok"


def failures_for_user(conn: Connection, name: str, since: str) -> list[str]:
    """Times of failed tries on this account since `since` and since its last success."""
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


def failures_for_address(conn: Connection, address: str, since: str) -> list[str]:
    """Times of failed tries from this client address since `since`, on any account."""
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


def record_failure(conn: Connection, name: str, address: str, reason: str) -> None:
    audit.record(conn, None, FAILED, "user", name[:64], {"address": address, "reason": reason})


def record_locked(conn: Connection, name: str, address: str) -> None:
    audit.record(conn, None, LOCKED, "user", name[:64], {"address": address})


def record_success(conn: Connection, name: str, address: str) -> None:
    audit.record(conn, name, SUCCESS, "user", name, {"address": address})
