"""Creating or upgrading the database, and knowing which one we talk to.

The schema is made by the Alembic migrations (`migrate.py`), never by `create_all`:
a database that keeps a regency's data is upgraded in place, release after release.

`instance_id` is made once per database. Pull cursors carry it, so an agent holding a
cursor from another database (say, before a restore) is told `cursor_expired`.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Connection, Engine, select

from server.store import migrate
from server.store.tables import meta


def create_all(engine: Engine, *, new_instance: bool = False) -> None:
    """Create the database, or upgrade it to this release's schema (`init`).

    `new_instance` (`init --after-restore`) replaces the instance id. A restored backup
    has lost what was written after it, yet the agents' cursors may still look valid
    (or a laptop pushed after its last pull): a new id makes every agent's next pull
    `cursor_expired`, and the agent then pulls afresh and resends what it holds.
    """
    migrate.upgrade(engine)
    with engine.begin() as conn:
        if new_instance:
            conn.execute(meta.delete().where(meta.c.key == "instance_id"))
        if get_meta(conn, "instance_id") is None:
            conn.execute(meta.insert().values(key="instance_id", value=uuid.uuid4().hex))


def get_meta(conn: Connection, key: str) -> str | None:
    return conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar()


def instance_id(conn: Connection) -> str:
    value = get_meta(conn, "instance_id")
    if value is None:
        raise RuntimeError("database not initialised: run `verivali-server init`")
    return value
