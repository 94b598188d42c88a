"""`copy_rows` stores what `insert_rows` stores, on whichever database the suite runs on
(COPY on PostgreSQL, the insert elsewhere): awkward text, NULLs, defaults taken in row
order, and nothing at all when it fails."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from server.store import bulk
from server.store.db import reading, transaction
from server.store.tables import changes, households

AT = "2026-12-03T00:00:00.000000+00:00"
COLUMNS = ("household_id", "region_code", "version", "body", "content_hash",
           "verification_state", "updated_at")
# What COPY's text format must escape: tab, newline, carriage return, backslash, the
# `\N` that means NULL there, and text beyond ASCII.
AWKWARD = ['{"a":"tab\there"}', "line\nbreak\r\n", "back\\slash \\N", "Ñoño — ĀĪŪ 日本"]


def household_row(number: int, body: str) -> tuple[object, ...]:
    return (f"1811012001-{number:06d}", "1811012001", 1, body, f"{number:064d}",
            "unverified", AT)


def stored(engine: Engine) -> list[tuple[object, ...]]:
    with reading(engine) as conn:
        return [tuple(r) for r in conn.execute(
            select(*(households.c[c] for c in COLUMNS), households.c.verification_at)
            .order_by(households.c.household_id))]


def test_copy_rows_stores_text_as_given_and_none_as_null(engine: Engine) -> None:
    rows = [household_row(n, body) for n, body in enumerate(AWKWARD, start=1)]
    with transaction(engine) as conn:
        bulk.copy_rows(conn, households, COLUMNS, rows)
        bulk.copy_rows(conn, households, COLUMNS, [])
    assert stored(engine) == [(*row, None) for row in rows]


def test_copy_rows_takes_defaults_in_row_order(engine: Engine) -> None:
    """A BIGSERIAL is drawn per row as the rows come: the change log's order is theirs."""
    ids = [f"1811012001-{n:06d}" for n in (5, 2, 9, 1)]
    with transaction(engine) as conn:
        bulk.copy_rows(conn, changes, ("kind", "entity_id", "household_id", "enumerator_id", "at"),
                       [("household", hid, hid, None, AT) for hid in ids])
    with reading(engine) as conn:
        logged = conn.execute(select(changes.c.seq, changes.c.entity_id, changes.c.enumerator_id)
                              .order_by(changes.c.seq)).all()
    assert [r.entity_id for r in logged] == ids
    assert [r.enumerator_id for r in logged] == [None] * 4
    assert [r.seq for r in logged] == sorted({r.seq for r in logged})


def test_a_failed_copy_leaves_nothing(engine: Engine) -> None:
    with transaction(engine) as conn:
        bulk.copy_rows(conn, households, COLUMNS, [household_row(1, "{}")])
    with pytest.raises(Exception), transaction(engine) as conn:  # noqa: B017 (either driver's)
        bulk.copy_rows(conn, households, COLUMNS,
                       [household_row(2, "{}"), household_row(3, "{}"), household_row(1, "{}")])
    assert [r[0] for r in stored(engine)] == ["1811012001-000001"]


def test_copy_rows_needs_the_callers_transaction(engine: Engine) -> None:
    with engine.connect() as conn, pytest.raises(RuntimeError, match="transaction"):
        bulk.copy_rows(conn, households, COLUMNS, [household_row(1, "{}")])
    assert stored(engine) == []


def test_a_misspelt_column_fails_by_name(engine: Engine) -> None:
    with pytest.raises(KeyError, match="regoin_code"), transaction(engine) as conn:
        bulk.copy_rows(conn, households, ("household_id", "regoin_code"), [("x", "y")])
