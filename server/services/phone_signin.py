"""Signing a phone in by HTTP Digest (RFC 7616, MD5, qop=auth), as Collect does.

Collect refuses Basic over plain HTTP, so a username and the web password go through a
challenge: the server hands out a nonce, the phone answers with a hash of it. A nonce is
good for `NONCE_MAX_AGE` seconds and each use must carry a higher count than the last,
so a captured request cannot be played again.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Any

from sqlalchemy import Engine

from server.store import phones as phone_store
from server.store import users as user_store
from server.store.db import reading, transaction

REALM = phone_store.DIGEST_REALM
NONCE_MAX_AGE = 300.0


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def new_nonce(engine: Engine) -> str:
    """A fresh nonce for a challenge, remembered so its answer can be checked once."""
    nonce = secrets.token_hex(16)
    with transaction(engine) as conn:
        phone_store.add_nonce(conn, nonce, time.time(), NONCE_MAX_AGE)
    return nonce


def digest_user(engine: Engine, answer: dict[str, str],
                method: str) -> tuple[dict[str, Any] | None, bool]:
    """(the active user whose Digest answer is right on a live nonce not replayed, else
    None; whether the answer was right but its nonce expired or used: `stale`, so the
    phone asks for a new nonce instead of a password)."""
    needed = ("username", "realm", "nonce", "uri", "response", "nc", "cnonce")
    if any(not answer.get(k) for k in needed) or answer.get("qop") != "auth" \
            or answer["realm"] != REALM:
        return None, False
    try:
        count = int(answer["nc"], 16)
    except ValueError:
        return None, False
    with reading(engine) as conn:
        found = phone_store.digest_user(conn, answer["username"])
    if found is None:
        return None, False
    user_id, ha1 = found
    ha2 = _md5(f"{method}:{answer['uri']}")
    expected = _md5(":".join((ha1, answer["nonce"], answer["nc"], answer["cnonce"], "auth",
                              ha2)))
    if not hmac.compare_digest(expected, answer["response"].lower()):
        return None, False
    with transaction(engine) as conn:
        if not phone_store.use_nonce(conn, answer["nonce"], count, time.time(),
                                     NONCE_MAX_AGE):
            return None, True
        return user_store.by_id(conn, user_id), False
