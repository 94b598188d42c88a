"""The pull's two ways of finding the caller's changes answer alike.

A pull walks the change log from the cursor when few changes lie past it, and reads the
caller's share through the indexes otherwise (a first pull of a big registry, a cursor far
behind an import). Both run here on the same data, on whichever database the suite runs
on: the same changes, the same cursor, and under writers running at once, no change
committed after a cursor's high-water mark ever skipped.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import Engine

from server.services import pull as pull_module
from server.services.ingest.single import ingest_survey
from server.services.pull import make_cursor, pull
from server.services.review import resolve_flag
from server.store import assignments as assignment_store
from server.store import feed
from server.store import households as household_store
from server.store import users as user_store
from server.store.db import reading, transaction
from tests.factories import family, survey


def user(conn: Any, name: str, role: str = "enumerator") -> dict[str, Any]:
    user_store.create(conn, name, role, ["1811"] if role != "enumerator" else [])
    found = user_store.by_name(conn, name)
    assert found is not None
    return found


def busy_registry(engine: Engine) -> dict[str, dict[str, Any]]:
    """Households imported, assigned, cancelled, surveyed, flagged, decided and
    re-imported, by two enumerators whose work overlaps: every kind of change, changing
    again later in the log."""
    bodies = [family(n) for n in range(1, 41)]
    with transaction(engine) as conn:
        for body in bodies:
            household_store.save_version(conn, body, source="import", actor="test")
        ani, budi, sari = user(conn, "ani"), user(conn, "budi"), user(conn, "sari", "supervisor")
        ids = [b["household_id"] for b in bodies]
        assignment_store.assign_households(conn, ani["user_id"], ids[:25])
        assignment_store.assign_households(conn, budi["user_id"], ids[15:])
        for assignment in assignment_store.for_enumerator(conn, ani["user_id"])[3:7]:
            assignment_store.cancel(conn, assignment["assignment_id"])
    flag_ids: list[str] = []
    for number, body in enumerate(bodies[8:22], start=1):
        who = ani if number % 2 else budi
        visit = survey(body, seq=number, change=lambda o: o.__setitem__("address", "Dusun IX"))
        with transaction(engine) as conn:
            result = ingest_survey(conn, who, f"dev-{who['name']}", visit)
        flag_ids += [f["flag_id"] for f in result.get("flags", [])]
    with transaction(engine) as conn:
        for flag_id in flag_ids[:4]:
            resolve_flag(conn, sari, flag_id, "reject", None)
        assignment_store.assign_households(conn, ani["user_id"], ids[30:33])
        for body in bodies[::3]:
            household_store.save_version(conn, {**body, "address": "Dusun X"}, source="import",
                                         actor="test")
    return {"ani": ani, "budi": budi}


def pulled(engine: Engine, user_id: int, cursor: str | None, limit: int,
           walk_limit: int, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setattr(pull_module, "WALK_LIMIT", walk_limit)
    with reading(engine) as conn:
        return pull(conn, user_id, cursor, limit)


def held(engine: Engine, user_id: int, cursor: str | None, limit: int, walk_limit: int,
         monkeypatch: pytest.MonkeyPatch) -> tuple[dict[tuple[str, str], Any], str]:
    """What a laptop holds after paging from `cursor` to the end: each entity as last
    received (households by version, assignments and flags by status)."""
    state: dict[tuple[str, str], Any] = {}
    for _ in range(1000):
        page = pulled(engine, user_id, cursor, limit, walk_limit, monkeypatch)
        for change in page["changes"]:
            kind = change["kind"]
            entity = change[kind]
            key = (kind, entity.get("household_id") if kind == "household"
                   else entity.get(f"{kind}_id"))
            state[key] = entity.get("version") if kind == "household" else entity["status"]
        assert page["cursor"] != cursor or not page["has_more"]
        cursor = page["cursor"]
        if not page["has_more"]:
            return state, cursor
    raise AssertionError("the pull never ended")


WALKED, INDEXED = 10**9, -1  # every pull walks the log / every pull reads by index


def test_first_pull_by_index_answers_what_the_log_walk_answered(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = busy_registry(engine)
    for person in people.values():
        walked = pulled(engine, person["user_id"], None, 1000, WALKED, monkeypatch)
        indexed = pulled(engine, person["user_id"], None, 1000, INDEXED, monkeypatch)
        assert indexed == walked
        kinds = {c["kind"] for c in walked["changes"]}
        assert kinds == {"household", "assignment", "flag"}, "the data must exercise every kind"


def test_from_every_cursor_both_ways_answer_alike(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = busy_registry(engine)
    with reading(engine) as conn:
        latest = feed.latest_seq(conn)
        cursors = [make_cursor(conn, seq) for seq in range(1, latest + 1)]
    for person in people.values():
        for cursor in cursors:
            walked = pulled(engine, person["user_id"], cursor, 1000, WALKED, monkeypatch)
            indexed = pulled(engine, person["user_id"], cursor, 1000, INDEXED, monkeypatch)
            assert indexed == walked, cursor


@pytest.mark.parametrize("limit", [1, 2, 7, 25])
def test_paged_first_pulls_leave_the_laptop_holding_the_same(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, limit: int
) -> None:
    people = busy_registry(engine)
    for person in people.values():
        walked, walked_cursor = held(engine, person["user_id"], None, limit, WALKED, monkeypatch)
        indexed, indexed_cursor = held(engine, person["user_id"], None, limit, INDEXED,
                                       monkeypatch)
        # Pages may split differently; a cancelled assignment is left out of the first
        # page only, so compare what is still in force.
        assert _in_force(indexed) == _in_force(walked)
        assert indexed_cursor == walked_cursor
        one_page, _ = held(engine, person["user_id"], None, 1000, WALKED, monkeypatch)
        assert _in_force(indexed) == _in_force(one_page)


def _in_force(state: dict[tuple[str, str], Any]) -> dict[tuple[str, str], Any]:
    return {key: value for key, value in state.items()
            if value not in ("cancelled", "rejected", "accepted", "closed")}


def test_writers_at_once_never_make_a_pull_skip_a_change(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writers assign and re-import while the laptop pulls by index, cursor after cursor;
    once they are done, one more pull leaves it holding what a fresh first pull holds."""
    bodies = [family(n) for n in range(1, 121)]
    with transaction(engine) as conn:
        for body in bodies:
            household_store.save_version(conn, body, source="import", actor="test")
        ani = user(conn, "ani")
    ids = [b["household_id"] for b in bodies]
    stop = threading.Event()
    errors: list[BaseException] = []

    def write(chunk: list[str]) -> None:
        try:
            for household_id in chunk:
                with transaction(engine) as conn:
                    assignment_store.assign_households(conn, ani["user_id"], [household_id])
                    body = next(b for b in bodies if b["household_id"] == household_id)
                    household_store.save_version(conn, {**body, "address": "Dusun X"},
                                                 source="import", actor="test")
        except BaseException as exc:  # handed to the test
            errors.append(exc)

    writers = [threading.Thread(target=write, args=(ids[i::3],)) for i in range(3)]
    for thread in writers:
        thread.start()
    monkeypatch.setattr(pull_module, "WALK_LIMIT", INDEXED)
    state: dict[tuple[str, str], Any] = {}
    cursor = None
    while any(t.is_alive() for t in writers) or not stop.is_set():
        if not any(t.is_alive() for t in writers):
            stop.set()  # one more round after the last writer, then compare
        page_state, cursor = held(engine, ani["user_id"], cursor, 5, INDEXED, monkeypatch)
        state.update(page_state)
    assert not errors, errors
    fresh, _ = held(engine, ani["user_id"], None, 1000, WALKED, monkeypatch)
    assert len([k for k in fresh if k[0] == "household"]) == len(ids)
    assert {k: v for k, v in state.items() if k in fresh} == fresh


def test_sqlite_reads_the_callers_share_from_their_assignments(engine: Engine) -> None:
    """Without table statistics SQLite picks the plan from the indexes alone: it must start
    from the caller's assignments, not walk the log's household changes."""
    if engine.dialect.name != "sqlite":
        pytest.skip("the plan checked is SQLite's")
    compiled = feed._CALLER_PAGE.compile(dialect=engine.dialect)
    params = compiled.construct_params({"user_id": 1, "after": 0, "high": 10, "size": 5})
    with reading(engine) as conn:
        plan = " | ".join(row[3] for row in conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + str(compiled),
            tuple(params[key] for key in compiled.positiontup or [])))
    assert "ix_assignments_enumerator" in plan and "ix_changes_household" in plan, plan
    assert "ix_changes_kind_entity" not in plan, plan
