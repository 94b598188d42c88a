"""Migrations: `init` makes or upgrades a database, and never loses what it held.

The fixtures in tests/server/store/fixtures/ are databases of release 0.1 (revision 0001) with data
in them, one SQLite file and one PostgreSQL dump; they are upgraded here by the real
`verivali-server init`. When `tables.py` changes, `test_migrations_match_tables` fails
until a revision is written (docs/developing.md says how).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, func, inspect, select, text

from server.app import create_app
from server.store import migrate
from server.store.db import make_engine
from server.store.schema import create_all, get_meta
from server.store.tables import metadata
from tests.conftest import BIN, run_cli

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MANIFEST: dict[str, Any] = json.loads((FIXTURES / "release_0_1.json").read_text())


def test_migrations_match_tables(engine: Engine) -> None:
    """tables.py and the migrations describe the same schema (on this test's database)."""
    with engine.connect() as conn:
        differences = migrate.drift(conn)
    assert differences == [], (
        "tables.py differs from the migrations: write a revision with "
        f'`python -m server.store.migrate revision "what changed"`: {differences}'
    )


def test_init_twice_changes_nothing(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            first_id = get_meta(conn, "instance_id")
        create_all(engine)
        with engine.connect() as conn:
            assert get_meta(conn, "instance_id") == first_id
            assert migrate.current_revision(conn) == migrate.head_revision()
    finally:
        engine.dispose()


def _row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar() or 0
            for table in metadata.sorted_tables
        }


def _check_upgraded(url: str, facts: dict[str, Any], instance_before: str | None) -> None:
    """Every row of the old release is there, and the server still answers from it."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            assert migrate.current_revision(conn) == migrate.head_revision()
            assert get_meta(conn, "instance_id") == instance_before  # agents' cursors live on
            assert migrate.drift(conn) == []
        counts = _row_counts(engine)
        for table, count in MANIFEST["counts"].items():
            assert counts[table] == count, table
    finally:
        engine.dispose()
    app = create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "test"})
    try:
        client = app.test_client()
        headers = {"Authorization": f"Bearer {facts['token']}"}
        answer = client.get(f"/api/v1/households/{MANIFEST['household_id']}", headers=headers)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        assert answer.get_json()["version"] == 2
        assert answer.get_json()["address"] == MANIFEST["address"]
        pulled = client.get("/api/v1/sync/pull", headers=headers)
        assert pulled.status_code == 200
        kinds = [c["kind"] for c in pulled.get_json()["changes"]]
        assert kinds.count("household") == 3
    finally:
        app.extensions["verivali_engine"].dispose()


def _instance_id(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return get_meta(conn, "instance_id")
    finally:
        engine.dispose()


def test_release_0_1_sqlite_database_upgrades_without_loss(tmp_path: Path) -> None:
    database = tmp_path / "verivali.db"
    shutil.copy(FIXTURES / "release_0_1.sqlite", database)
    url = f"sqlite:///{database}"
    before = _instance_id(url)
    assert before is not None
    result = run_cli("init", database_url=url)
    assert result.returncode == 0, result.stderr
    _check_upgraded(url, MANIFEST["sqlite"], before)


def _load_dump(url: str, dump: str) -> None:
    """Restore a plain `pg_dump` as psql would (its `\\` meta-commands aside)."""
    sql = "\n".join(line for line in dump.splitlines() if not line.startswith("\\"))
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(sql)
            conn.commit()
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_release_0_1_postgres_dump_upgrades_without_loss(postgres_admin_url: str) -> None:
    from tests.pg import fresh_database

    with fresh_database(postgres_admin_url) as url:
        _load_dump(url, (FIXTURES / "release_0_1.postgres.sql").read_text())
        before = _instance_id(url)
        assert before is not None
        result = run_cli("init", database_url=url)
        assert result.returncode == 0, result.stderr
        _check_upgraded(url, MANIFEST["postgres"], before)


def test_database_made_before_migrations_is_adopted(tmp_path: Path) -> None:
    """Release 0.1 made its tables with create_all: no alembic_version table at all."""
    database = tmp_path / "verivali.db"
    shutil.copy(FIXTURES / "release_0_1.sqlite", database)
    url = f"sqlite:///{database}"
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE alembic_version"))
        before = _instance_id(url)
        assert migrate.upgrade(engine) == (migrate.BASELINE, migrate.head_revision())
    finally:
        engine.dispose()
    _check_upgraded(url, MANIFEST["sqlite"], before)


def test_every_revision_downgrades_and_upgrades_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'verivali.db'}"
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        with engine.begin() as conn:
            command.downgrade(migrate.alembic_config(conn), "base")
        assert set(inspect(engine).get_table_names()) == {"alembic_version"}
        migrate.upgrade(engine)
        with engine.connect() as conn:
            assert migrate.drift(conn) == []
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_two_inits_at_once_on_postgres(postgres_admin_url: str) -> None:
    """Two admins (or two deploy hooks) run init together: both succeed, one migrates."""
    from tests.pg import fresh_database

    with fresh_database(postgres_admin_url) as url:
        env = {"VERIVALI_DATABASE_URL": url, "PATH": str(BIN)}
        runs = [
            subprocess.Popen([str(BIN / "verivali-server"), "init"], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        for run in runs:
            _out, err = run.communicate(timeout=120)
            assert run.returncode == 0, err
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                assert migrate.current_revision(conn) == migrate.head_revision()
                assert migrate.drift(conn) == []
        finally:
            engine.dispose()


def test_migrations_ship_in_the_package(tmp_path: Path) -> None:
    """An installed server carries env.py and every revision, so it can upgrade.

    setuptools' build_py copies exactly what a wheel would hold (packages and
    package_data), without the network a wheel build may need.
    """
    repo = Path(__file__).resolve().parents[3]
    built = subprocess.run(
        [sys.executable, "-c", "import setuptools; setuptools.setup()",
         "build_py", "--build-lib", str(tmp_path / "lib")],
        cwd=repo, capture_output=True, text=True, timeout=300,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    shipped = tmp_path / "lib" / "server" / "store" / "migrations"
    assert (shipped / "env.py").is_file()
    assert (shipped / "script.py.mako").is_file()
    revisions = sorted(p.name for p in migrate.MIGRATIONS.joinpath("versions").glob("*.py"))
    assert revisions
    for revision in revisions:
        assert (shipped / "versions" / revision).is_file(), revision


def test_phone_attachments_become_survey_photos(tmp_path: Path) -> None:
    """Revision 0009: a photo a phone sent before it shows as its survey's photo after."""
    from server.services.ingest.single import ingest_survey
    from server.store import jsoncol
    from server.store import photos as photo_store
    from server.store import surveys as survey_store
    from server.store import users as user_store
    from server.store.db import reading, transaction
    from tests.factories import enumerator, household, seed, survey

    url = f"sqlite:///{tmp_path / 'verivali.db'}"
    engine = make_engine(url)
    try:
        migrate.upgrade(engine, "0008")
        base = household()
        seed(engine, base)
        user_id, _ = enumerator(engine, "budi", [base["household_id"]])
        item = survey(base)
        with transaction(engine) as conn:
            user = user_store.by_name(conn, "budi")
            assert ingest_survey(conn, user, "openrosa:1", item)["status"] == "accepted"
            conn.execute(text(
                "INSERT INTO phone_submissions (instance_id, user_id, device_id, device_seq, "
                "xml_sha256, received_at) VALUES (:i, :u, 'openrosa:1', 1, :x, :at)"),
                {"i": item["survey_id"], "u": user_id, "x": "0" * 64, "at": "2026-12-01T01:00:00Z"})
            for name, field, sha in (("kk.jpg", "kk", "b" * 64), ("f.jpg", "house_front", "a" * 64)):
                conn.execute(text(
                    "INSERT INTO phone_attachments VALUES (:i, :n, :f, :s, 1234, 'image/jpeg', "
                    "'2026-12-01T01:00:00Z')"), {"i": item["survey_id"], "n": name, "f": field,
                                                 "s": sha})
        migrate.upgrade(engine)
        assert "phone_attachments" not in inspect(engine).get_table_names()
        with reading(engine) as conn:
            rows = photo_store.rows_of_survey(conn, item["survey_id"])
            stored = survey_store.get(conn, item["survey_id"])
            pending = photo_store.pending_for_household(conn, base["household_id"])
        assert [(r["kind"], r["photo_id"], r["position"], r["received_at"] is not None)
                for r in rows] == [("house_front", "a" * 64, 0, True), ("kk", "b" * 64, 1, True)]
        assert stored is not None and pending == 0
        assert [(p["photo_id"], p["kind"], p["bytes"]) for p in stored["body"]["photos"]] == [
            ("a" * 64, "house_front", 1234), ("b" * 64, "kk", 1234)]
        assert stored["content_hash"] == jsoncol.content_hash(stored["body"])
    finally:
        engine.dispose()
