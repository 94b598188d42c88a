"""`make demo` must work on the first run and on every run after it."""

from __future__ import annotations

from pathlib import Path

from server.demo import setup as demo_setup
from server.store import assignments, users
from server.store.db import make_engine, reading


def test_first_run_builds_and_second_run_keeps_the_tokens(tmp_path: Path) -> None:
    """A second `make demo` keeps every laptop set up against the first one working."""
    first = demo_setup.prepare(tmp_path, count=150)
    second = demo_setup.prepare(tmp_path, count=150)
    assert second == first
    assert (tmp_path / demo_setup.CREDENTIALS).stat().st_mode & 0o077 == 0
    engine = make_engine(demo_setup.database_url(tmp_path))
    try:
        with reading(engine) as conn:
            for name in ("admin", "supervisor", "enum1", "enum2"):
                assert users.by_token(conn, second.tokens[name])["name"] == name
            assert users.check_password(conn, "supervisor", second.supervisor_password)
            assert users.check_password(conn, "admin", second.admin_password)
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
    assert creds.supervisor_password in text and creds.admin_password in text
    for name, token in creds.tokens.items():
        assert token in text
        if name.startswith("enum"):
            assert f"init --server http://127.0.0.1:5000 --token {token} --name {name}" in text
            assert f"http://127.0.0.1:5000/key/{token}" in text  # the phone's server URL
    assert "PIN" in text


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


def test_the_demo_queue_has_work_and_lost_credentials_are_renewed(tmp_path: Path) -> None:
    from sqlalchemy import func, select

    from server.store.tables import flags

    first = demo_setup.prepare(tmp_path, count=150)
    engine = make_engine(demo_setup.database_url(tmp_path))
    try:
        with reading(engine) as conn:
            assert conn.execute(select(func.count()).select_from(flags)
                                .where(flags.c.survey_id.is_(None))).scalar() > 0  # the scan
            visit_rules = set(conn.execute(select(flags.c.rule)
                                           .where(flags.c.survey_id.is_not(None))).scalars())
        assert {"FIELD_CHANGED", "CONFLICT", "HOUSEHOLD_NOT_FOUND"} <= visit_rules
        (tmp_path / demo_setup.CREDENTIALS).unlink()
        renewed = demo_setup.prepare(tmp_path, count=150)
        assert renewed.tokens != first.tokens
        with reading(engine) as conn:
            assert users.by_token(conn, first.tokens["admin"]) is None
            assert users.by_token(conn, renewed.tokens["admin"])["name"] == "admin"
    finally:
        engine.dispose()
