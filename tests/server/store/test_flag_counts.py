"""The review queue's kept counts (`server.store.flag_counts`) give the very answer the
grouping of the flags gives (rows, order, totals, counts per rule and village), after
raises, decisions, supersedes and reopenings through the store's writers, and after the
migration fills them from the flags; on whichever database the suite runs on."""

from __future__ import annotations

from typing import Any

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, insert, select

from server.reconcile.draft import FlagDraft
from server.store import flag_counts, migrate
from server.store import flags as flag_store
from server.store.db import reading, transaction
from server.store.pages import queue as queries
from server.store.pages import queue_kept
from server.store.tables import flags, queue_households, queue_marks, queue_village_rules
from tests.factories import OTHER_VILLAGE, VILLAGE

DEFAULT = queries.QueueFilter()
SCOPES: list[list[str] | None] = [None, ["18"], ["1811"], [VILLAGE], [OTHER_VILLAGE],
                                  [VILLAGE, OTHER_VILLAGE], ["181101"], ["1812"], []]
PAGES = [(0, 50), (0, 2), (1, 2), (3, 1), (40, 10)]


def draft(rule: str, severity: str) -> FlagDraft:
    return FlagDraft(rule, severity, "address", "Dusun I", "Dusun II", None, "Alamat berbeda.")


def raise_flags(conn: Connection, household_id: str, region: str, *kinds: tuple[str, str],
                survey_id: str | None = None) -> list[str]:
    raised = flag_store.insert_drafts(conn, [draft(r, s) for r, s in kinds],
                                      household_id=household_id, region_code=region,
                                      survey_id=survey_id, enumerator_id=None)
    return [f["flag_id"] for f in raised]


def kept_rows(conn: Connection) -> list[tuple[Any, ...]]:
    return sorted(tuple(r) for r in conn.execute(select(queue_households)))


def recounted_rows(conn: Connection) -> list[tuple[Any, ...]]:
    return sorted(tuple(r) for r in conn.execute(flag_counts.household_counts()))


def assert_same_answers(engine: Engine) -> None:
    """Refresh as a view does, then every scope and page equals the grouping."""
    with transaction(engine) as conn:
        flag_counts.refresh(conn)
    with reading(engine) as conn:
        assert kept_rows(conn) == recounted_rows(conn)
        assert conn.execute(select(queue_marks)).first() is None
        for scope in SCOPES:
            for offset, limit in PAGES:
                kept = queries.households_page(conn, scope, DEFAULT, offset=offset, limit=limit)
                grouped = queries.grouped_households_page(conn, scope, DEFAULT,
                                                          offset=offset, limit=limit)
                assert kept == grouped, (scope, offset, limit)
            for flt in (DEFAULT, queries.QueueFilter(rule="FIELD_CHANGED"),
                        queries.QueueFilter(village=VILLAGE), queries.QueueFilter(village="1811")):
                assert queries.counts_by_rule(conn, scope, flt) == \
                    queries.grouped_counts_by_rule(conn, scope, flt), (scope, flt)
            assert queries.villages(conn, scope) == queries.grouped_villages(conn, scope)


@pytest.fixture(params=["by household", "rebuilt"])
def recount(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways `refresh` recounts: the marked households 500 at a time, or (past
    `REBUILD_ABOVE` marked households, here 0) every count again from one grouping."""
    if request.param == "rebuilt":
        monkeypatch.setattr(flag_counts, "REBUILD_ABOVE", 0)
    return str(request.param)


@pytest.mark.usefixtures("recount")
def test_kept_view_equals_the_grouping_after_every_kind_of_write(engine: Engine) -> None:
    a, b, c, d = (f"{VILLAGE}-00000{n}" for n in (1, 2, 3, 4))
    e, f = f"{OTHER_VILLAGE}-000005", f"{OTHER_VILLAGE}-000006"
    with transaction(engine) as conn:
        a_flags = raise_flags(conn, a, VILLAGE, ("FIELD_CHANGED", "warning"),
                              ("GRADUATION_DUE", "info"), survey_id="survey-a")
        b_flags = raise_flags(conn, b, VILLAGE, ("NIK_DUPLICATE", "error"),
                              ("GRADUATION_DUE", "info"))
        raise_flags(conn, c, VILLAGE, ("GRADUATION_DUE", "info"))
        raise_flags(conn, e, OTHER_VILLAGE, ("GRADUATION_DUE", "info"))
        flag_store.insert_many(conn, flag_store.new_rows(
            [draft("FIELD_CHANGED", "warning"), draft("HEAD_MISSING", "error")],
            household_id=f, region_code=OTHER_VILLAGE, survey_id=None)
            + flag_store.new_rows([draft("GRADUATION_DUE", "info")],
                                  household_id=d, region_code=VILLAGE, survey_id=None))
    assert_same_answers(engine)
    with reading(engine) as conn:
        first, total = queries.households_page(conn, None, DEFAULT, offset=0, limit=50)
        assert total == 6
        assert [r["household_id"] for r in first][:2] == [b, f]  # the errors, oldest first
        assert queries.villages(conn, ["1811"]) == [(VILLAGE, 6), (OTHER_VILLAGE, 3)]

    # Decided, superseded, reopened: each moves its household's rank and the counts.
    with transaction(engine) as conn:
        assert flag_store.change_status(conn, b_flags[0], "accepted", by="sari")
        assert flag_store.supersede_survey_flags(conn, "survey-a") == 2
    assert_same_answers(engine)
    with reading(engine) as conn:
        rows, total = queries.households_page(conn, [VILLAGE], DEFAULT, offset=0, limit=50)
        assert total == 3 and a not in {r["household_id"] for r in rows}
        assert queries.counts_by_rule(conn, [VILLAGE], DEFAULT) == {"GRADUATION_DUE": 3}
    with transaction(engine) as conn:
        assert flag_store.change_status(conn, b_flags[0], "open", from_states=("accepted",))
        assert flag_store.change_status(conn, a_flags[0], "open", from_states=("superseded",))
    assert_same_answers(engine)
    with transaction(engine) as conn:
        for flag_id in b_flags:
            assert flag_store.change_status(conn, flag_id, "rejected", by="sari")
    assert_same_answers(engine)
    with reading(engine) as conn:
        assert b not in {r[0] for r in conn.execute(select(queue_households.c.household_id))}
        assert (VILLAGE, "NIK_DUPLICATE") not in {
            tuple(r) for r in conn.execute(
                select(queue_village_rules.c.region_code, queue_village_rules.c.rule))}


@pytest.mark.usefixtures("recount")
def test_a_household_with_flags_in_two_villages_is_grouped_per_scope(engine: Engine) -> None:
    """A household that moved keeps its old village's open flags: a scope holding one of
    its villages only must count that village's flags, as the grouping does."""
    moved = f"{VILLAGE}-000001"
    with transaction(engine) as conn:
        raise_flags(conn, moved, VILLAGE, ("GRADUATION_DUE", "info"))
        raise_flags(conn, f"{VILLAGE}-000002", VILLAGE, ("FIELD_CHANGED", "warning"))
        raise_flags(conn, moved, OTHER_VILLAGE, ("HEAD_MISSING", "error"))
    assert_same_answers(engine)
    with reading(engine) as conn:
        assert queue_kept.straddles_scope(conn, [VILLAGE])
        assert queue_kept.straddles_scope(conn, ["181102"])
        assert not queue_kept.straddles_scope(conn, ["1811"])
        assert not queue_kept.straddles_scope(conn, ["1812"])
        rows, total = queries.households_page(conn, [VILLAGE], DEFAULT, offset=0, limit=50)
        assert total == 2
        assert {r["household_id"]: r["notes"] for r in rows}[moved] == 1
        assert {r["household_id"]: r["errors"] for r in rows}[moved] == 0


@pytest.mark.usefixtures("recount")
def test_a_mark_written_after_the_refresh_read_waits_for_the_next(engine: Engine) -> None:
    with transaction(engine) as conn:
        raise_flags(conn, f"{VILLAGE}-000001", VILLAGE, ("GRADUATION_DUE", "info"))
        assert flag_counts.refresh(conn) == 1
        assert flag_counts.refresh(conn) == 0
        raise_flags(conn, f"{VILLAGE}-000002", VILLAGE, ("FIELD_CHANGED", "warning"))
    with reading(engine) as conn:
        assert len(kept_rows(conn)) == 1  # counted by the next view's refresh
    assert_same_answers(engine)


def test_the_migration_fills_the_kept_tables_from_the_flags(engine: Engine) -> None:
    with transaction(engine) as conn:
        command.downgrade(migrate.alembic_config(conn), "0010")
    rows = []
    for n, (region, rule, severity, status) in enumerate([
            (VILLAGE, "GRADUATION_DUE", "info", "open"),
            (VILLAGE, "FIELD_CHANGED", "warning", "open"),
            (VILLAGE, "NIK_DUPLICATE", "error", "accepted"),
            (OTHER_VILLAGE, "HEAD_MISSING", "error", "open"),
            (OTHER_VILLAGE, "GRADUATION_DUE", "info", "open"),
            (OTHER_VILLAGE, "GRADUATION_DUE", "info", "superseded")]):
        row = flag_store.new_rows([draft(rule, severity)], household_id=f"{region}-00000{n % 3}",
                                  region_code=region, survey_id=None)[0]
        rows.append({**row, "status": status, "created_at": f"2026-11-0{n + 1}T08:00:00+00:00"})
    with transaction(engine) as conn:
        conn.execute(insert(flags), rows)
    migrate.upgrade(engine)
    with reading(engine) as conn:
        assert migrate.drift(conn) == []
        kept = kept_rows(conn)
        assert kept == recounted_rows(conn) and len(kept) == 4
        assert conn.execute(select(queue_marks)).first() is None
    assert_same_answers(engine)
