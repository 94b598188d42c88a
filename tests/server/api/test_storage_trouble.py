"""Storage trouble answers 503 with Retry-After, never 500: a write lock held past the lock
timeout, a full disk (SQLITE_FULL, simulated with `PRAGMA max_page_count`), and `/health`
saying so."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, func, select

from server.app import create_app
from server.store.db import reading
from server.store.tables import surveys
from tests.conftest import POSTGRES_URL, auth
from tests.factories import enumerator, household, seed, survey
from tests.server.web import seed as web_seed

sqlite_only = pytest.mark.skipif(bool(POSTGRES_URL), reason="holds the SQLite file's lock")


@pytest.fixture
def short_app(database_url: str) -> Iterator[Any]:
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "test",
                      "VERIVALI_DATABASE_LOCK_TIMEOUT": 0.3})
    yield app
    app.extensions["verivali_engine"].dispose()


def _file(database_url: str) -> str:
    return database_url.removeprefix("sqlite:///")


def _push(client: Any, token: str, items: list[dict[str, Any]]) -> Any:
    return client.post("/api/v1/sync/push", json={"device_id": "dev-1", "surveys": items},
                       headers=auth(token))


def _assert_unavailable(response: Any) -> None:
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert response.json["error"]["code"] == "unavailable"
    assert set(response.json) == {"error"}
    assert set(response.json["error"]) <= {"code", "message", "details"}


def _stored(engine: Any) -> int:
    with reading(engine) as conn:
        return int(conn.execute(select(func.count()).select_from(surveys)).scalar_one())


@sqlite_only
def test_a_push_while_the_write_lock_is_held_answers_503_and_stores_nothing(
        short_app: Any, engine: Any, database_url: str) -> None:
    base = household()
    seed(engine, base)
    _, token = enumerator(engine, "budi", [base["household_id"]])
    client = short_app.test_client()
    other = sqlite3.connect(_file(database_url), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        _assert_unavailable(_push(client, token, [survey(base)]))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert _stored(engine) == 0
    again = _push(client, token, [survey(base)])  # the lock gone, the same push goes in
    assert again.status_code == 200
    assert again.json["results"][0]["status"] == "accepted"
    assert _stored(engine) == 1


@sqlite_only
def test_a_page_while_the_write_lock_is_held_is_a_friendly_503(
        short_app: Any, engine: Any, database_url: str) -> None:
    web_seed.make_web_user(engine, "sari", "supervisor", ["181101"])
    client = short_app.test_client()
    web_seed.csrf(client)
    other = sqlite3.connect(_file(database_url), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        response = web_seed.signin(client, "sari")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    page = response.get_data(as_text=True)
    assert "<html" in page.lower() and "Traceback" not in page
    assert "coba lagi" in page.lower()


def _fill_the_disk(app: Any) -> None:
    """Every connection of the app may not grow the file: a write needing a page fails
    with SQLITE_FULL, the code a full disk gives."""
    app_engine = app.extensions["verivali_engine"]
    app_engine.dispose()
    # Pages freed by a migration that dropped a table would still take writes: none left.
    path = app_engine.url.database
    with sqlite3.connect(path, isolation_level=None) as compact:
        compact.execute("VACUUM")
    compact.close()

    @event.listens_for(app_engine, "connect")
    def _no_room(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    app_engine.dispose()


@sqlite_only
def test_a_push_with_the_disk_full_answers_503_and_health_says_so(
        short_app: Any, engine: Any) -> None:
    base = household()
    seed(engine, base)
    _, token = enumerator(engine, "budi", [base["household_id"]])
    client = short_app.test_client()
    healthy = client.get("/api/v1/health")
    assert healthy.status_code == 200 and healthy.json["status"] == "ok"
    _fill_the_disk(short_app)
    item = survey(base)
    item["notes"] = "é" * 2000  # more than the free room of the file's last pages
    _assert_unavailable(_push(client, token, [item]))
    assert _stored(engine) == 0
    health = client.get("/api/v1/health")
    assert health.status_code == 503
    assert "status" not in health.json  # the contract's error body, and only that
    assert health.json["error"]["code"] == "unavailable"
    assert health.json["error"]["details"] == {"storage": "full"}
    assert int(health.headers["Retry-After"]) > 0


@sqlite_only
def test_health_says_not_ok_when_free_space_is_under_the_threshold(database_url: str) -> None:
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "test",
                      "VERIVALI_STORAGE_MIN_FREE_MB": 10**12})  # more than any disk has
    try:
        health = app.test_client().get("/api/v1/health")
    finally:
        app.extensions["verivali_engine"].dispose()
    assert health.status_code == 503
    assert health.json["error"]["details"] == {"storage": "full"}


def test_a_healthy_server_says_ok(client: Any) -> None:
    health = client.get("/api/v1/health")
    assert health.status_code == 200
    assert health.json == {"status": "ok"}  # unchanged from before


@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL's lock_timeout")
def test_a_push_waiting_on_a_postgres_lock_past_the_timeout_answers_503(
        short_app: Any, engine: Any) -> None:
    base = household()
    seed(engine, base)
    _, token = enumerator(engine, "budi", [base["household_id"]])
    client = short_app.test_client()
    with engine.connect() as other:
        other.exec_driver_sql("LOCK TABLE surveys IN ACCESS EXCLUSIVE MODE")
        _assert_unavailable(_push(client, token, [survey(base)]))
        other.rollback()
    assert _stored(engine) == 0
    assert _push(client, token, [survey(base)]).json["results"][0]["status"] == "accepted"
