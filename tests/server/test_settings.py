"""The server's settings come from the environment in one place, and every one is documented."""

from __future__ import annotations

import ast
import logging
import re
from dataclasses import fields
from pathlib import Path

import pytest
from click.testing import CliRunner

from server.app import create_app
from server.services import signin as throttle
from server.settings import Settings, SettingsError, child_environment, load_settings, variable
from sync_agent.cli import main as agent_cli

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No VERIVALI_ variable from the shell running the suite, and a fresh current folder."""
    for name in [f.name for f in fields(Settings)]:
        monkeypatch.delenv(variable(name), raising=False)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


# (variable, as set, field, as read): every setting at least once.
CASES: list[tuple[str, str, str, object]] = [
    ("VERIVALI_DATABASE_URL", "postgresql+psycopg://v@db/verivali", "database_url",
     "postgresql+psycopg://v@db/verivali"),
    ("VERIVALI_SECRET_KEY", "kunci rahasia ", "secret_key", "kunci rahasia "),
    ("VERIVALI_TRUST_FORWARDED_PROTO", "1", "trust_forwarded_proto", True),
    ("VERIVALI_TRUST_FORWARDED_PROTO", " Yes", "trust_forwarded_proto", True),
    ("VERIVALI_TRUST_FORWARDED_PROTO", "0", "trust_forwarded_proto", False),
    ("VERIVALI_SESSION_COOKIE", "vv_prov", "session_cookie", "vv_prov"),
    ("VERIVALI_SESSION_COOKIE_SECURE", "true", "session_cookie_secure", True),
    ("VERIVALI_SESSION_HOURS", "4", "session_hours", 4),
    ("VERIVALI_SIGNIN_MAX_FAILURES", "3", "signin_max_failures", 3),
    ("VERIVALI_SIGNIN_MAX_ADDRESS_FAILURES", "9", "signin_max_address_failures", 9),
    ("VERIVALI_SIGNIN_WINDOW_MINUTES", "7.5", "signin_window_minutes", 7.5),
    ("VERIVALI_SIGNIN_FIRST_WAIT", "10", "signin_first_wait", 10.0),
    ("VERIVALI_MAX_CONTENT_LENGTH", "1048576", "max_content_length", 1048576),
    ("VERIVALI_MAX_INFLATED_BYTES", "4194304", "max_inflated_bytes", 4194304),
    ("VERIVALI_DATABASE_LOCK_TIMEOUT", "2.5", "database_lock_timeout", 2.5),
    ("VERIVALI_STORAGE_MIN_FREE_MB", "50", "storage_min_free_mb", 50),
    ("VERIVALI_BLOB_DIR", "/srv/verivali/blobs", "blob_dir", "/srv/verivali/blobs"),
    ("VERIVALI_CUTOFF_DAY", "25", "cutoff_day", 25),
]


@pytest.mark.parametrize("raw", ["0", "29", "31"])
def test_a_cutoff_day_every_month_lacks_is_refused(clean_env: pytest.MonkeyPatch,
                                                   raw: str) -> None:
    clean_env.setenv("VERIVALI_CUTOFF_DAY", raw)
    with pytest.raises(SettingsError, match="VERIVALI_CUTOFF_DAY must be a day from 1 to 28"):
        load_settings()


@pytest.mark.parametrize(("name", "raw", "field", "expected"), CASES)
def test_each_variable_is_read(clean_env: pytest.MonkeyPatch, name: str, raw: str, field: str,
                               expected: object) -> None:
    clean_env.setenv(name, raw)
    assert getattr(load_settings(), field) == expected


def test_every_setting_has_a_variable_and_a_test() -> None:
    assert {variable(f.name) for f in fields(Settings)} == {case[0] for case in CASES}


def test_every_variable_is_in_the_deployment_table_once() -> None:
    text = (REPO / "docs" / "deployment.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(VERIVALI_[A-Z_]+)", text, flags=re.MULTILINE)
    assert sorted(rows) == sorted({*rows}), "a variable listed twice"
    assert {variable(f.name) for f in fields(Settings)} | {"VERIVALI_AGENT_HOME"} == set(rows)


def test_defaults_without_any_variable(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    first, second = load_settings(), load_settings()
    assert first.database_url == f"sqlite:///{(tmp_path / 'verivali.db').resolve()}"
    assert first.secret_key != second.secret_key  # random per process when unset
    assert len(first.secret_key) == 64
    assert first.flask_config()["MAX_CONTENT_LENGTH"] == 16 * 1024 * 1024
    assert first.flask_config()["MAX_INFLATED_BYTES"] == 64 * 1024 * 1024
    assert not first.trust_forwarded_proto


def test_empty_variables_count_as_unset(clean_env: pytest.MonkeyPatch) -> None:
    for name in ("VERIVALI_DATABASE_URL", "VERIVALI_SECRET_KEY", "VERIVALI_SESSION_HOURS"):
        clean_env.setenv(name, "")
    settings = load_settings()
    assert settings.database_url.endswith("verivali.db")
    assert settings.secret_key and settings.session_hours == 10


def test_an_option_wins_over_the_environment(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("VERIVALI_DATABASE_URL", "sqlite:///from-env.db")
    assert load_settings(database_url="sqlite:///given.db").database_url == "sqlite:///given.db"
    assert load_settings(database_url=None).database_url == "sqlite:///from-env.db"
    with pytest.raises(TypeError):
        load_settings(databse_url="sqlite:///typo.db")


def test_a_bad_number_names_the_variable_not_its_value(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("VERIVALI_SESSION_HOURS", "sepuluh-rahasia")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "VERIVALI_SESSION_HOURS" in str(caught.value)
    assert "sepuluh" not in str(caught.value)


def test_a_bad_number_is_one_line_from_the_cli(clean_env: pytest.MonkeyPatch) -> None:
    from server.cli import main as server_cli

    clean_env.setenv("VERIVALI_SIGNIN_FIRST_WAIT", "soon")
    result = CliRunner().invoke(server_cli, ["init"])
    assert result.exit_code == 1
    assert "VERIVALI_SIGNIN_FIRST_WAIT must be a number" in result.output
    assert "Traceback" not in result.output


def test_repr_shows_no_secret_and_no_database_password() -> None:
    settings = Settings(database_url="postgresql+psycopg://v:s3cret@db/verivali",
                        secret_key="kunci-sangat-rahasia")
    assert "s3cret" not in repr(settings)
    assert "kunci-sangat-rahasia" not in repr(settings)


def test_defaults_agree_with_the_fallbacks_of_the_modules_that_read_them() -> None:
    assert throttle.Policy.from_config(Settings().flask_config()) == throttle.Policy()
    assert throttle.Policy.from_config({}) == throttle.Policy()


def test_create_app_takes_settings(database_url: str) -> None:
    app = create_app(Settings(database_url=database_url, secret_key="k",
                              trust_forwarded_proto=True, session_cookie="vv_test",
                              session_hours=2, max_inflated_bytes=1024))
    try:
        assert app.config["SECRET_KEY"] == "k"
        assert app.config["VERIVALI_TRUST_FORWARDED_PROTO"] is True
        assert app.config["SESSION_COOKIE_NAME"] == "vv_test"
        assert app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() == 2 * 3600
        assert app.config["MAX_INFLATED_BYTES"] == 1024
        assert str(app.extensions["verivali_engine"].url) == database_url
        assert app.test_client().get("/api/v1/health").json == {"status": "ok"}
    finally:
        app.extensions["verivali_engine"].dispose()


def test_a_mapping_is_laid_over_the_environment(clean_env: pytest.MonkeyPatch,
                                                 database_url: str) -> None:
    clean_env.setenv("VERIVALI_TRUST_FORWARDED_PROTO", "1")
    clean_env.setenv("VERIVALI_SECRET_KEY", "from-env")
    app = create_app({"DATABASE_URL": database_url, "TESTING": True})
    try:
        assert app.config["VERIVALI_TRUST_FORWARDED_PROTO"] is True
        assert app.config["SECRET_KEY"] == "from-env"
        assert app.config["TESTING"] is True
    finally:
        app.extensions["verivali_engine"].dispose()


def test_the_nightly_child_gets_the_database(database_url: str,
                                             caplog: pytest.LogCaptureFixture) -> None:
    from server.serving import gunicorn

    settings = Settings(database_url=database_url, secret_key="k")
    assert child_environment(settings)["VERIVALI_DATABASE_URL"] == database_url
    with caplog.at_level(logging.INFO, logger="verivali.serving"):
        gunicorn._scan_in_child(settings)
    assert "nightly scan: scanned 0 households" in caplog.text


def test_the_agent_home_comes_from_its_variable_unless_given(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("VERIVALI_AGENT_HOME", str(tmp_path / "from-env"))
    args = ["init", "--server", "http://127.0.0.1:5000", "--token", "vv_test"]
    result = CliRunner().invoke(agent_cli, args)
    assert result.exit_code == 0, result.output
    assert str(tmp_path / "from-env") in result.output
    given = CliRunner().invoke(agent_cli, ["--home", str(tmp_path / "given"), *args])
    assert str(tmp_path / "given") in given.output


# The one module per program allowed to read the environment.
ENVIRONMENT_READERS = {"server/settings.py", "sync_agent/platform.py"}


def _environment_reads(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "environb", "getenv"):
            found.append(f"{node.lineno}: .{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            found += [f"{node.lineno}: from os import {a.name}" for a in node.names
                      if a.name in ("environ", "environb", "getenv")]
        elif isinstance(node, ast.keyword) and node.arg in ("envvar", "auto_envvar_prefix"):
            found.append(f"{node.lineno}: click {node.arg}=")
    return found


def test_nothing_else_reads_the_environment() -> None:
    offenders = {}
    for package in ("server", "sync_agent", "schemas"):
        for path in sorted((REPO / package).rglob("*.py")):
            relative = path.relative_to(REPO).as_posix()
            if relative not in ENVIRONMENT_READERS and (reads := _environment_reads(path)):
                offenders[relative] = reads
    assert offenders == {}, "read the environment in server/settings.py or sync_agent/platform.py"


def test_the_scan_sees_what_it_looks_for(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import os\nfrom os import getenv\nos.environ.get('X')\n"
                      "click.option('--x', envvar='X')\n", encoding="utf-8")
    assert len(_environment_reads(sample)) == 3
