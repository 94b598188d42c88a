"""Marks: writers note what changed, a kept count recounts it later.

The dashboard's village counts (`store.progress`) and the review queue's counts
(`store.flag_counts`) are kept in tables instead of counted per view. Every writer that
can change one appends a mark naming the place; a view recounts the marked places first.

Why marks are only ever inserted: writers of one village never wait on each other (an
upsert of a shared counter row would queue every push of a village behind the others on
PostgreSQL). Why a recount deletes exactly the marks it read, after counting: each of
those marks was committed before the count began, so the count includes its write; a
mark committed later survives for the next recount. Recounts of one kind queue on an
advisory lock, so an older count never overwrites a newer one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Connection, Row, Table, select, text

CHUNK = 500
# Two-key advisory locks (22085, kind); the one-key form is the pull feed's (store/feed.py).
_LOCK = text("SELECT pg_advisory_xact_lock(22085, :kind)")

T = TypeVar("T")


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[list[T]]:
    """`values` a statement's worth at a time (IN lists stay short on both databases)."""
    for start in range(0, len(values), size):
        yield list(values[start:start + size])


def recount_marked(conn: Connection, marks: Table, lock_kind: int,
                   recount: Callable[[list[Row[Any]]], None],
                   where: ColumnElement[bool] | None = None) -> list[Row[Any]]:
    """Under the recount lock of `lock_kind`, read the marks (those matching `where`),
    let `recount` count their places again, then delete exactly the marks read."""
    if conn.dialect.name == "postgresql":
        conn.execute(_LOCK, {"kind": lock_kind})
    query = select(marks)
    if where is not None:
        query = query.where(where)
    read = list(conn.execute(query).all())
    recount(read)
    for ids in chunks([m.mark_id for m in read]):
        conn.execute(marks.delete().where(marks.c.mark_id.in_(ids)))
    return read
