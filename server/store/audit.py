"""The audit log: who did what, when. Written in the same transaction as the deed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from server.store import jsoncol
from server.store.tables import audit_log
from server.timeutil import now_iso


def record(
    conn: Connection,
    actor: str | None,
    action: str,
    target_kind: str | None = None,
    target_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    conn.execute(
        audit_log.insert().values(
            at=now_iso(),
            actor=actor,
            action=action,
            target_kind=target_kind,
            target_id=target_id,
            detail=jsoncol.dumps(detail) if detail is not None else None,
        )
    )


def for_target(conn: Connection, target_kind: str, target_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(audit_log)
        .where(audit_log.c.target_kind == target_kind, audit_log.c.target_id == target_id)
        .order_by(audit_log.c.audit_id)
    ).mappings()
    return [{**row, "detail": jsoncol.loads(row["detail"])} for row in rows]
