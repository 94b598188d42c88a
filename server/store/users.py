"""Users, their roles, regions and credentials.

API tokens are random 32-byte secrets, so a single SHA-256 is a sound way to keep
them: the database never holds a usable token. Passwords (for the web pages) use
Werkzeug's salted scrypt hash; beside it the phones' Digest secret (`phones.digest_ha1`),
which HTTP Digest needs in that one form.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from sqlalchemy import Connection, RowMapping, bindparam, select
from werkzeug.security import check_password_hash, generate_password_hash

from server.store import phones
from server.store.tables import user_regions, users
from server.timeutil import now_iso

ROLES = ("enumerator", "supervisor", "admin")


class UserError(ValueError):
    """A user request that cannot be carried out; its text is safe to show."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return "vv_" + secrets.token_urlsafe(32)


def create(conn: Connection, name: str, role: str, regions: list[str]) -> str:
    """Create a user; returns the API token, which is shown once and never stored."""
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}: choose {', '.join(ROLES)}")
    if conn.execute(select(users.c.user_id).where(users.c.name == name)).first():
        raise UserError(f"a user named {name!r} exists already")
    token = new_token()
    key = conn.execute(
        users.insert().values(
            name=name, role=role, token_hash=hash_token(token), active=1, created_at=now_iso()
        )
    ).inserted_primary_key
    assert key is not None  # a single-row INSERT always has one
    user_id = key[0]
    set_regions(conn, user_id, regions)
    return token


def set_regions(conn: Connection, user_id: int, regions: list[str]) -> None:
    conn.execute(user_regions.delete().where(user_regions.c.user_id == user_id))
    for prefix in sorted(set(regions)):
        conn.execute(user_regions.insert().values(user_id=user_id, region_prefix=prefix))


# The token's user and their regions in one round trip: every API call asks this first.
_BY_TOKEN = (
    select(users, user_regions.c.region_prefix)
    .select_from(users.outerjoin(user_regions, user_regions.c.user_id == users.c.user_id))
    .where(users.c.token_hash == bindparam("token_hash"), users.c.active == 1)
    .order_by(user_regions.c.region_prefix)
)


def by_token(conn: Connection, token: str) -> dict[str, Any] | None:
    rows = conn.execute(_BY_TOKEN, {"token_hash": hash_token(token)}).mappings().all()
    if not rows:
        return None
    user = {key: value for key, value in rows[0].items() if key != "region_prefix"}
    user["regions"] = [r["region_prefix"] for r in rows if r["region_prefix"] is not None]
    return user


def by_name(conn: Connection, name: str) -> dict[str, Any] | None:
    row = conn.execute(select(users).where(users.c.name == name)).mappings().first()
    return _with_regions(conn, row) if row else None


def by_id(conn: Connection, user_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(users).where(users.c.user_id == user_id)).mappings().first()
    return _with_regions(conn, row) if row else None


def _with_regions(conn: Connection, row: RowMapping) -> dict[str, Any]:
    user = dict(row)
    user["regions"] = [
        r.region_prefix
        for r in conn.execute(
            select(user_regions.c.region_prefix)
            .where(user_regions.c.user_id == user["user_id"])
            .order_by(user_regions.c.region_prefix)
        )
    ]
    return user


def list_all(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(select(users).order_by(users.c.name)).mappings().all()
    return [_with_regions(conn, row) for row in rows]


def revoke(conn: Connection, name: str) -> None:
    """Disable the user's API token (a lost laptop) and end their web sessions.

    `rotate_token` issues a new token (and ends the web sessions too)."""
    user = by_name(conn, name)
    if user is None:
        raise UserError(f"no user named {name!r}")
    conn.execute(
        users.update()
        .where(users.c.user_id == user["user_id"])
        .values(token_hash=None, revoked_at=now_iso())
    )
    end_sessions(conn, user["user_id"])


def end_sessions(conn: Connection, user_id: int) -> None:
    """Every web session of the user is over at its next request (a new generation)."""
    conn.execute(
        users.update()
        .where(users.c.user_id == user_id)
        .values(session_generation=users.c.session_generation + 1)
    )


def rotate_token(conn: Connection, name: str) -> str:
    user = by_name(conn, name)
    if user is None:
        raise UserError(f"no user named {name!r}")
    token = new_token()
    conn.execute(
        users.update()
        .where(users.c.user_id == user["user_id"])
        .values(token_hash=hash_token(token), revoked_at=None, active=1)
    )
    end_sessions(conn, user["user_id"])
    return token


def set_password(conn: Connection, name: str, password: str) -> None:
    if len(password) < 10:
        raise UserError("password must be at least 10 characters")
    user = by_name(conn, name)
    if user is None:
        raise UserError(f"no user named {name!r}")
    conn.execute(
        users.update()
        .where(users.c.user_id == user["user_id"])
        .values(password_hash=generate_password_hash(password))
    )
    phones.set_digest(conn, user["user_id"], phones.digest_ha1(name, password))
    end_sessions(conn, user["user_id"])


def check_password(conn: Connection, name: str, password: str) -> dict[str, Any] | None:
    user = by_name(conn, name)
    if user is None or not user["active"] or not user["password_hash"]:
        return None
    return user if check_password_hash(user["password_hash"], password) else None
