"""Many rows in one driver call, for the few places that write thousands at once.

SQLAlchemy Core builds a parameter dictionary per row, which costs more than SQLite's
own insert when a registry import writes half a million rows. These helpers hand
plain tuples straight to the driver, writing the statement in the driver's own
parameter style, so they stay portable (SQLite and PostgreSQL).

On SQLite a row is one `executemany` step, run in-process. On PostgreSQL every
`executemany` row is still one execution on the server (a bind, an execute, a result
each: a push of 50 surveys made about 200). There rows go in by `COPY … FROM STDIN`
(one statement, rows formatted by the driver's C code, no placeholder per value to
parse), and an update of many rows is one `UPDATE … FROM unnest(arrays)`: one array a
column, so the statement text, and its prepared plan, is the same whatever the count.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table

from server.store.db import driver_error


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
    if conn.dialect.name == "postgresql":
        _copy_rows(conn, f"COPY {name} ({', '.join(quoted)}) FROM STDIN", rows)
        return
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
    if conn.dialect.name == "postgresql" and len({row[-1] for row in rows}) == len(rows):
        _update_from_arrays(conn, table, name, quoted, [*columns, key], rows)
        return
    marks = _marks(conn, len(columns) + 1)
    sets = ", ".join(f"{c} = {m}" for c, m in zip(quoted[:-1], marks[:-1], strict=True))
    conn.exec_driver_sql(f"UPDATE {name} SET {sets} WHERE {quoted[-1]} = {marks[-1]}", rows)


def _copy_rows(conn: Connection, statement: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """PostgreSQL: the rows through COPY, in the connection's open transaction (so after
    its feed hold, and undone with it). COPY goes round SQLAlchemy's execute, so a
    failure is turned here into what an execute would have raised."""
    if not conn.in_transaction():
        raise RuntimeError("bulk rows are copied inside a transaction")
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    except conn.dialect.loaded_dbapi.Error as exc:
        raise driver_error(conn, statement, exc) from exc
    finally:
        cursor.close()


def _update_from_arrays(
    conn: Connection,
    table: Table,
    name: str,
    quoted: list[str],
    columns: list[str],
    rows: Sequence[tuple[Any, ...]],
) -> None:
    """PostgreSQL: one `UPDATE … FROM unnest(…)` for many rows of distinct keys (with a key
    twice the rows' order decides: `update_rows` then runs them one by one)."""
    types = [conn.dialect.type_compiler_instance.process(table.c[c].type) for c in columns]
    arrays = ", ".join(f"CAST(%s AS {t}[])" for t in types)
    sets = ", ".join(f"{c} = v.{c}" for c in quoted[:-1])
    key = quoted[-1]
    conn.exec_driver_sql(
        f"UPDATE {name} SET {sets} FROM unnest({arrays}) AS v ({', '.join(quoted)})"
        f" WHERE {name}.{key} = v.{key}",
        tuple(list(values) for values in zip(*rows, strict=True)),
    )
