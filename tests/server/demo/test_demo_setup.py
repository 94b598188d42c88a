"""`make demo` must work on the first run and on every run after it."""

from __future__ import annotations

from pathlib import Path

from server.demo import setup as demo_setup
from server.store import assignments, users
from server.store.db import make_engine, reading


def test_first_run_builds_and_second_run_reuses_with_new_tokens(tmp_path: Path) -> None:
    first = demo_setup.prepare(tmp_path, count=150)
    second = demo_setup.prepare(tmp_path, count=150)
    engine = make_engine(demo_setup.database_url(tmp_path))
    try:
        with reading(engine) as conn:
            for name in ("admin", "supervisor", "enum1", "enum2"):
                assert users.by_token(conn, first.tokens[name]) is None
                assert users.by_token(conn, second.tokens[name])["name"] == name
            assert users.check_password(conn, "supervisor", second.supervisor_password)
            assert not users.check_password(conn, "supervisor", first.supervisor_password)
            assert users.by_name(conn, "supervisor")["regions"] == ["1811"]
            for name in demo_setup.ENUMERATORS:
                user = users.by_name(conn, name)
                assert user["role"] == "enumerator"
                assert assignments.for_enumerator(conn, user["user_id"])
        assert first.villages == second.villages
        assert first.villages["enum1"] != first.villages["enum2"]
    finally:
        engine.dispose()


def test_banner_prints_urls_tokens_password_and_agent_lines(tmp_path: Path) -> None:
    creds = demo_setup.prepare(tmp_path, count=100)
    text = demo_setup.banner(creds, "127.0.0.1", 5000, tmp_path)
    assert "http://127.0.0.1:5000/api/v1" in text and "http://127.0.0.1:5000/\n" in text
    assert creds.supervisor_password in text
    for name, token in creds.tokens.items():
        assert token in text
        if name.startswith("enum"):
            assert f"init --server http://127.0.0.1:5000 --token {token} --name {name}" in text


def test_fresh_starts_over(tmp_path: Path) -> None:
    demo_setup.prepare(tmp_path, count=100)
    creds = demo_setup.prepare(tmp_path, count=60, fresh=True)
    engine = make_engine(demo_setup.database_url(tmp_path))
    try:
        with reading(engine) as conn:
            assert users.by_token(conn, creds.tokens["admin"]) is not None
            from sqlalchemy import func, select

            from server.store.tables import households
            assert conn.execute(select(func.count()).select_from(households)).scalar() == 60
    finally:
        engine.dispose()
