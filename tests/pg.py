"""Throwaway PostgreSQL databases for the test suite.

Every test gets a database of its own, so no test sees another's rows, sequences or
`instance_id`, and a server a test forgot to stop cannot block the next one. Creating a
database is cheap when it is copied from a template that already holds the schema
(`CREATE DATABASE … TEMPLATE`): the migrations run once per test session, not per test.

`admin_url` names any database on the server through a role allowed to create
databases, e.g. `postgresql+psycopg://postgres@127.0.0.1:5432/postgres`
(`.ci/postgres.sh start DIR` prints one).
"""

from __future__ import annotations

import atexit
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from server.store import migrate
from server.store.db import make_engine

PREFIX = "verivali_test_"

_templates: dict[str, str] = {}


def url_for(admin_url: str, database: str) -> str:
    return make_url(admin_url).set(database=database).render_as_string(hide_password=False)


def _admin(admin_url: str) -> Engine:
    # CREATE/DROP DATABASE refuse to run inside a transaction block.
    return create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)


def _execute(admin_url: str, statement: str) -> None:
    engine = _admin(admin_url)
    try:
        with engine.connect() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()


def _new_name() -> str:
    # The pid lets `drop_stale` tell a crashed run's leftovers from a live run's databases.
    return f"{PREFIX}{os.getpid()}_{uuid.uuid4().hex[:12]}"


@contextmanager
def fresh_database(admin_url: str, *, template: str | None = None) -> Iterator[str]:
    """A uniquely named database, dropped afterwards; its URL is yielded.

    Empty unless `template` names a database to copy (see `schema_template`).
    """
    name = _new_name()
    clause = f' TEMPLATE "{template}"' if template else ""
    _execute(admin_url, f'CREATE DATABASE "{name}"{clause}')
    try:
        yield url_for(admin_url, name)
    finally:
        # FORCE: a connection a test left open must not keep the database alive.
        _execute(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def schema_template(admin_url: str) -> str:
    """The name of a database migrated to head, made once per process, dropped at exit.

    It holds no `instance_id`: `create_all` gives each copy one of its own.
    """
    if admin_url in _templates:
        return _templates[admin_url]
    drop_stale(admin_url)
    name = _new_name() + "_template"
    _execute(admin_url, f'CREATE DATABASE "{name}"')
    engine = make_engine(url_for(admin_url, name))
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()  # a template with open connections cannot be copied
    _templates[admin_url] = name
    atexit.register(_execute, admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return name


def drop_stale(admin_url: str) -> list[str]:
    """Drop test databases left by runs whose process is gone (a killed pytest)."""
    engine = _admin(admin_url)
    try:
        with engine.connect() as conn:
            names = conn.execute(
                text("SELECT datname FROM pg_database WHERE datname LIKE :pattern"),
                {"pattern": PREFIX + "%"},
            ).scalars().all()
            stale = [n for n in names if not _pid_alive(n)]
            for name in stale:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()
    return stale


def _pid_alive(database: str) -> bool:
    pid_text = database[len(PREFIX):].split("_", 1)[0]
    if not pid_text.isdigit():
        return True  # not ours to judge
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
