"""A server restored to an older backup: agents are told `cursor_expired`, never misled.

Backups are taken as docs/deployment.md says: `pg_dump -Fc` and `pg_restore` on
PostgreSQL, SQLite's online backup on SQLite. After the restore other laptops keep
pushing, so new changes reuse the seq numbers an agent's cursor had already passed: the
cursor must still be refused, or the agent would skip those changes for ever.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.engine import make_url

from server.app import create_app
from server.store.db import make_engine
from tests.factories import enumerator, household, seed, survey


@contextmanager
def serving(url: str) -> Iterator[Flask]:
    app = create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "test"})
    try:
        yield app
    finally:
        app.extensions["verivali_engine"].dispose()


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def backup(url: str, folder: Path) -> Path:
    if url.startswith("sqlite"):
        target = folder / "backup.db"
        source = sqlite3.connect(make_url(url).database)
        with sqlite3.connect(target) as copy:
            source.backup(copy)
        source.close()
        return target
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump not installed")
    target = folder / "backup.dump"
    subprocess.run(["pg_dump", "-Fc", "--no-owner", "-f", str(target), "--dbname", _libpq(url)],
                   check=True, capture_output=True)
    return target


@contextmanager
def restored(url: str, dump: Path, folder: Path) -> Iterator[str]:
    """The backup brought back as a database of its own; its URL is yielded."""
    if url.startswith("sqlite"):
        target = folder / "restored.db"
        shutil.copy(dump, target)
        yield f"sqlite:///{target}"
        return
    from tests.conftest import POSTGRES_URL
    from tests.pg import fresh_database

    assert POSTGRES_URL is not None
    with fresh_database(POSTGRES_URL) as new_url:
        subprocess.run(["pg_restore", "--no-owner", "--dbname", _libpq(new_url), str(dump)],
                       check=True, capture_output=True)
        yield new_url


def pull_all(app: Flask, token: str, cursor: str | None) -> tuple[int, dict[str, Any]]:
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    params = {"cursor": cursor} if cursor else {}
    answer = client.get("/api/v1/sync/pull", headers=headers, query_string=params)
    return answer.status_code, answer.get_json()


def push(app: Flask, token: str, surveys: list[dict[str, Any]]) -> list[dict[str, Any]]:
    client = app.test_client()
    answer = client.post("/api/v1/sync/push", headers={"Authorization": f"Bearer {token}"},
                         json={"device_id": "dev-b", "surveys": surveys})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()["results"]


def test_restore_to_an_older_backup_expires_cursors_even_after_new_writes(
    database_url: str, tmp_path: Path
) -> None:
    bases = [household(f"1811012001-{i:06d}") for i in range(1, 5)]
    engine = make_engine(database_url)
    try:
        seed(engine, *bases)
        _a, token_a = enumerator(engine, "ani", [b["household_id"] for b in bases])
        _b, token_b = enumerator(engine, "budi", [b["household_id"] for b in bases])
    finally:
        engine.dispose()

    with serving(database_url) as app:
        status, page = pull_all(app, token_a, None)
        assert status == 200
        dump = backup(database_url, tmp_path)
        # After the backup budi's pushes add changes, and ani's cursor moves past them.
        push(app, token_b, [survey(b, seq=i + 1, change=lambda o: o.__setitem__("desil", 7))
                            for i, b in enumerate(bases[:2])])
        status, later = pull_all(app, token_a, page["cursor"])
        assert status == 200
        cursor_after_backup = later["cursor"]

    with restored(database_url, dump, tmp_path) as old_url, serving(old_url) as app:
        # Straight after the restore the cursor is simply ahead of the database.
        status, body = pull_all(app, token_a, cursor_after_backup)
        assert status == 410 and body["error"]["code"] == "cursor_expired"
        # Other laptops sync: new changes take the same seq numbers again.
        engine = make_engine(old_url)
        try:
            from server.store import assignments
            from server.store import users as user_store
            from server.store.db import transaction

            with transaction(engine) as conn:
                user = user_store.by_name(conn, "ani")
                assert user is not None
                for base in bases:
                    assignments.assign_households(conn, user["user_id"], [base["household_id"]],
                                                  status="revisit", note="ulang")
        finally:
            engine.dispose()
        status, body = pull_all(app, token_a, cursor_after_backup)
        assert status == 410 and body["error"]["code"] == "cursor_expired"
        # Starting over brings everything, the post-restore revisits included.
        status, fresh = pull_all(app, token_a, None)
        assert status == 200
        revisits = [c for c in fresh["changes"] if c["kind"] == "assignment"
                    and c["assignment"]["status"] == "revisit"]
        assert len(revisits) == len(bases)
        # And the cursor from before the backup, still valid there, keeps working.
        status, _ = pull_all(app, token_a, page["cursor"])
        assert status == 200


def test_agent_after_restore_pulls_afresh_and_sends_lost_surveys_again(
    database_url: str, tmp_path: Path
) -> None:
    """The real agent, against a server restored to before its last push: nothing lost."""
    from sqlalchemy import select

    from server.store.tables import surveys
    from sync_agent import sync
    from sync_agent.home import initialise, make_client
    from sync_agent.record import record_survey
    from tests.conftest import LiveServer, free_port, run_cli

    bases = [household(f"1811012001-{i:06d}") for i in range(1, 4)]
    engine = make_engine(database_url)
    try:
        seed(engine, *bases)
        _a, token = enumerator(engine, "ani", [b["household_id"] for b in bases])
    finally:
        engine.dispose()

    port = free_port()
    server = LiveServer(database_url, port, ["--no-nightly-scan"])
    home = tmp_path / "agent"
    store = initialise(home, server.url, token)
    client = make_client(home, store, retries=0)
    try:
        sync.run(store, client, "pull")
        kept = record_survey(store, household_id=bases[0]["household_id"], outcome="refused")
        sync.run(store, client, "push")
        dump = backup(database_url, tmp_path)
        lost = record_survey(store, household_id=bases[1]["household_id"], outcome="refused")
        sync.run(store, client, "push")
        assert store.counts()["acknowledged"] == 2
    finally:
        server.stop()

    with restored(database_url, dump, tmp_path) as old_url:
        # The lost push came after the laptop's last pull: its cursor is still valid in
        # the restored database. The documented restore step gives the database a new id.
        result = run_cli("init", "--after-restore", database_url=old_url)
        assert result.returncode == 0, result.stderr
        server = LiveServer(old_url, port, ["--no-nightly-scan"])  # same address for laptops
        try:
            report = sync.run(store, client, "sync")
        finally:
            server.stop()
        assert report.restarted and report.resent == 2
        assert store.counts()["acknowledged"] == 2
        assert store.pending_count() == 0
        assert store.get(sync.RESEND_AFTER) is None
        engine = make_engine(old_url)
        try:
            with engine.connect() as conn:
                held = set(conn.execute(select(surveys.c.survey_id)).scalars())
        finally:
            engine.dispose()
        assert held == {kept["survey_id"], lost["survey_id"]}
    client.close()
    store.close()
