"""Creating the database and knowing which one we talk to.

`instance_id` is made once per database. Pull cursors carry it, so an agent holding a
cursor from another database (say, before a restore) is told `cursor_expired`.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Connection, Engine, select

from .tables import meta, metadata


def create_all(engine: Engine) -> None:
    metadata.create_all(engine)
    with engine.begin() as conn:
        if get_meta(conn, "instance_id") is None:
            conn.execute(meta.insert().values(key="instance_id", value=uuid.uuid4().hex))


def get_meta(conn: Connection, key: str) -> str | None:
    return conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar()


def instance_id(conn: Connection) -> str:
    value = get_meta(conn, "instance_id")
    if value is None:
        raise RuntimeError("database not initialised: run `verivali-server init`")
    return value
