"""A lost laptop, and a laptop locked by five wrong PINs: the admin's two remote helps.

Marking a token lost stops it at once for everything but pushing (so the laptop's
pending surveys still arrive; each push answer tells it to wipe). A recovery code
releases a laptop's escrowed recovery key once, within a day. Every step is audited,
never with the token, the key or the code.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from server.errors import RecoveryRefused
from server.store import audit
from server.store import lost_devices as lost_store
from server.store.db import reading, transaction
from server.store.users import UserError, by_name
from server.timeutil import now_iso

CODE_VALID = timedelta(hours=24)


def mark_lost(engine: Engine, actor: str | None, name: str, via: str = "cli") -> None:
    """The user's token stops working but for handing in pending surveys; audited."""
    with transaction(engine) as conn:
        user = lost_store.mark_lost(conn, name, actor)
        if user["role"] != "enumerator":
            raise UserError("only an enumerator's token (a field laptop) can be marked lost")
        audit.record(conn, actor, "user.token_lost", "user", name, {"via": via})


def lost_user_for_token(engine: Engine, token: str) -> dict[str, Any] | None:
    with reading(engine) as conn:
        return lost_store.user_for_lost_token(conn, token)


def note_handed_in(engine: Engine, user: dict[str, Any], received: int) -> None:
    """A lost laptop pushed: when, and how many, for the admin; it is told to wipe."""
    with transaction(engine) as conn:
        lost_store.note_push(conn, user["lost_token_hash"])
        audit.record(conn, user["name"], "device.lost_push", "user", user["name"],
                     {"surveys": received})


def escrow_recovery_key(
    engine: Engine, user: dict[str, Any], device_id: str, recovery_key: str
) -> None:
    with transaction(engine) as conn:
        lost_store.escrow(conn, user["user_id"], device_id, recovery_key)
        audit.record(conn, user["name"], "device.recovery_escrow", "device", device_id, None)


def issue_recovery_code(
    engine: Engine, actor: str | None, name: str, device_id: str | None = None,
    via: str = "cli",
) -> tuple[str, str]:
    """A one-time code releasing the recovery key of `name`'s laptop; (device id, code)."""
    with transaction(engine) as conn:
        user = by_name(conn, name)
        if user is None:
            raise UserError(f"no user named {name!r}")
        devices = [d["device_id"] for d in lost_store.escrowed_devices(conn, user["user_id"])]
        if device_id is None and len(devices) == 1:
            device_id = devices[0]
        if device_id is None or device_id not in devices:
            known = ", ".join(devices) or "none"
            raise UserError(f"name the laptop with --device (escrowed for {name!r}: {known})")
        code = secrets.token_hex(5).upper()  # 40 bits, one use, one day
        expires = (datetime.now(UTC) + CODE_VALID).isoformat(timespec="microseconds")
        lost_store.set_code(conn, user["user_id"], device_id, code, expires)
        audit.record(conn, actor, "device.recovery_code", "device", device_id,
                     {"user": name, "via": via})
    return device_id, code


def release_recovery_key(engine: Engine, device_id: str, code: str) -> str:
    """The recovery key a valid code opens (the code is spent); RecoveryRefused otherwise."""
    with transaction(engine) as conn:
        row = lost_store.release(conn, device_id, code.strip().upper(), now_iso())
        if row is None:
            audit.record(conn, None, "device.recovery_refused", "device", device_id, None)
        else:
            audit.record(conn, None, "device.recovery_release", "device", device_id,
                         {"user_id": row["user_id"]})
    if row is None:
        raise RecoveryRefused()
    return str(row["recovery_key"])
