"""Statements that match a column against a list of values, built once per dialect.

`column.in_(values)` writes one placeholder per value, so SQLAlchemy renders the
statement again at every execution, and on PostgreSQL every list length is a statement
text of its own that the server parses and plans afresh (psycopg prepares a statement
only once the same text has run five times). `column = ANY(:array)` is one text
whatever the length: rendered once, prepared once. SQLite has no arrays; there the
placeholder list stays (rendered per execution, but parsed in-process and cheaply).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Connection, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY

S = TypeVar("S")
Match = Callable[[ColumnElement[Any], str], ColumnElement[bool]]


def _any_of(column: ColumnElement[Any], name: str) -> ColumnElement[bool]:
    return column == any_(bindparam(name, type_=ARRAY(column.type)))


def _in_list(column: ColumnElement[Any], name: str) -> ColumnElement[bool]:
    return column.in_(bindparam(name, expanding=True))


class ByDialect(Generic[S]):
    """A statement built twice by `build(match)`: `match(column, name)` is the condition
    "column is one of the list passed as parameter `name`", in each dialect's form."""

    def __init__(self, build: Callable[[Match], S]) -> None:
        self._postgresql = build(_any_of)
        self._other = build(_in_list)

    def of(self, conn: Connection) -> S:
        return self._postgresql if conn.dialect.name == "postgresql" else self._other
