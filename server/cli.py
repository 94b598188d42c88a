"""`verivali-server`: set up and run a regency's central server.

Each command is a thin call into the library; errors an admin can fix become one
clear line (click.ClickException), never a traceback.
"""

from __future__ import annotations

import functools
import getpass
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from marshmallow import ValidationError
from sqlalchemy import Engine

from schemas import normalize_region_prefix
from server.services import accounts, assignments
from server.settings import Settings, SettingsError, load_settings
from server.store.db import make_engine
from server.store.schema import create_all


def database_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """`--database URL` on every command that touches the store."""

    @click.option(
        "--database",
        "database",
        default=None,
        metavar="URL",
        help="SQLAlchemy URL (default: sqlite file verivali.db in the current folder; "
        "env VERIVALI_DATABASE_URL).",
    )
    @functools.wraps(command)
    def wrapped(*args: Any, database: str | None, **kwargs: Any) -> Any:
        return command(*args, database=settings_for(database).database_url, **kwargs)

    return wrapped


def settings_for(database: str | None) -> Settings:
    """The environment's settings, with `--database` (when given) winning over its variable."""
    try:
        return load_settings(database_url=database)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


def engine_for(url: str) -> Engine:
    return make_engine(url)


def _regions(values: tuple[str, ...]) -> list[str]:
    try:
        return [normalize_region_prefix(v) for v in values]
    except ValidationError as exc:
        raise click.BadParameter(" ".join(exc.messages), param_hint="--region") from exc


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="verivali")
def main() -> None:
    """Verivali central server: the registry, surveys, flags and review.

    Typical first run for a regency:

    \b
      verivali-server init
      verivali-server import-registry regency.jsonl
      verivali-server users add admin1 --role admin
      verivali-server users add budi --role enumerator --region 181101
      verivali-server assign --enumerator budi --region 1811012001
      verivali-server serve
    """


@main.command()
@click.option(
    "--after-restore",
    is_flag=True,
    help="The database was just restored from a backup: give it a new identity, so every "
    "laptop pulls afresh and sends its acknowledged surveys again (docs/deployment.md).",
)
@database_option
def init(after_restore: bool, database: str) -> None:
    """Create the database, or upgrade it to this release's schema."""
    create_all(engine_for(database), new_instance=after_restore)
    if after_restore:
        click.echo("new database identity: laptops will pull afresh and resend", err=True)
    click.echo("database ready")


@main.command("import-registry")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--actor", default=None,
              help="Name recorded as the author of new versions (default: your OS user name).")
@click.option("--rejects", "rejects_path", default=None,
              type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Also write the rejected rows to this CSV file (line, household_id, "
              "field, message).")
@click.option("--workers", default=None, type=click.IntRange(min=0),
              help="Validating processes (0: none; default: 2 for large files).")
@database_option
def import_registry(
    file: Path, actor: str | None, rejects_path: Path | None, workers: int | None, database: str
) -> None:
    """Import households from FILE: .jsonl (one household a line) or .csv (one member a row).

    Every household is validated; the good ones are stored, each rejected one is listed
    with its line, field and reason (never its values). Importing the same file again
    changes nothing; a household whose content changed gets a new version (source
    `import`). Prints imported, updated, unchanged and rejected counts last. Exits
    non-zero only when the file cannot be read at all (missing, empty, not UTF-8).
    See docs/data-shapes.md for the two formats.
    """
    from server.services.registry_import.formats import ImportFileError
    from server.services.registry_import.progress import run_import

    try:
        run_import(engine_for(database), file, actor=actor, rejects_path=rejects_path,
                   workers=workers)
    except ImportFileError as exc:
        raise click.ClickException(str(exc)) from exc


@main.command("demo-data")
@click.argument("out", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--households", "count", default=2000, show_default=True,
              type=click.IntRange(min=1), help="How many households.")
@click.option("--seed", default=1811, show_default=True, type=int,
              help="Same seed, same regency.")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default=None,
              help="File format (default: from OUT's extension, else jsonl).")
@click.option("--faults/--no-faults", default=True, show_default=True,
              help="Plant a few deliberate data faults (about 1 household in 64).")
def demo_data(out: Path, count: int, seed: int, fmt: str | None, faults: bool) -> None:
    """Write a synthetic regency (Kabupaten Mesuji, 1811) to OUT, ready for import-registry.

    No real person is in it: names, NIKs and family cards are made up, villages are real.
    """
    from server.demo.data import generate_households
    from server.services.registry_import.files import write_jsonl, write_member_csv

    fmt = fmt or ("csv" if out.suffix.lower() == ".csv" else "jsonl")
    households = generate_households(count, seed=seed, faults=faults)
    writer = write_member_csv if fmt == "csv" else write_jsonl
    written = writer(households, out)
    click.echo(f"wrote {written} households to {out} ({fmt})")


def operator() -> str:
    """Who runs the command, for the audit trail: the OS account, as the import records."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@main.group()
def users() -> None:
    """Manage users: enumerators, supervisors and admins."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(accounts.ROLES), required=True)
@click.option(
    "--region",
    "regions",
    multiple=True,
    help="Region code prefix the user covers (repeatable): 1811 = the regency, "
    "181101 = a district, 1811012001 = a village. Dots allowed.",
)
@database_option
def users_add(name: str, role: str, regions: tuple[str, ...], database: str) -> None:
    """Create a user and print the API token (last line, shown once)."""
    region_list = _regions(regions)
    if role == "supervisor" and not region_list:
        raise click.UsageError("a supervisor needs at least one --region")
    try:
        token = accounts.create_user(engine_for(database), operator(), name, role, region_list)
    except accounts.UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created {role} {name}", err=True)
    click.echo(token)


@users.command("list")
@database_option
def users_list(database: str) -> None:
    """List users with role, regions and whether their token is active."""
    for user in accounts.list_users(engine_for(database)):
        token_state = "token active" if user["token_hash"] else "token revoked"
        regions = ",".join(user["regions"]) or "-"
        click.echo(f"{user['name']}\t{user['role']}\t{regions}\t{token_state}")


@users.command("revoke")
@click.argument("name")
@database_option
def users_revoke(name: str, database: str) -> None:
    """Revoke a user's API token at once (a lost or stolen laptop)."""
    try:
        accounts.revoke_token(engine_for(database), operator(), name)
    except accounts.UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"token of {name} revoked")


@users.command("rotate-token")
@click.argument("name")
@database_option
def users_rotate(name: str, database: str) -> None:
    """Issue a new API token for a user (the old one stops working); prints it last."""
    try:
        token = accounts.rotate_token(engine_for(database), operator(), name)
    except accounts.UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(token)


@users.command("passwd")
@click.argument("name")
@click.password_option(help="The web sign-in password (at least 10 characters).")
@database_option
def users_passwd(name: str, password: str, database: str) -> None:
    """Set a user's password for the supervisor web pages."""
    try:
        accounts.set_password(engine_for(database), operator(), name, password)
    except accounts.UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"password of {name} set")


@main.command()
@click.option("--enumerator", required=True, help="The enumerator's user name.")
@click.option("--region", "regions", multiple=True, help="Assign every household in this region.")
@click.option("--household", "household_ids", multiple=True, help="Assign one household by id.")
@database_option
def assign(
    enumerator: str, regions: tuple[str, ...], household_ids: tuple[str, ...], database: str
) -> None:
    """Assign households to an enumerator, by region prefix or by id (repeatable)."""
    if not regions and not household_ids:
        raise click.UsageError("give at least one --region or --household")
    region_list = _regions(regions)
    try:
        assigned = assignments.assign_from_cli(engine_for(database), operator(), enumerator,
                                                region_list, list(household_ids))
    except assignments.UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{assigned.created} household(s) newly assigned to {enumerator} "
               f"({assigned.matched} matched)")


@main.command()
@click.option("--as-of", "as_of", default=None, help="Date the rules are judged at (YYYY-MM-DD).")
@click.option("--workers", default=None, type=click.IntRange(min=0),
              help="Processes running the rules (0: none; default: 2 for a large registry).")
@database_option
def scan(as_of: str | None, workers: int | None, database: str) -> None:
    """Run the data-quality rules over every household; raise flags not already open."""
    from datetime import date

    from server.services.scan import scan_registry

    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError as exc:
        raise click.BadParameter("use YYYY-MM-DD", param_hint="--as-of") from exc
    report = scan_registry(engine_for(database), day, workers=workers)
    click.echo(
        f"scanned {report.households} households: {report.raised} flags raised, "
        f"{report.kept} already open, {report.closed} closed, "
        f"{report.decided} already decided"
    )


@main.command("import-bundle")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--ack",
    "ack_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write a signed acknowledgement file for `verivali-agent import-ack`.",
)
@database_option
def import_bundle(file: Path, ack_file: Path | None, database: str) -> None:
    """Ingest a USB bundle from a field laptop, exactly like a push (idempotent)."""
    from server.services.bundles import BundleError
    from server.services.bundles import import_bundle as ingest_bundle
    from server.settings import blob_folder

    try:
        imported = ingest_bundle(engine_for(database), file.read_bytes(),
                                 blob_folder(load_settings().blob_dir, database))
    except BundleError as exc:
        raise click.ClickException(f"bundle refused: {exc}") from exc
    for result in imported.results:
        detail = result["state"] or "; ".join(
            f"{path}: {' '.join(msgs)}" for path, msgs in sorted((result["errors"] or {}).items())
        )
        click.echo(f"{result['survey_id']}\t{result['status']}\t{detail}")
    counts = imported.counts()
    photos = imported.photos or {"received": [], "refused": {}}
    click.echo(
        f"bundle of {imported.user} (device {imported.device_id}): "
        f"{counts['accepted']} accepted, {counts['duplicate']} duplicate, "
        f"{counts['rejected']} rejected; photos {len(photos['received'])} received, "
        f"{len(photos['refused'])} refused",
        err=True,
    )
    if ack_file is not None:
        ack_file.write_bytes(imported.ack)
        click.echo(f"acknowledgement written to {ack_file}", err=True)
    else:
        click.echo("warning: no acknowledgement written (use --ack FILE): the laptop keeps "
                   "these visits as waiting until it syncs or imports one", err=True)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int,
              help="Request threads (per worker with --workers).")
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(min=2),
    help="Run gunicorn with this many worker processes (2 or more; PostgreSQL "
    "deployments, see docs/deployment.md). Without it: waitress, one process.",
)
@click.option(
    "--nightly-scan/--no-nightly-scan",
    default=True,
    show_default=True,
    help="Run the registry scan every night at 01:00 (server local time).",
)
@database_option
def serve(
    host: str, port: int, threads: int, workers: int | None, nightly_scan: bool, database: str
) -> None:
    """Run the server: waitress in one process (also on Windows), or gunicorn with --workers."""
    from server.serving.malloc import cap_arenas

    settings = settings_for(database)
    cap_arenas()  # before any thread starts; gunicorn's workers inherit it
    if workers is not None:
        _serve_with_gunicorn(settings, host, port, workers, threads, nightly_scan)
        return
    from waitress import serve as waitress_serve

    from server.app import create_app
    from server.serving.nightly import start_nightly_scan

    app = create_app(settings)
    scheduler = start_nightly_scan(app.extensions["verivali_engine"]) if nightly_scan else None
    click.echo(f"Verivali server on http://{host}:{port}/ (Ctrl+C to stop)", err=True)
    try:
        # 256 KB reads: a photo chunk arrives in a few reads, not dozens of 8 KB ones.
        waitress_serve(app, host=host, port=port, threads=threads, ident="verivali",
                       recv_bytes=256 * 1024)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)


def _serve_with_gunicorn(
    settings: Settings, host: str, port: int, workers: int, threads: int, nightly_scan: bool
) -> None:
    if settings.database_url.startswith("sqlite"):
        click.echo("note: several workers on SQLite take turns writing; PostgreSQL lets "
                   "them write side by side", err=True)
    try:
        from server.serving.gunicorn import serve_with_gunicorn
    except ImportError as exc:  # gunicorn is in the `postgres` extra, and not on Windows
        raise click.ClickException(
            "--workers needs gunicorn: pip install 'verivali[postgres]'"
        ) from exc
    click.echo(f"Verivali server on http://{host}:{port}/ with {workers} gunicorn workers",
               err=True)
    serve_with_gunicorn(settings, host=host, port=port, workers=workers, threads=threads,
                        nightly_scan=nightly_scan)


def _register_more_commands() -> None:
    import server.cli_devices  # noqa: F401  (adds `users mark-lost`, `users recovery-code`)


_register_more_commands()


if __name__ == "__main__":
    main()
