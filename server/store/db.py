"""Engine creation and the transaction discipline of the central store.

SQLite is opened in WAL mode with foreign keys on, and every transaction starts with
`BEGIN IMMEDIATE`, so concurrent writers queue on the lock instead of failing midway
with a read-to-write upgrade. PostgreSQL uses the driver's ordinary transactions (READ
COMMITTED), each write transaction first marking its place in the change feed.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import ConnectionPoolEntry

T = TypeVar("T")

DEFAULT_DATABASE_FILE = "verivali.db"


def database_url(url: str | None = None) -> str:
    """`url`, else a SQLite file in the current folder (the settings pass the configured one)."""
    if url:
        return url
    return f"sqlite:///{Path(DEFAULT_DATABASE_FILE).resolve()}"


def is_sqlite(engine: Engine | Connection) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str | None = None) -> Engine:
    url = database_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": 60, "check_same_thread": False},
            pool_size=10,
            max_overflow=20,
        )
        _sqlite_discipline(engine)
        return engine
    engine = create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
    if engine.dialect.name == "postgresql":
        _postgres_discipline(engine)
    return engine


def _sqlite_discipline(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get("verivali_read_only"):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def _postgres_discipline(engine: Engine) -> None:
    from server.store.feed import hold_position

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers overlap here: keep pull cursors behind this transaction (see feed.py).
        if not conn.get_execution_options().get("verivali_read_only"):
            hold_position(conn)


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """One write transaction: everything inside lands together or not at all."""
    with engine.begin() as conn:
        yield conn


# PostgreSQL's answers for "this transaction lost a race, run it again": deadlock
# detected, serialization failure. Nothing of the victim was kept, so a rerun is safe.
_RETRYABLE = ("40P01", "40001")


def run_transaction(engine: Engine, work: Callable[[Connection], T], attempts: int = 3) -> T:
    """`work(conn)` in one write transaction, rerun when the database picks it as a victim.

    Two requests locking rows in opposite orders (rare: pushes of one household from two
    laptops while a supervisor decides on it) end in a deadlock that PostgreSQL breaks
    by failing one of them; that one is run again instead of answering 500.
    """
    for attempt in range(1, attempts + 1):
        try:
            with transaction(engine) as conn:
                return work(conn)
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) not in _RETRYABLE or attempt == attempts:
                raise
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A read-only unit of work. On SQLite it still takes a transaction for a stable view."""
    with engine.connect() as conn:
        conn.execution_options(verivali_read_only=True)
        with conn.begin():
            yield conn
