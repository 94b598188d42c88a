"""Lost laptops' tokens and the agents' escrowed recovery keys (docs/agent.md).

A token marked lost leaves `users.token_hash` for `lost_tokens`: the user gets a new
token for a new laptop with `rotate-token`, while the lost one may still hand in its
pending surveys. Recovery codes, like tokens, are random secrets kept as a SHA-256.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from server.store import users as user_store
from server.store.tables import device_recovery, lost_tokens, users
from server.timeutil import now_iso


def mark_lost(conn: Connection, name: str, actor: str | None) -> dict[str, Any]:
    """Move the user's current token to the lost list; its web sessions end too."""
    user = user_store.by_name(conn, name)
    if user is None:
        raise user_store.UserError(f"no user named {name!r}")
    if not user["token_hash"]:
        raise user_store.UserError(f"{name!r} has no token to mark lost (revoked already?)")
    conn.execute(lost_tokens.insert().values(
        token_hash=user["token_hash"], user_id=user["user_id"], marked_at=now_iso(),
        marked_by=actor,
    ))
    conn.execute(users.update().where(users.c.user_id == user["user_id"])
                 .values(token_hash=None, revoked_at=now_iso()))
    user_store.end_sessions(conn, user["user_id"])
    return user


def user_for_lost_token(conn: Connection, token: str) -> dict[str, Any] | None:
    """The active user whose lost token this is, with `lost` set; None otherwise."""
    row = conn.execute(
        select(lost_tokens.c.user_id).join(users, users.c.user_id == lost_tokens.c.user_id)
        .where(lost_tokens.c.token_hash == user_store.hash_token(token), users.c.active == 1)
    ).first()
    if row is None:
        return None
    user = user_store.by_id(conn, row.user_id)
    if user is None:
        return None
    return {**user, "lost": True, "lost_token_hash": user_store.hash_token(token)}


def lost_count(conn: Connection, user_id: int) -> int:
    return len(conn.execute(
        select(lost_tokens.c.token_hash).where(lost_tokens.c.user_id == user_id)
    ).all())


def note_push(conn: Connection, token_hash: str) -> None:
    conn.execute(lost_tokens.update().where(lost_tokens.c.token_hash == token_hash)
                 .values(last_push_at=now_iso()))


def escrow(conn: Connection, user_id: int, device_id: str, recovery_key: str) -> None:
    """Keep (or replace, after a recovery) this laptop's recovery key."""
    where = (device_recovery.c.device_id == device_id) & (device_recovery.c.user_id == user_id)
    values = {"recovery_key": recovery_key, "escrowed_at": now_iso(), "code_hash": None,
              "code_expires_at": None, "released_at": None}
    if conn.execute(select(device_recovery.c.device_id).where(where)).first():
        conn.execute(device_recovery.update().where(where).values(**values))
    else:
        conn.execute(device_recovery.insert().values(
            device_id=device_id, user_id=user_id, **values))


def escrowed_devices(conn: Connection, user_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(device_recovery.c.device_id, device_recovery.c.escrowed_at,
               device_recovery.c.released_at)
        .where(device_recovery.c.user_id == user_id).order_by(device_recovery.c.escrowed_at)
    ).mappings().all()
    return [dict(r) for r in rows]


def set_code(conn: Connection, user_id: int, device_id: str, code: str, expires_at: str) -> None:
    conn.execute(
        device_recovery.update()
        .where(device_recovery.c.device_id == device_id, device_recovery.c.user_id == user_id)
        .values(code_hash=user_store.hash_token(code), code_expires_at=expires_at)
    )


def release(conn: Connection, device_id: str, code: str, now: str) -> dict[str, Any] | None:
    """The escrow row a valid, unexpired code opens, the code spent; None otherwise."""
    row = conn.execute(
        select(device_recovery).where(
            device_recovery.c.device_id == device_id,
            device_recovery.c.code_hash == user_store.hash_token(code),
            device_recovery.c.code_expires_at > now,
        )
    ).mappings().first()
    if row is None:
        return None
    conn.execute(
        device_recovery.update()
        .where(device_recovery.c.device_id == device_id, device_recovery.c.user_id == row["user_id"])
        .values(code_hash=None, code_expires_at=None, released_at=now)
    )
    return dict(row)
