"""Engine creation and the transaction discipline of the central store.

SQLite is opened in WAL mode with foreign keys on, and every transaction starts with
`BEGIN IMMEDIATE`, so concurrent writers queue on the lock instead of failing midway
with a read-to-write upgrade. PostgreSQL uses the driver's ordinary transactions (READ
COMMITTED), each write transaction first marking its place in the change feed.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import ExceptionContext
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


DEFAULT_LOCK_TIMEOUT = 60.0  # seconds a write waits for the lock before giving up


class StorageUnavailable(Exception):
    """The database cannot take this work now; nothing of it was kept. Answered 503.

    `reason` is `busy` (a lock held past the lock timeout), `full` (no room left on disk)
    or `unreachable`; the message never carries the driver's text (it may quote data).
    """

    def __init__(self, reason: str):
        super().__init__(f"storage unavailable: {reason}")
        self.reason = reason


# The last storage trouble each engine met, and when: `/health` reports it for a while.
_TROUBLE: weakref.WeakKeyDictionary[Engine, tuple[str, float]] = weakref.WeakKeyDictionary()
TROUBLE_REMEMBERED = 60.0

_SQLITE_CODES = {5: "busy", 6: "busy", 13: "full", 10: "full"}  # BUSY, LOCKED, FULL, IOERR
_POSTGRES_STATES = {
    "55P03": "busy",  # lock_not_available (lock_timeout)
    "57014": "busy",  # query_canceled (statement_timeout)
    "53100": "full",  # disk_full
    "53000": "busy",  # insufficient_resources
    "53200": "busy",  # out_of_memory
    "53300": "busy",  # too_many_connections
    "57P03": "unreachable",  # cannot_connect_now (starting up)
}


def storage_trouble(error: BaseException | None) -> str | None:
    """`busy`, `full` or `unreachable` when the driver's `error` is storage trouble, else None."""
    if isinstance(error, sqlite3.OperationalError):
        code = getattr(error, "sqlite_errorcode", None)
        if code is not None and (code & 0xFF) in _SQLITE_CODES:
            return _SQLITE_CODES[code & 0xFF]
        text = str(error)
        if "database is locked" in text:
            return "busy"
        if "disk is full" in text or "disk I/O error" in text:
            return "full"
        return None
    state = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    if isinstance(state, str):
        return _POSTGRES_STATES.get(state)
    return None


def _translate(context: ExceptionContext) -> BaseException | None:
    reason = storage_trouble(context.original_exception)
    if reason is None:
        return None
    if context.engine is not None:
        _TROUBLE[context.engine] = (reason, time.monotonic())
    return StorageUnavailable(reason)


def driver_error(conn: Connection, statement: str, error: Exception) -> BaseException:
    """What an execute would raise for `error`, met by a driver call made round SQLAlchemy
    (a COPY): StorageUnavailable for storage trouble, else SQLAlchemy's own wrapper
    (IntegrityError for a unique violation, and so on)."""
    reason = storage_trouble(error)
    if reason is not None:
        _TROUBLE[conn.engine] = (reason, time.monotonic())
        return StorageUnavailable(reason)
    return DBAPIError.instance(statement, None, error, conn.dialect.loaded_dbapi.Error,
                               dialect=conn.dialect)


def make_engine(url: str | None = None, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> Engine:
    """The engine of `url`; a write waiting over `lock_timeout` seconds for a lock fails
    with StorageUnavailable, as does any write the disk has no room for."""
    url = database_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": lock_timeout, "check_same_thread": False},
            pool_size=10,
            max_overflow=20,
        )
        _sqlite_discipline(engine, lock_timeout)
    else:
        engine = create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
        if engine.dialect.name == "postgresql":
            _postgres_discipline(engine, lock_timeout)
    event.listen(engine, "handle_error", _translate)
    return engine


def engine_like(engine: Engine) -> Engine:
    """A new engine on `engine`'s database, for a forked process: it must open
    connections of its own, never use the parent's (SQLite forbids carrying one across
    fork())."""
    return make_engine(engine.url.render_as_string(hide_password=False))


def _sqlite_discipline(engine: Engine, lock_timeout: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(lock_timeout * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get("verivali_read_only"):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def _postgres_discipline(engine: Engine, lock_timeout: float) -> None:
    from server.store.feed import hold_position

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"SET lock_timeout = {int(lock_timeout * 1000)}")
        cursor.close()
        dbapi_connection.commit()

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


def storage_health(engine: Engine, min_free_bytes: int) -> str:
    """`ok`, or why the store cannot take writes now: `full`, `busy`, `unreachable`.

    Cheap enough for a monitor's every call: a recent failed write, the free room of a
    SQLite file (its disk's and its page limit's), one trivial query.
    """
    trouble = _TROUBLE.get(engine)
    if trouble is not None and time.monotonic() - trouble[1] < TROUBLE_REMEMBERED:
        return trouble[0]
    try:
        with reading(engine) as conn:
            if is_sqlite(conn):
                if _sqlite_room(conn) < min_free_bytes:
                    return "full"
            else:
                conn.execute(text("SELECT 1"))
    except StorageUnavailable as exc:
        return exc.reason
    except DBAPIError:
        return "unreachable"
    return "ok"


def _sqlite_room(conn: Connection) -> int:
    """Bytes the SQLite file can still grow by: the disk's free space, capped by the page
    limit, plus the free pages inside the file."""
    page_size = int(conn.exec_driver_sql("PRAGMA page_size").scalar_one())
    pages = int(conn.exec_driver_sql("PRAGMA page_count").scalar_one())
    limit = int(conn.exec_driver_sql("PRAGMA max_page_count").scalar_one())
    free_pages = int(conn.exec_driver_sql("PRAGMA freelist_count").scalar_one())
    room = (limit - pages) * page_size
    path = conn.engine.url.database
    if path and path != ":memory:":
        room = min(room, shutil.disk_usage(Path(path).resolve().parent).free)
    return room + free_pages * page_size
