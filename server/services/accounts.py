"""Accounts and their API tokens: who a bearer token belongs to, and the CLI's user commands.

Each function is one transaction, and each change writes its audit row in it (the same
actions the admin pages record, with `via: cli`), never the token or the password.
`UserError` carries a message safe to show an admin.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from server.store import audit
from server.store import users as user_store
from server.store.db import reading, transaction

ROLES = user_store.ROLES
UserError = user_store.UserError

__all__ = ["ROLES", "UserError", "create_user", "list_users", "revoke_token", "rotate_token",
           "set_password", "user_for_token"]


def user_for_token(engine: Engine, token: str) -> dict[str, Any] | None:
    """The active user holding this API token, with their regions; None for any other."""
    with reading(engine) as conn:
        return user_store.by_token(conn, token)


def create_user(engine: Engine, actor: str, name: str, role: str, regions: list[str]) -> str:
    """A new user; returns their API token, shown once and stored only as a hash."""
    with transaction(engine) as conn:
        token = user_store.create(conn, name, role, regions)
        audit.record(conn, actor, "user.create", "user", name,
                     {"role": role, "regions": regions, "via": "cli"})
    return token


def list_users(engine: Engine) -> list[dict[str, Any]]:
    """Every user by name, with role, regions and token hash (None once revoked)."""
    with reading(engine) as conn:
        return user_store.list_all(conn)


def revoke_token(engine: Engine, actor: str, name: str) -> None:
    """Disable the user's API token at once (a lost or stolen laptop)."""
    with transaction(engine) as conn:
        user_store.revoke(conn, name)
        audit.record(conn, actor, "user.token_revoke", "user", name, {"via": "cli"})


def rotate_token(engine: Engine, actor: str, name: str) -> str:
    """A new API token for the user; the old one stops working."""
    with transaction(engine) as conn:
        token = user_store.rotate_token(conn, name)
        audit.record(conn, actor, "user.token_rotate", "user", name, {"via": "cli"})
    return token


def set_password(engine: Engine, actor: str, name: str, password: str) -> None:
    """The user's password for the supervisor web pages."""
    with transaction(engine) as conn:
        user_store.set_password(conn, name, password)
        audit.record(conn, actor, "user.password_reset", "user", name, {"via": "cli"})
