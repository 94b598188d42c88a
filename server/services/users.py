"""The admin pages' work on accounts: each change one transaction with its audit row.

The changes themselves are `server.store.users`, the same functions as the CLI's.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine

from server.services.access import may_manage
from server.store import assignments as assignment_store
from server.store import audit
from server.store import users as user_store
from server.store.db import reading, transaction
from server.store.users import ROLES as ROLES
from server.store.users import UserError as UserError


def _manageable(conn: Connection, admin: dict[str, Any], user: dict[str, Any]) -> bool:
    # Every assignment ever, cancelled too: a survey is still taken for any household
    # ever assigned, so whoever holds the token could still push there.
    work = (assignment_store.assigned_villages(conn, user["user_id"], ever=True)
            if user["role"] == "enumerator" and admin["regions"] else set())
    return may_manage(admin, user, work)


def everyone(engine: Engine, admin: dict[str, Any]) -> list[dict[str, Any]]:
    """The accounts `admin` may manage (docs/admin-guide.md: regional admins)."""
    with reading(engine) as conn:
        return [user for user in user_store.list_all(conn) if _manageable(conn, admin, user)]


def find(engine: Engine, admin: dict[str, Any], name: str) -> tuple[dict[str, Any] | None, bool]:
    """The account called `name` and whether `admin` may manage it."""
    with reading(engine) as conn:
        user = user_store.by_name(conn, name)
        return user, user is not None and _manageable(conn, admin, user)


def recent_changes(engine: Engine, name: str, limit: int = 20) -> list[dict[str, Any]]:
    """The account's latest audit rows, newest first."""
    with reading(engine) as conn:
        trail = audit.for_target(conn, "user", name)[-limit:]
    return list(reversed(trail))


def create(engine: Engine, admin: dict[str, Any], name: str, role: str, regions: list[str],
           password: str) -> str:
    """A new account (with a web password when one is given); its API token, shown once.

    Raises `UserError` when the name is taken.
    """
    with transaction(engine) as conn:
        token = user_store.create(conn, name, role, regions)
        if password:
            user_store.set_password(conn, name, password)
        audit.record(conn, admin["name"], "user.create", "user", name,
                     {"role": role, "regions": regions, "password_set": bool(password)})
    return token


def set_regions(engine: Engine, admin: dict[str, Any], user: dict[str, Any],
                regions: list[str]) -> None:
    with transaction(engine) as conn:
        user_store.set_regions(conn, user["user_id"], regions)
        audit.record(conn, admin["name"], "user.regions", "user", user["name"],
                     {"before": user["regions"], "after": regions})


def reset_password(engine: Engine, admin: dict[str, Any], name: str,
                   password: str) -> dict[str, Any] | None:
    """A new web password; the account as it now stands (its sessions end)."""
    with transaction(engine) as conn:
        user_store.set_password(conn, name, password)
        audit.record(conn, admin["name"], "user.password_reset", "user", name, None)
        return user_store.by_name(conn, name)


def revoke_token(engine: Engine, admin: dict[str, Any], name: str) -> None:
    with transaction(engine) as conn:
        user_store.revoke(conn, name)
        audit.record(conn, admin["name"], "user.token_revoke", "user", name, None)


def rotate_token(engine: Engine, admin: dict[str, Any], name: str) -> str:
    """A new API token (the old one stops working), shown once."""
    with transaction(engine) as conn:
        token = user_store.rotate_token(conn, name)
        audit.record(conn, admin["name"], "user.token_rotate", "user", name, None)
    return token
