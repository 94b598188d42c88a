"""`verivali-server` end to end, as an admin types it: real subprocesses, real files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from server.cli import main
from tests.conftest import run_cli
from tests.factories import household, seed


def ok(*args: str, database_url: str) -> str:
    result = run_cli(*args, database_url=database_url)
    assert result.returncode == 0, result.stderr
    return result.stdout


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


def write_jsonl(path: Path, *bodies: object) -> Path:
    path.write_text("".join((b if isinstance(b, str) else json.dumps(b)) + "\n" for b in bodies),
                    encoding="utf-8")
    return path


# --- help --------------------------------------------------------------------------

def all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found += all_commands(command, (*prefix, name))
    return found


@pytest.mark.parametrize("command", all_commands(main), ids=" ".join)
def test_every_command_explains_itself(command: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage: " in result.output
    body = result.output.split("\n\n", 1)[1].strip()
    assert len(body) > 20, f"{' '.join(command)} has no help text"


@pytest.mark.parametrize(
    ("args", "expected"),
    [((), "import-registry"), (("import-registry",), "--rejects"), (("users", "add"), "--role")],
)
def test_help_as_a_subprocess(database_url: str, args: tuple[str, ...], expected: str) -> None:
    assert expected in ok(*args, "--help", database_url=database_url)
    assert expected in ok(*args, "-h", database_url=database_url)


# --- init and import -------------------------------------------------------------------

def test_init_creates_and_reinit_keeps(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert "database ready" in ok("init", database_url=url)
    assert "database ready" in ok("init", database_url=url)
    assert (tmp_path / "fresh.db").exists()


def test_import_registry_end_to_end(database_url: str, tmp_path: Path) -> None:
    source = tmp_path / "mesuji.jsonl"
    assert "wrote 60 households" in ok("demo-data", "--households", "60", str(source),
                                       database_url=database_url)
    result = run_cli("import-registry", str(source), database_url=database_url)
    assert result.returncode == 0, result.stderr
    assert last_line(result.stdout) == "imported 60, updated 0, unchanged 0, rejected 0"
    assert "importing" not in result.stderr  # no progress bar off a terminal
    again = ok("import-registry", str(source), database_url=database_url)
    assert last_line(again) == "imported 0, updated 0, unchanged 60, rejected 0"


def test_import_csv_from_demo_data(database_url: str, tmp_path: Path) -> None:
    source = tmp_path / "mesuji.csv"
    ok("demo-data", "--households", "40", "--format", "csv", str(source),
       database_url=database_url)
    with source.open(encoding="utf-8") as handle:
        assert next(csv.reader(handle))[:3] == ["household_id", "kk_number", "region_code"]
    out = ok("import-registry", str(source), "--actor", "admin1", database_url=database_url)
    assert last_line(out) == "imported 40, updated 0, unchanged 0, rejected 0"


def test_rejects_are_listed_and_written_without_personal_data(database_url: str,
                                                              tmp_path: Path) -> None:
    bad = household("1811012001-000002")
    bad["members"][0]["nik"] = "181101450780000"
    source = write_jsonl(tmp_path / "r.jsonl", household(), bad, "{broken", household())
    rejects = tmp_path / "rejects.csv"
    result = run_cli("import-registry", str(source), "--rejects", str(rejects),
                     database_url=database_url)
    assert result.returncode == 0
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == "imported 1, updated 0, unchanged 0, rejected 3"
    assert "line 2, household 1811012001-000002: members.0.nik: NIK harus tepat 16 angka." in lines
    assert any(line.startswith("line 3: not valid JSON") for line in lines)
    assert any(line.startswith("line 4, household 1811012001-000001: household_id: the same "
                               "household_id is on line 1") for line in lines)
    with rejects.open(encoding="utf-8") as handle:
        table = list(csv.reader(handle))
    assert table[0] == ["line", "household_id", "field", "message"]
    assert [row[0] for row in table[1:]] == ["2", "3", "4"]
    everything = result.stdout + result.stderr + rejects.read_text(encoding="utf-8")
    assert "181101450780000" not in everything and "Siti" not in everything


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [("empty.jsonl", b"", "is empty"),
     ("latin.csv", b"household_id,address\nX1,Caf\xe9\n", "line 2: the file is not UTF-8"),
     ("registry.xlsx", b"PK\x03\x04", "unknown file type"),
     ("header.csv", b"household_id,colour\nX1,red\n", "unknown column")],
)
def test_unreadable_files_exit_non_zero(database_url: str, tmp_path: Path, name: str,
                                        content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = run_cli("import-registry", str(path), database_url=database_url)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_import_of_a_missing_file(database_url: str, tmp_path: Path) -> None:
    result = run_cli("import-registry", str(tmp_path / "nope.jsonl"), database_url=database_url)
    assert result.returncode == 2 and "does not exist" in result.stderr


# --- users -----------------------------------------------------------------------------

def test_users_add_list_revoke_rotate(database_url: str) -> None:
    out = ok("users", "add", "budi", "--role", "enumerator", "--region", "18.11.01",
             database_url=database_url)
    token = last_line(out)
    assert token.startswith("vv_") and " " not in token
    ok("users", "add", "sari", "--role", "supervisor", "--region", "1811",
       database_url=database_url)
    listing = ok("users", "list", database_url=database_url)
    assert "budi\tenumerator\t181101\ttoken active" in listing
    assert "sari\tsupervisor\t1811\ttoken active" in listing
    assert token not in listing

    assert "revoked" in ok("users", "revoke", "budi", database_url=database_url)
    assert "budi\tenumerator\t181101\ttoken revoked" in ok("users", "list",
                                                          database_url=database_url)
    new_token = last_line(ok("users", "rotate-token", "budi", database_url=database_url))
    assert new_token.startswith("vv_") and new_token != token
    assert "budi\tenumerator\t181101\ttoken active" in ok("users", "list",
                                                         database_url=database_url)


@pytest.mark.parametrize(
    ("args", "message"),
    [(("users", "add", "x", "--role", "supervisor"), "needs at least one --region"),
     (("users", "add", "x", "--role", "boss"), "Invalid value for '--role'"),
     (("users", "add", "x", "--role", "enumerator", "--region", "181"), "Kode wilayah"),
     (("users", "revoke", "ghost"), "no user named 'ghost'"),
     (("users", "rotate-token", "ghost"), "no user named 'ghost'")],
)
def test_users_mistakes(database_url: str, args: tuple[str, ...], message: str) -> None:
    result = run_cli(*args, database_url=database_url)
    assert result.returncode != 0 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_users_add_twice(database_url: str, make_user) -> None:
    make_user("budi", "admin")
    result = run_cli("users", "add", "budi", "--role", "admin", database_url=database_url)
    assert result.returncode == 1 and "exists already" in result.stderr


# --- assign ----------------------------------------------------------------------------

def test_assign_by_region_and_by_household(database_url: str, engine, make_user) -> None:
    seed(engine, household("1811012001-000001"), household("1811012001-000002"),
         household("1811022001-000001", region="1811022001"))
    make_user("budi", "enumerator")
    out = ok("assign", "--enumerator", "budi", "--region", "18.11.01.2001",
             database_url=database_url)
    assert "2 household(s) newly assigned to budi" in out
    out = ok("assign", "--enumerator", "budi", "--household", "1811022001-000001",
             "--household", "1811012001-000001", database_url=database_url)
    assert "1 household(s) newly assigned" in out
    again = ok("assign", "--enumerator", "budi", "--region", "1811", database_url=database_url)
    assert "0 household(s) newly assigned to budi (3 matched)" in again


@pytest.mark.parametrize(
    ("args", "message"),
    [(("--enumerator", "ghost", "--region", "1811"), "no enumerator named 'ghost'"),
     (("--enumerator", "sari", "--region", "1811"), "no enumerator named 'sari'"),
     (("--enumerator", "budi", "--household", "NOPE-1"), "unknown household id(s): NOPE-1"),
     (("--enumerator", "budi",), "give at least one --region or --household")],
)
def test_assign_mistakes(database_url: str, make_user, args: tuple[str, ...],
                         message: str) -> None:
    make_user("budi", "enumerator")
    make_user("sari", "supervisor", ["1811"])
    result = run_cli("assign", *args, database_url=database_url)
    assert result.returncode != 0 and message in result.stderr


def test_account_and_assignment_commands_leave_an_audit_trail(database_url: str, engine,
                                                               make_user) -> None:
    from server.store.db import reading
    from server.store.tables import audit_log

    seed(engine, household())
    make_user("budi", "enumerator")
    commands = [
        ("users", "add", "sari", "--role", "supervisor", "--region", "1811"),
        ("users", "passwd", "sari", "--password", "kata-sandi-panjang-1"),
        ("users", "rotate-token", "budi"),
        ("users", "revoke", "budi"),
        ("assign", "--enumerator", "budi", "--region", "1811012001"),
    ]
    printed = ""
    for args in commands:
        result = run_cli(*args, database_url=database_url)
        assert result.returncode == 0, result.stderr
        printed += result.stdout
    with reading(engine) as conn:
        rows = conn.execute(audit_log.select().order_by(audit_log.c.audit_id)).mappings().all()
    assert [(r["action"], r["target_id"]) for r in rows] == [
        ("user.create", "sari"), ("user.password_reset", "sari"), ("user.token_rotate", "budi"),
        ("user.token_revoke", "budi"), ("assignment.assign", "budi"),
    ]
    assert all(r["actor"] for r in rows)
    trail = " ".join(str(r["detail"]) for r in rows)
    assert "kata-sandi" not in trail and "vv_" not in trail
    tokens = [word for word in printed.split() if word.startswith("vv_")]
    assert len(tokens) == 2 and all(token not in trail for token in tokens)
