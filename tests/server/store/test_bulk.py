"""`server.store.bulk` writes exactly the rows it is given, on whichever database the suite
runs on (on PostgreSQL through COPY and `UPDATE … FROM unnest`), and a failed write
raises what an execute raises and keeps nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from server.store import bulk
from server.store.db import transaction
from server.store.tables import meta

# What text-format COPY must escape, JSON's quotes, and text beyond ASCII.
AWKWARD = ['{"a":"b\\"c"}', "tab\there", "two\nlines\r\n", "back\\slash \\N", "\\.",
           "Rumah Ibu Siti — RT 03", "", "  spaced  ", "%s %(x)s $1 ?"]


def stored(engine: Engine, prefix: str) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(select(meta.c.key, meta.c.value)
                            .where(meta.c.key.startswith(prefix))).all()
    return {r.key: r.value for r in rows}


def test_rows_come_back_as_written(engine: Engine) -> None:
    rows = [(f"t-{i:02d}", value) for i, value in enumerate(AWKWARD)]
    with transaction(engine) as conn:
        bulk.insert_rows(conn, meta, ("key", "value"), rows)
    assert stored(engine, "t-") == dict(rows)


def test_many_rows_at_once(engine: Engine) -> None:
    rows = [(f"m-{i:05d}", "x" * (i % 50)) for i in range(3000)]
    with transaction(engine) as conn:
        bulk.insert_rows(conn, meta, ("key", "value"), rows)
    assert stored(engine, "m-") == dict(rows)


def test_a_duplicate_key_raises_integrity_error_and_keeps_nothing(engine: Engine) -> None:
    with transaction(engine) as conn:
        bulk.insert_rows(conn, meta, ("key", "value"), [("d-1", "first")])
    with pytest.raises(IntegrityError), transaction(engine) as conn:
        bulk.insert_rows(conn, meta, ("key", "value"), [("d-2", "new"), ("d-1", "again")])
    assert stored(engine, "d-") == {"d-1": "first"}


def test_a_savepoint_survives_a_failed_copy(engine: Engine) -> None:
    """The batched push's fallback: a unique violation undoes its savepoint only."""
    with transaction(engine) as conn:
        bulk.insert_rows(conn, meta, ("key", "value"), [("s-1", "kept")])
        savepoint = conn.begin_nested()
        try:
            bulk.insert_rows(conn, meta, ("key", "value"), [("s-2", "lost"), ("s-1", "dup")])
        except IntegrityError:
            savepoint.rollback()
        else:
            raise AssertionError("no unique violation")
        bulk.insert_rows(conn, meta, ("key", "value"), [("s-3", "after")])
    assert stored(engine, "s-") == {"s-1": "kept", "s-3": "after"}


def test_update_rows_sets_each_row(engine: Engine) -> None:
    with transaction(engine) as conn:
        bulk.insert_rows(conn, meta, ("key", "value"), [(f"u-{i}", "old") for i in range(4)])
        bulk.update_rows(conn, meta, ("value",), "key",
                         [(AWKWARD[0], "u-0"), (AWKWARD[2], "u-2"), ("gone", "u-9")])
    assert stored(engine, "u-") == {"u-0": AWKWARD[0], "u-1": "old", "u-2": AWKWARD[2],
                                    "u-3": "old"}


def test_update_rows_with_a_key_twice_keeps_the_last(engine: Engine) -> None:
    with transaction(engine) as conn:
        bulk.insert_rows(conn, meta, ("key", "value"), [("k-1", "old")])
        bulk.update_rows(conn, meta, ("value",), "key", [("first", "k-1"), ("last", "k-1")])
    assert stored(engine, "k-") == {"k-1": "last"}


def test_defaults_are_taken_in_row_order(engine: Engine) -> None:
    """A BIGSERIAL is drawn per row as the rows come (COPY too): the change log's order is
    the order the rows were given in, as a first import relies on."""
    from server.store.tables import changes

    at = "2026-12-03T00:00:00.000000+00:00"
    ids = [f"1811012001-{n:06d}" for n in range(12, 0, -1)]  # against key order
    with transaction(engine) as conn:
        bulk.insert_rows(conn, changes, ("kind", "entity_id", "household_id", "enumerator_id",
                                         "at"), [("household", hid, hid, None, at) for hid in ids])
    with engine.connect() as conn:
        logged = conn.execute(select(changes.c.seq, changes.c.entity_id, changes.c.enumerator_id)
                              .order_by(changes.c.seq)).all()
    assert [r.entity_id for r in logged] == ids
    assert [r.enumerator_id for r in logged] == [None] * len(ids)
