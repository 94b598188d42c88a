"""Region prefixes as SQL conditions: "starts with 1811" as an index range.

Region codes are digits only, so "starts with 1811" is the range
`'1811' <= code < '1812'`: an index range on SQLite and PostgreSQL alike, where
`LIKE '1811%'` would scan the table on SQLite.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, true


def next_prefix(prefix: str) -> str | None:
    """The first code after every code starting with `prefix`: 1811 → 1812, 1819 → 1820.

    Digits only, so the bound holds under any collation (a PostgreSQL database in a
    language locale may skip punctuation such as ':' when it compares text).
    """
    following = int(prefix) + 1
    text = str(following).zfill(len(prefix))
    return text if len(text) == len(prefix) else None


def in_prefix(column: Any, prefix: str) -> ColumnElement[bool]:
    upper = next_prefix(prefix)
    if upper is None:
        return column >= prefix
    return and_(column >= prefix, column < upper)


def in_scope(column: Any, prefixes: list[str] | None) -> ColumnElement[bool]:
    if prefixes is None:
        return true()
    if not prefixes:
        return false()
    return or_(*[in_prefix(column, p) for p in prefixes])


def in_scope_by_value(column: Any, prefixes: list[str] | None) -> ColumnElement[bool]:
    """The same test as `in_scope`, written so no planner takes it for an index range.

    For listings walked in another index's order (oldest first), where the region range
    would tempt SQLite into reading and sorting every row of a regency.
    """
    if prefixes is None:
        return true()
    if not prefixes:
        return false()
    return or_(*[func.substr(column, 1, len(p)) == p for p in prefixes])
