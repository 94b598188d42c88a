"""`make demo`: a working regency on this machine in one command, then the server.

    python -m server.demo.setup --folder demo --host 127.0.0.1 --port 5000

The first run makes `FOLDER/verivali.db` (embedded SQLite), imports a synthetic
Kabupaten Mesuji of about 2,000 households (`data`), creates the users `admin`,
`supervisor` (region 1811, with a web password) and the enumerators `enum1` and
`enum2`, each assigned every household of one village, runs the registry rules (the
scan) so the review queue has work, and then serves.

Running it again keeps the demo database and whatever was done in it (visits pushed,
flags decided), and its tokens and passwords: laptops set up against the demo keep
working. The server stores tokens and passwords only as hashes, so the demo keeps the
ones it printed in `FOLDER/credentials.json` (readable by this user only; synthetic
data). `--fresh` (`make demo-reset`) starts from scratch with new ones.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from server.demo.data import generate_households
from server.demo.visits import record_demo_visits
from server.services.registry_import.files import write_jsonl
from server.services.registry_import.run import import_registry
from server.services.scan import scan_registry
from server.store import assignments as assignment_store
from server.store import households as household_store
from server.store import users as user_store
from server.store.db import make_engine, reading, transaction
from server.store.schema import create_all

DEMO_HOUSEHOLDS = 2000
DEMO_SEED = 1811
REGENCY = "1811"
ENUMERATORS = ("enum1", "enum2")


@dataclass
class Credentials:
    tokens: dict[str, str]
    supervisor_password: str
    villages: dict[str, str]
    admin_password: str = ""


def database_url(folder: Path) -> str:
    return f"sqlite:///{(folder / 'verivali.db').resolve()}"


def prepare(folder: Path, *, fresh: bool = False, count: int = DEMO_HOUSEHOLDS) -> Credentials:
    """Build the demo database in `folder` (or reuse it) and return fresh credentials."""
    folder.mkdir(parents=True, exist_ok=True)
    if fresh:
        for stale in [*folder.glob("verivali.db*"), folder / CREDENTIALS]:
            stale.unlink(missing_ok=True)
    engine = make_engine(database_url(folder))
    try:
        create_all(engine)
        with reading(engine) as conn:
            built = user_store.by_name(conn, "admin") is not None
        if not built:
            _build(engine, folder, count)
        kept = _kept_credentials(engine, folder) if built else None
        if kept is not None:
            return kept
        creds = _credentials(engine)
        _keep(creds, folder)
        return creds
    finally:
        engine.dispose()


CREDENTIALS = "credentials.json"


def _keep(creds: Credentials, folder: Path) -> None:
    """Write the demo's credentials for the next run, readable by this user only."""
    path = folder / CREDENTIALS
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(creds.__dict__, handle, indent=2)


def _kept_credentials(engine: Engine, folder: Path) -> Credentials | None:
    """The credentials of the last run, if they still open the demo; else None."""
    try:
        creds = Credentials(**json.loads((folder / CREDENTIALS).read_text()))
    except (OSError, ValueError, TypeError):
        return None
    with reading(engine) as conn:
        tokens_work = all(
            (user := user_store.by_token(conn, token)) is not None and user["name"] == name
            for name, token in creds.tokens.items())
        if not (tokens_work and creds.admin_password
                and user_store.check_password(conn, "admin", creds.admin_password)
                and user_store.check_password(conn, "supervisor", creds.supervisor_password)):
            return None
    return creds


def _build(engine: Engine, folder: Path, count: int) -> None:
    source = folder / "mesuji-demo.jsonl"
    write_jsonl(generate_households(count, seed=DEMO_SEED, regency=REGENCY), source)
    report = import_registry(engine, source, actor="demo")
    print(f"demo regency: {report.summary()}")
    scanned = scan_registry(engine)
    print(f"registry rules: {scanned.raised} findings for the review queue")
    with transaction(engine) as conn:
        user_store.create(conn, "admin", "admin", [])
        user_store.create(conn, "supervisor", "supervisor", [REGENCY])
        # The villages with the most households: a full day's work for each enumerator.
        villages = household_store.busiest_regions(conn, len(ENUMERATORS))
        for name, village in zip(ENUMERATORS, villages, strict=True):
            user_store.create(conn, name, "enumerator", [village])
            user = user_store.by_name(conn, name)
            assert user is not None
            ids = assignment_store.households_in_regions(conn, [village])
            assignment_store.assign_households(conn, user["user_id"], ids)
    print(f"demo visits: {record_demo_visits(engine)} by enum1, with differences to review")


def _credentials(engine: Engine) -> Credentials:
    password = "demo-" + secrets.token_urlsafe(9)
    admin_password = "demo-" + secrets.token_urlsafe(9)
    names = ("admin", "supervisor", *ENUMERATORS)
    with transaction(engine) as conn:
        tokens = {name: user_store.rotate_token(conn, name) for name in names}
        user_store.set_password(conn, "supervisor", password)
        user_store.set_password(conn, "admin", admin_password)
        villages = {}
        for name in ENUMERATORS:
            user = user_store.by_name(conn, name)
            assert user is not None
            found = assignment_store.assigned_villages(conn, user["user_id"])
            villages[name] = ", ".join(sorted(found)) or "-"
    return Credentials(tokens, password, villages, admin_password)


def banner(creds: Credentials, host: str, port: int, folder: Path) -> str:
    base = f"http://{host}:{port}"
    lines = [
        "",
        "Verivali demo: Kabupaten Mesuji (1811), synthetic data",
        f"  database      {(folder / 'verivali.db').resolve()}",
        f"  API           {base}/api/v1   (try {base}/api/v1/health)",
        f"  web pages     {base}/",
        "",
        "Users and API tokens (kept for the next `make demo`; `make demo-reset` renews them):",
        f"  admin         {creds.tokens['admin']}",
        f"                web password: {creds.admin_password}",
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
    lines.append("  (`init` asks twice for the laptop's PIN, at least 6 characters; scripts set "
                 "VERIVALI_AGENT_PIN)")
    lines += ["", "Set up a phone (ODK Collect or KoboCollect; docs/phones.md): server URL"]
    for name in ENUMERATORS:
        lines.append(f"  {name:<13} {base}/key/{creds.tokens[name]}")
    lines.append("  or scan the QR code an admin sees on the user's page after *Token baru*")
    lines += ["", "Stop the server with Ctrl+C; `make demo` again keeps this database and "
              "these credentials (`make demo-reset` starts over).", ""]
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
