"""Many rows in one driver call, for the few places that write thousands at once.

SQLAlchemy Core builds a parameter dictionary per row, which costs more than SQLite's
own insert when a registry import writes half a million rows. These helpers hand
plain tuples straight to the driver's `executemany`, writing the statement in the
driver's own parameter style, so they stay portable (SQLite and PostgreSQL).

On PostgreSQL `copy_rows` streams rows with `COPY … FROM STDIN` instead: one statement
for any number of rows, where an `executemany` still runs the insert once per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table

from server.store.db import StorageUnavailable, storage_trouble


def _marks(conn: Connection, count: int) -> list[str]:
    style = conn.dialect.paramstyle
    if style == "qmark":
        return ["?"] * count
    if style in ("format", "pyformat"):
        return ["%s"] * count
    if style == "numeric":
        return [f":{i}" for i in range(1, count + 1)]
    if style == "numeric_dollar":
        return [f"${i}" for i in range(1, count + 1)]
    raise NotImplementedError(f"parameter style {style!r}")


def _names(conn: Connection, table: Table, columns: Sequence[str]) -> tuple[str, list[str]]:
    quote = conn.dialect.identifier_preparer.quote
    for column in columns:
        table.c[column]  # a typo fails here, by name, not in the driver
    return quote(table.name), [quote(c) for c in columns]


def insert_rows(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """`INSERT INTO table (columns) VALUES (…)` once per row, in one driver call."""
    if not rows:
        return
    name, quoted = _names(conn, table, columns)
    marks = ", ".join(_marks(conn, len(columns)))
    conn.exec_driver_sql(f"INSERT INTO {name} ({', '.join(quoted)}) VALUES ({marks})", rows)


def update_rows(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    key: str,
    rows: Sequence[tuple[Any, ...]],
) -> None:
    """`UPDATE table SET columns… WHERE key = …` per row; each row is (*values, key value)."""
    if not rows:
        return
    name, quoted = _names(conn, table, [*columns, key])
    marks = _marks(conn, len(columns) + 1)
    sets = ", ".join(f"{c} = {m}" for c, m in zip(quoted[:-1], marks[:-1], strict=True))
    conn.exec_driver_sql(f"UPDATE {name} SET {sets} WHERE {quoted[-1]} = {marks[-1]}", rows)


def copy_rows(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """PostgreSQL (psycopg): `COPY table (columns) FROM STDIN` in the caller's transaction,
    rows streamed as they come; elsewhere `insert_rows`, with the same effect.

    Column defaults (a BIGSERIAL) are taken per row in the order given, as an insert would.
    The driver is called directly, so its storage errors are translated here as the
    engine would (`StorageUnavailable`, without the driver's text: COPY quotes rows).
    """
    if not conn.in_transaction():
        raise RuntimeError("copy_rows writes in the caller's transaction; none was begun")
    if not rows:
        return
    if conn.dialect.name != "postgresql" or conn.dialect.driver != "psycopg":
        insert_rows(conn, table, columns, rows)
        return
    name, quoted = _names(conn, table, columns)
    driver = conn.connection.driver_connection
    assert driver is not None
    try:
        with driver.cursor() as cursor, \
                cursor.copy(f"COPY {name} ({', '.join(quoted)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    except Exception as error:
        reason = storage_trouble(error)
        if reason is not None:
            raise StorageUnavailable(reason) from None
        raise
