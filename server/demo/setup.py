"""`make demo`: a working regency on this machine in one command, then the server.

    python -m server.demo.setup --folder demo --host 127.0.0.1 --port 5000

The first run makes `FOLDER/verivali.db` (embedded SQLite), imports a synthetic
Kabupaten Mesuji of about 2,000 households (`demo_data`), creates the users `admin`,
`supervisor` (region 1811, with a web password) and the enumerators `enum1` and
`enum2`, each assigned every household of one village, and then serves.

Running it again keeps the demo database and whatever was done in it (visits pushed,
flags decided): that is what someone who stopped the server expects to find. The
tokens are stored only as hashes, so they are rotated and printed afresh each run,
and the supervisor gets a new password; laptops set up before run `verivali-agent
init` again with the new token. `--fresh` (or `make clean`) starts from scratch.
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, func, select

from server.demo.data import generate_households
from server.services.registry_import.files import write_jsonl
from server.services.registry_import.run import import_registry
from server.store import assignments as assignment_store
from server.store import users as user_store
from server.store.db import make_engine, reading, transaction
from server.store.schema import create_all
from server.store.tables import households

DEMO_HOUSEHOLDS = 2000
DEMO_SEED = 1811
REGENCY = "1811"
ENUMERATORS = ("enum1", "enum2")


@dataclass
class Credentials:
    tokens: dict[str, str]
    supervisor_password: str
    villages: dict[str, str]


def database_url(folder: Path) -> str:
    return f"sqlite:///{(folder / 'verivali.db').resolve()}"


def prepare(folder: Path, *, fresh: bool = False, count: int = DEMO_HOUSEHOLDS) -> Credentials:
    """Build the demo database in `folder` (or reuse it) and return fresh credentials."""
    folder.mkdir(parents=True, exist_ok=True)
    if fresh:
        for stale in folder.glob("verivali.db*"):
            stale.unlink()
    engine = make_engine(database_url(folder))
    try:
        create_all(engine)
        with reading(engine) as conn:
            built = user_store.by_name(conn, "admin") is not None
        if not built:
            _build(engine, folder, count)
        return _credentials(engine)
    finally:
        engine.dispose()


def _build(engine: Engine, folder: Path, count: int) -> None:
    source = folder / "mesuji-demo.jsonl"
    write_jsonl(generate_households(count, seed=DEMO_SEED, regency=REGENCY), source)
    report = import_registry(engine, source, actor="demo")
    print(f"demo regency: {report.summary()}")
    with transaction(engine) as conn:
        user_store.create(conn, "admin", "admin", [])
        user_store.create(conn, "supervisor", "supervisor", [REGENCY])
        villages = _busiest_villages(conn, len(ENUMERATORS))
        for name, village in zip(ENUMERATORS, villages, strict=True):
            user_store.create(conn, name, "enumerator", [village])
            user = user_store.by_name(conn, name)
            assert user is not None
            ids = assignment_store.households_in_regions(conn, [village])
            assignment_store.assign_households(conn, user["user_id"], ids)


def _busiest_villages(conn: Connection, count: int) -> list[str]:
    """The villages with the most households: a full day's work for each enumerator."""
    rows = conn.execute(
        select(households.c.region_code, func.count().label("n"))
        .group_by(households.c.region_code)
        .order_by(func.count().desc(), households.c.region_code)
        .limit(count)
    )
    return [r.region_code for r in rows]


def _credentials(engine: Engine) -> Credentials:
    password = "demo-" + secrets.token_urlsafe(9)
    names = ("admin", "supervisor", *ENUMERATORS)
    with transaction(engine) as conn:
        tokens = {name: user_store.rotate_token(conn, name) for name in names}
        user_store.set_password(conn, "supervisor", password)
        villages = {}
        for name in ENUMERATORS:
            user = user_store.by_name(conn, name)
            assert user is not None
            found = assignment_store.assigned_villages(conn, user["user_id"])
            villages[name] = ", ".join(sorted(found)) or "-"
    return Credentials(tokens, password, villages)


def banner(creds: Credentials, host: str, port: int, folder: Path) -> str:
    base = f"http://{host}:{port}"
    lines = [
        "",
        "Verivali demo: Kabupaten Mesuji (1811), synthetic data",
        f"  database      {(folder / 'verivali.db').resolve()}",
        f"  API           {base}/api/v1   (try {base}/api/v1/health)",
        f"  web pages     {base}/",
        "",
        "Users and API tokens (shown again, newly issued, on every run):",
        f"  admin         {creds.tokens['admin']}",
        f"  supervisor    {creds.tokens['supervisor']}",
        f"                web password: {creds.supervisor_password}",
    ]
    for name in ENUMERATORS:
        lines.append(f"  {name:<13} {creds.tokens[name]}")
        lines.append(f"                assigned village: {creds.villages[name]}")
    lines += ["", "Set up a field laptop (one per enumerator):"]
    for name in ENUMERATORS:
        lines.append(f"  {_agent_command()} --home {folder / ('agent-' + name)} init "
                     f"--server {base} --token {creds.tokens[name]} --name {name}")
    lines += ["", "Stop the server with Ctrl+C; `make demo` again keeps this database "
              "(`make clean` starts over).", ""]
    return "\n".join(lines)


def _agent_command() -> str:
    """`verivali-agent` as this shell can run it: the venv's copy unless it is on PATH."""
    beside = Path(sys.executable).parent / "verivali-agent"
    if shutil.which("verivali-agent") == str(beside) or not beside.exists():
        return "verivali-agent"
    try:
        return str(beside.relative_to(Path.cwd()))
    except ValueError:
        return str(beside)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folder", default="demo", type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default=5000, type=int)
    parser.add_argument("--households", default=DEMO_HOUSEHOLDS, type=int)
    parser.add_argument("--fresh", action="store_true", help="throw the old demo away first")
    parser.add_argument("--no-serve", action="store_true",
                        help="prepare and print, but do not start the server")
    args = parser.parse_args(argv)
    creds = prepare(args.folder, fresh=args.fresh, count=args.households)
    print(banner(creds, args.host, args.port, args.folder), flush=True)
    if args.no_serve:
        return
    from server.cli import main as server_cli

    server_cli(["serve", "--host", args.host, "--port", str(args.port),
                "--database", database_url(args.folder)], prog_name="verivali-server")


if __name__ == "__main__":
    main()
