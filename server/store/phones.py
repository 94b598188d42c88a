"""What the phones' front end keeps: submissions, Digest secrets and nonces.

A submission's survey is stored by the ingest like any other (`surveys.py`), its photos
as any survey's (`photos.py`); this module keeps what only OpenRosa has: the XML's hash
(a resend is recognised) and the entity branch (a phone's second visit).
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select, update

from server.store import jsoncol
from server.store.tables import (
    assignments,
    households,
    phone_digest,
    phone_nonces,
    phone_submissions,
    users,
)

LISTED_STATUSES = ("open", "revisit")
DIGEST_REALM = "Verivali"


def digest_ha1(name: str, password: str) -> str:
    """HTTP Digest's stored secret, MD5(name:realm:password) (RFC 7616, as Collect speaks it)."""
    text = f"{name}:{DIGEST_REALM}:{password}"
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def submission(conn: Connection, instance_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(phone_submissions)
                       .where(phone_submissions.c.instance_id == instance_id)).mappings().first()
    return dict(row) if row else None


def submissions(conn: Connection, instance_ids: list[str]) -> dict[str, dict[str, Any]]:
    """`submission` of many instances at once, by instance id (those stored)."""
    if not instance_ids:
        return {}
    rows = conn.execute(select(phone_submissions)
                        .where(phone_submissions.c.instance_id.in_(instance_ids))).mappings()
    return {r["instance_id"]: dict(r) for r in rows}


def next_device_seqs(conn: Connection, device_ids: list[str]) -> dict[str, int]:
    """The next capture number (surveys' `device_seq`) of each phone, in one statement."""
    last: dict[str, int] = {}
    if device_ids:
        last = dict(conn.execute(
            select(phone_submissions.c.device_id, func.max(phone_submissions.c.device_seq))
            .where(phone_submissions.c.device_id.in_(sorted(set(device_ids))))
            .group_by(phone_submissions.c.device_id)).tuples().all())
    return {device_id: int(last.get(device_id) or 0) + 1 for device_id in device_ids}


def branch_parent(conn: Connection, user_id: int, branch_id: str,
                  entity_version: int) -> str | None:
    """The submission of this phone's offline branch that made `entity_version` on it."""
    return conn.execute(
        select(phone_submissions.c.instance_id).where(
            phone_submissions.c.branch_id == branch_id,
            phone_submissions.c.entity_version == entity_version - 1,
            phone_submissions.c.user_id == user_id,
        )
    ).scalar()


def add_submissions(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(phone_submissions), rows)


def set_digest(conn: Connection, user_id: int, ha1: str) -> None:
    conn.execute(delete(phone_digest).where(phone_digest.c.user_id == user_id))
    conn.execute(insert(phone_digest), [{"user_id": user_id, "ha1": ha1}])


def digest_user(conn: Connection, name: str) -> tuple[int, str] | None:
    """(user_id, HA1) of an active user with a Digest secret."""
    row = conn.execute(
        select(users.c.user_id, phone_digest.c.ha1)
        .join(phone_digest, phone_digest.c.user_id == users.c.user_id)
        .where(users.c.name == name, users.c.active == 1)
    ).first()
    return (row.user_id, row.ha1) if row else None


def add_nonce(conn: Connection, nonce: str, now: float, max_age: float) -> None:
    """Hand out a nonce; those past their age are dropped on the way."""
    conn.execute(delete(phone_nonces).where(phone_nonces.c.issued_at < now - max_age))
    conn.execute(insert(phone_nonces), [{"nonce": nonce, "issued_at": now, "last_count": 0}])


def use_nonce(conn: Connection, nonce: str, count: int, now: float, max_age: float) -> bool:
    """Whether the nonce is ours, young enough and `count` above every count it came with."""
    done = conn.execute(
        update(phone_nonces)
        .where(phone_nonces.c.nonce == nonce, phone_nonces.c.last_count < count,
               phone_nonces.c.issued_at >= now - max_age)
        .values(last_count=count)
    )
    return done.rowcount == 1


_LISTED = and_(assignments.c.household_id == households.c.household_id,
               assignments.c.status.in_(LISTED_STATUSES))


def listed_fingerprints(conn: Connection, user_id: int) -> list[tuple[str, int, str, str, str]]:
    """(household_id, version, content hash, assignment status, note) of the households on a
    user's list, without reading a body: enough to tell whether the list changed."""
    rows = conn.execute(
        select(households.c.household_id, households.c.version, households.c.content_hash,
               assignments.c.status, assignments.c.note)
        .select_from(households.join(assignments, _LISTED))
        .where(assignments.c.enumerator_id == user_id)
        .order_by(households.c.household_id, assignments.c.status)
    ).all()
    return [(r.household_id, r.version, r.content_hash, r.status, r.note or "") for r in rows]


def listed_households(conn: Connection, user_id: int) -> list[dict[str, Any]]:
    """The households on a user's list with `version` and the supervisor's `revisit_note`."""
    rows = conn.execute(
        select(households.c.household_id, households.c.version, households.c.body,
               assignments.c.status, assignments.c.note)
        .select_from(households.join(assignments, _LISTED))
        .where(assignments.c.enumerator_id == user_id)
        .order_by(households.c.household_id, assignments.c.status)
    ).all()
    listed: dict[str, dict[str, Any]] = {}
    for row in rows:
        household = listed.get(row.household_id)
        if household is None:
            household = {**jsoncol.loads(row.body), "version": row.version, "revisit_note": ""}
            listed[row.household_id] = household
        if row.status == "revisit" and row.note:
            household["revisit_note"] = row.note
    return list(listed.values())
