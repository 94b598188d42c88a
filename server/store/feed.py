"""The append-only change log behind `GET /sync/pull`.

Rows only say *that* something changed; the pull reads the entity's state as it is at
pull time, so a page never carries a stale copy.
"""

from __future__ import annotations

from sqlalchemy import Connection

from ..timeutil import now_iso
from .tables import changes

_INSERT = changes.insert()


def emit(
    conn: Connection,
    kind: str,
    entity_id: str,
    household_id: str,
    enumerator_id: int | None = None,
) -> None:
    # Parameters, not `.values()`: the statement stays the same object and compiles once
    # (a push emits a change per flag; building the statement cost 4x the insert).
    conn.execute(
        _INSERT,
        {
            "kind": kind,
            "entity_id": entity_id,
            "household_id": household_id,
            "enumerator_id": enumerator_id,
            "at": now_iso(),
        },
    )


def emit_households(conn: Connection, household_ids: list[str], at: str | None = None) -> None:
    """`emit(conn, "household", id, id)` for many households in one round trip (bulk import)."""
    if not household_ids:
        return
    at = at or now_iso()
    conn.execute(
        changes.insert(),
        [
            {"kind": "household", "entity_id": hid, "household_id": hid,
             "enumerator_id": None, "at": at}
            for hid in household_ids
        ],
    )


def visible_high_water(conn: Connection) -> int:
    """The highest seq a pull may pass.

    On SQLite writers are serialised (BEGIN IMMEDIATE), so seq order is commit order and
    every committed seq is safe to pass. Databases with concurrent writers must hold the
    cursor behind changes still in flight (see the PostgreSQL notes).
    """
    from sqlalchemy import func, select

    return conn.execute(select(func.max(changes.c.seq))).scalar() or 0
