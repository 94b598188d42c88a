"""Concurrency on PostgreSQL, where writers really overlap (SQLite queues them).

Each test holds one transaction open on its own connection while another runs, to force
the interleaving that a busy server meets only now and then: a pull while an earlier
change is still in flight, the same survey arriving twice at once, two decisions on one
flag, two accepted flags on one household.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from server.errors import Conflict
from server.services import pull as pull_module
from server.services.ingest.single import ingest_survey
from server.services.pull import pull
from server.services.review import resolve_flag
from server.store import feed
from server.store import surveys as survey_store
from server.store import users as user_store
from server.store.db import reading, transaction
from server.store.tables import household_versions, surveys
from tests.factories import enumerator, household, seed, survey

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _postgres_only(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("writers overlap only on PostgreSQL")


def in_thread(work: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    """Run `work` in a thread; its result or exception lands in the returned dict."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = work()
        except Exception as exc:  # handed to the test to assert on
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def user_by_name(engine: Engine, name: str) -> dict[str, Any]:
    with reading(engine) as conn:
        user = user_store.by_name(conn, name)
    assert user is not None
    return user


def full_user(engine: Engine, token: str) -> dict[str, Any]:
    with reading(engine) as conn:
        user = user_store.by_token(conn, token)
    assert user is not None
    return user


@pytest.mark.parametrize("walk_limit", [10**9, -1], ids=["walked", "indexed"])
def test_pull_never_passes_a_change_still_in_flight(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, walk_limit: int
) -> None:
    """seq 1 taken by a slow writer, seq 2 committed by a fast one: the cursor must wait,
    whether the pull walks the log or reads the caller's share by index."""
    monkeypatch.setattr(pull_module, "WALK_LIMIT", walk_limit)
    base = household()
    seed(engine, base)
    user_id, _token = enumerator(engine, "ani", [base["household_id"]])
    with reading(engine) as conn:
        cursor = pull(conn, user_id, None, 1000)["cursor"]

    slow = engine.connect()
    slow_tx = slow.begin()
    feed.emit(slow, "household", base["household_id"], base["household_id"])  # in flight
    with transaction(engine) as fast:
        feed.emit(fast, "household", base["household_id"], base["household_id"])

    with reading(engine) as conn:
        page = pull(conn, user_id, cursor, 1000)
    assert page["changes"] == []
    assert page["cursor"] == cursor, "the cursor passed a transaction still in flight"

    slow_tx.commit()
    slow.close()
    with reading(engine) as conn:
        page = pull(conn, user_id, cursor, 1000)
    assert [c["kind"] for c in page["changes"]] == ["household"]
    assert page["cursor"] != cursor


def test_same_survey_from_two_requests_at_once_is_stored_once(engine: Engine) -> None:
    base = household()
    seed(engine, base)
    _user_id, token = enumerator(engine, "ani", [base["household_id"]])
    user = full_user(engine, token)
    item = survey(base, change=lambda o: o.__setitem__("address", "Dusun IX"))

    first = engine.connect()
    first_tx = first.begin()
    first_result = ingest_survey(first, user, "dev-1", item)
    assert first_result["status"] == "accepted"

    def second_push() -> dict[str, Any]:
        with transaction(engine) as conn:
            return ingest_survey(conn, user, "dev-1", item)

    thread, outcome = in_thread(second_push)
    thread.join(1.0)
    assert thread.is_alive(), "the second copy should wait for the first to commit"
    first_tx.commit()
    first.close()
    thread.join(30)
    assert "error" not in outcome, outcome.get("error")
    second_result = outcome["result"]
    assert second_result["status"] == "duplicate"
    assert second_result["state"] == first_result["state"]
    assert [f["flag_id"] for f in second_result["flags"]] == [
        f["flag_id"] for f in first_result["flags"]
    ]
    with reading(engine) as conn:
        assert conn.execute(select(func.count()).select_from(surveys)).scalar() == 1


def test_first_push_of_a_device_from_two_requests_at_once(engine: Engine) -> None:
    """The device row is an upsert: two first pushes must not trip its primary key."""
    _user_id, token = enumerator(engine, "ani", [])
    user = full_user(engine, token)
    first = engine.connect()
    first_tx = first.begin()
    survey_store.touch_device(first, "dev-new", user["user_id"], "2026-11-20T09:00:00+07:00",
                              pushed=True, pending=3, agent_version="1.0")

    def second() -> None:
        with transaction(engine) as conn:
            survey_store.touch_device(conn, "dev-new", user["user_id"],
                                      "2026-11-20T09:00:01+07:00", pushed=True, pending=2,
                                      agent_version="1.0")

    thread, outcome = in_thread(second)
    thread.join(0.5)
    first_tx.commit()
    first.close()
    thread.join(30)
    assert "error" not in outcome, outcome.get("error")


def _flags_for(engine: Engine, token: str, base: dict[str, Any], *changes: Any) -> list[str]:
    user = full_user(engine, token)
    item = survey(base, change=lambda o: [c(o) for c in changes])
    with transaction(engine) as conn:
        result = ingest_survey(conn, user, "dev-1", item)
    return [f["flag_id"] for f in result["flags"] if f["rule"] == "FIELD_CHANGED"]


def test_one_flag_decided_from_two_browsers_at_once_one_wins(engine: Engine) -> None:
    base = household()
    seed(engine, base)
    _user_id, token = enumerator(engine, "ani", [base["household_id"]])
    [flag_id] = _flags_for(engine, token, base, lambda o: o.__setitem__("address", "Dusun IX"))
    with transaction(engine) as conn:
        user_store.create(conn, "sari", "supervisor", ["1811"])
        user_store.create(conn, "tono", "supervisor", ["1811"])
    sari, tono = user_by_name(engine, "sari"), user_by_name(engine, "tono")

    first = engine.connect()
    first_tx = first.begin()
    decided = resolve_flag(first, sari, flag_id, "accept", None)
    assert decided["status"] == "accepted"

    def second() -> dict[str, Any]:
        with transaction(engine) as conn:
            return resolve_flag(conn, tono, flag_id, "reject", None)

    thread, outcome = in_thread(second)
    thread.join(1.0)
    first_tx.commit()
    first.close()
    thread.join(30)
    assert isinstance(outcome.get("error"), Conflict), outcome
    with reading(engine) as conn:
        versions = conn.execute(
            select(func.count()).select_from(household_versions)
        ).scalar()
    assert versions == 2  # the import and the one accepted decision


def test_two_flags_of_one_household_accepted_at_once_both_apply(engine: Engine) -> None:
    """Two supervisors accept different fields of one household: no lost update, no 500."""
    base = household()
    seed(engine, base)
    _user_id, token = enumerator(engine, "ani", [base["household_id"]])
    flag_ids = _flags_for(
        engine, token, base,
        lambda o: o.__setitem__("address", "Dusun IX"),
        lambda o: o.__setitem__("desil", 3),
    )
    assert len(flag_ids) == 2
    with transaction(engine) as conn:
        user_store.create(conn, "sari", "supervisor", ["1811"])
        user_store.create(conn, "tono", "supervisor", ["1811"])
    sari, tono = user_by_name(engine, "sari"), user_by_name(engine, "tono")

    first = engine.connect()
    first_tx = first.begin()
    resolve_flag(first, sari, flag_ids[0], "accept", None)

    def second() -> dict[str, Any]:
        with transaction(engine) as conn:
            return resolve_flag(conn, tono, flag_ids[1], "accept", None)

    thread, outcome = in_thread(second)
    thread.join(1.0)
    first_tx.commit()
    first.close()
    thread.join(30)
    assert "error" not in outcome, outcome.get("error")
    with reading(engine) as conn:
        from server.store import households as household_store

        current = household_store.get(conn, base["household_id"])
    assert current is not None
    assert current["version"] == 3
    assert current["address"] == "Dusun IX" and current["desil"] == 3


def test_same_push_from_two_requests_at_once_batch_path(engine: Engine) -> None:
    """The batch path: the second copy waits on the household locks, then its multi-row
    insert meets the first copy's rows and is redone item by item: all duplicates."""
    from server.services.ingest.batch import ingest_batch

    bases = [household(f"1811012001-{i:06d}") for i in range(1, 6)]
    seed(engine, *bases)
    _user_id, token = enumerator(engine, "ani", [b["household_id"] for b in bases])
    user = full_user(engine, token)
    batch = [survey(b, seq=i + 1, change=lambda o: o.__setitem__("desil", 4))
             for i, b in enumerate(bases)]

    first = engine.connect()
    first_tx = first.begin()
    first_results = ingest_batch(first, user, "dev-1", batch)
    assert {r["status"] for r in first_results} == {"accepted"}

    def second_push() -> list[dict[str, Any]]:
        with transaction(engine) as conn:
            return ingest_batch(conn, user, "dev-1", batch)

    thread, outcome = in_thread(second_push)
    thread.join(1.0)
    assert thread.is_alive(), "the second copy should wait for the first to commit"
    first_tx.commit()
    first.close()
    thread.join(30)
    assert "error" not in outcome, outcome.get("error")
    assert [r["status"] for r in outcome["result"]] == ["duplicate"] * len(batch)
    assert [r["state"] for r in outcome["result"]] == [r["state"] for r in first_results]
    with reading(engine) as conn:
        assert conn.execute(select(func.count()).select_from(surveys)).scalar() == len(batch)


def test_a_deadlock_victim_is_run_again(engine: Engine) -> None:
    """Two transactions lock two households in opposite orders: PostgreSQL fails one,
    run_transaction runs it again, and both land."""
    from server.store import households as household_store
    from server.store.db import run_transaction

    bases = [household(f"1811012001-{i:06d}") for i in (1, 2)]
    seed(engine, *bases)
    first_id, second_id = (b["household_id"] for b in bases)
    both_hold_one = threading.Barrier(2, timeout=10)
    attempts: list[str] = []

    def lock_in_order(order: tuple[str, str]) -> Callable[[Any], str]:
        def work(conn: Any) -> str:
            attempts.append(order[0])
            household_store.lock(conn, order[0])
            if attempts.count(order[0]) == 1:
                both_hold_one.wait()  # only the first attempts meet, and deadlock
            household_store.lock(conn, order[1])
            return order[0]

        return work

    threads = [in_thread(lambda o=order: run_transaction(engine, lock_in_order(o)))
               for order in ((first_id, second_id), (second_id, first_id))]
    for thread, _ in threads:
        thread.join(60)
    assert [outcome.get("error") for _, outcome in threads] == [None, None]
    assert sorted(outcome["result"] for _, outcome in threads) == sorted([first_id, second_id])
    assert len(attempts) == 3  # the victim ran twice
