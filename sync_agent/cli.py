"""`verivali-agent`: the enumerator's laptop side of Verivali.

Each command is a few lines over the library. Heavy imports (requests, Flask,
APScheduler) happen inside the commands that need them, so `record` starts fast.
Failures a field laptop meets (no signal, revoked token, server trouble, a busy lock)
end the command with ONE line and a distinct exit code; nothing local is lost.
Long because it is the one list of the agent's commands, each with its options and help.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

import click

from schemas.enums import OUTCOME
from sync_agent import report
from sync_agent.errors import EXIT_BUNDLE, EXIT_INVALID, EXIT_LOCAL, EXIT_PIN, SyncError
from sync_agent.record_options import gps_option, photo_options


class AgentError(click.ClickException):
    """One line on stderr and a distinct exit code."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(" ".join(message.split()))
        # click declares exit_code a class constant; an agent error carries its own.
        self.exit_code = exit_code  # type: ignore[misc]


class AgentGroup(click.Group):
    """Turns the agent's known failures into one-line errors instead of tracebacks."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:
            known = _one_line_error(exc)
            if known is None:
                raise
            raise known from exc


def _one_line_error(exc: Exception) -> AgentError | None:
    import sqlcipher3

    from schemas.bundle import BundleError
    from sync_agent.store import StoreError
    from sync_agent.vault import VaultError

    if isinstance(exc, SyncError):
        return AgentError(str(exc), exc.exit_code)
    if isinstance(exc, BundleError):
        return AgentError(f"bundle refused: {exc}", EXIT_BUNDLE)
    if isinstance(exc, VaultError):
        return AgentError(str(exc), EXIT_PIN)
    if isinstance(exc, StoreError):
        return AgentError(str(exc), EXIT_LOCAL)
    if isinstance(exc, (sqlite3.Error, sqlcipher3.Error)):
        return AgentError(f"local store error: {exc}", EXIT_LOCAL)
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        return AgentError(f"file error: {exc.strerror or exc}{where}", EXIT_LOCAL)
    return None


def _home(ctx: click.Context) -> Path:
    home = ctx.obj.get("home") if ctx.obj else None
    if home is None:
        from sync_agent.platform import default_home

        home = default_home()
    return Path(home)


@click.group(cls=AgentGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of this laptop's agent data (default: the user's data folder; "
    "env VERIVALI_AGENT_HOME).",
)
@click.option(
    "--pin-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File whose first line is the PIN (else env VERIVALI_AGENT_PIN, else asked).",
)
@click.version_option(package_name="verivali")
@click.pass_context
def main(ctx: click.Context, home: Path | None, pin_file: Path | None) -> None:
    """Verivali field agent: verify DTSEN households offline, send visits when there is signal.

    \b
    First time on a laptop (the admin gives you the server address and your token):
      verivali-agent init --server http://SERVER:5000 --token vv_... --name budi
      verivali-agent pull        download your assigned households
    \b
    Every day:
      verivali-agent capture     open the visit form at http://127.0.0.1:5001
      verivali-agent sync        send visits and receive updates (needs signal)
      verivali-agent status      what waits to be sent, open flags, last sync
    \b
    No signal for weeks? Carry the visits on a USB stick:
      verivali-agent export-bundle visits.vvb   (the office imports it and gives
      verivali-agent import-ack ack.vvb          you back an acknowledgement)

    Visits are saved on this laptop the moment they are recorded and stay there until
    the server acknowledges them; a failed sync loses nothing, just run it again.
    """
    from sync_agent import pin

    ctx.ensure_object(dict)
    ctx.obj["home"] = home
    pin.use_pin_file(pin_file)


@main.command()
@click.option("--server", "server_url", required=True, metavar="URL",
              help="The server address the admin gave you, e.g. http://10.0.0.5:5000")
@click.option("--token", required=True, metavar="TOKEN", help="Your API token (vv_...).")
@click.option("--name", default=None, metavar="NAME",
              help="Your user name on the server; written into USB bundles.")
@click.pass_context
def init(ctx: click.Context, server_url: str, token: str, name: str | None) -> None:
    """Set this laptop up (or give it a new token). Keeps visits already recorded."""
    from sync_agent.home import initialise
    from sync_agent.preflight import check_token

    if not server_url.startswith(("http://", "https://")):
        raise click.BadParameter("must start with http:// or https://", param_hint="--server")
    accepted, checked = check_token(server_url, token)
    if not accepted:
        raise AgentError(checked, 4)  # the token-revoked exit code: the same fault
    store = initialise(_home(ctx), server_url, token, name)
    try:
        device_id = store.get("device_id")
    finally:
        store.close()
    click.echo(f"ready: device {device_id}, data in {_home(ctx)}")
    click.echo(checked, err=not checked.startswith("token checked"))
    click.echo("next: `verivali-agent pull` to download your assigned households")


def _run_sync(
    ctx: click.Context, action: str, batch_size: int, wait: float, retries: int
) -> None:
    from sync_agent import sync
    from sync_agent.home import make_client, open_initialised
    from sync_agent.report import terminal_line
    from sync_agent.scheduler import sync_lock

    home = _home(ctx)
    with sync_lock(home, wait):
        store = open_initialised(home)
        try:
            client = make_client(home, store, retries=retries)
            try:
                report = sync.run(store, client, action, batch_size=batch_size,
                                  progress=terminal_line if sys.stderr.isatty() else None)
            finally:
                client.close()
        finally:
            store.close()
    if sys.stderr.isatty():
        click.echo("", err=True)  # end the progress line
    click.echo(report.summary())
    if report.rejected:
        click.echo(
            f"note: {report.rejected} visit(s) rejected by the server; see `verivali-agent "
            "status` or the capture form to correct them", err=True,
        )


_batch = click.option("--batch-size", default=50, show_default=True,
                      type=click.IntRange(1, 500), help="Visits per request.")
_retries = click.option("--retries", default=4, show_default=True, type=click.IntRange(0, 20),
                        help="Retries (with growing pauses) on a dropped link or a busy server.")
_wait = click.option("--wait", default=0.0, type=click.FloatRange(min=0),
                     help="Seconds to wait when another sync is running (default: don't wait).")


@main.command()
@_batch
@_wait
@_retries
@click.pass_context
def push(ctx: click.Context, batch_size: int, wait: float, retries: int) -> None:
    """Send visits waiting in the outbox to the server."""
    _run_sync(ctx, "push", batch_size, wait, retries)


@main.command()
@_wait
@_retries
@click.pass_context
def pull(ctx: click.Context, wait: float, retries: int) -> None:
    """Download assigned households, assignments and flags changed since last time."""
    _run_sync(ctx, "pull", 50, wait, retries)


@main.command("sync")
@_batch
@_wait
@_retries
@click.pass_context
def sync_command(ctx: click.Context, batch_size: int, wait: float, retries: int) -> None:
    """Push, then pull: the one command to run whenever there is signal."""
    _run_sync(ctx, "sync", batch_size, wait, retries)


@main.command()
@click.option("--household", "household_id", metavar="ID", help="The household visited.")
@click.option("--outcome", type=click.Choice(OUTCOME), default=None,
              help="found (Ditemukan), not_found (Tidak Ditemukan), moved (Pindah), "
              "refused (Menolak).")
@click.option("--observed", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSON file: the household as seen at the door (default for `found`: "
              "the local copy, all confirmed).")
@click.option("--notes", default=None, help="Free-text notes.")
@click.option("--new", "new", is_flag=True,
              help="A new-household proposal (Usulan Baru); needs --observed.")
@click.option("--gps", default=None, metavar="LAT,LON[,ACC]", help="Position of the visit.")
@click.option("--started-at", default=None, metavar="TIMESTAMP",
              help="When the visit began (ISO 8601 with offset; default: now).")
@click.option("--photo", "photo_args", multiple=True, metavar="KIND=FILE",
              help="Attach a photo (repeatable, at most 8): KIND is house_front, "
              "house_inside, kk or other. Re-encoded (EXIF and GPS removed) before saving.")
@click.option("--photo-long-edge", default=1600, show_default=True,
              type=click.IntRange(320, 4096), help="Longest side of a kept photo, in pixels.")
@click.pass_context
def record(
    ctx: click.Context, household_id: str | None, outcome: str | None, observed: Path | None,
    notes: str | None, new: bool, gps: str | None, started_at: str | None,
    photo_args: tuple[str, ...], photo_long_edge: int,
) -> None:
    """Save one visit in the outbox (on disk before this returns); prints its survey_id."""
    from sync_agent.home import open_initialised
    from sync_agent.record import SurveyInvalid, record_survey

    if new:
        outcome = outcome or "found"
        if observed is None:
            raise click.UsageError("--new needs --observed FILE.json")
    elif not household_id or not outcome:
        raise click.UsageError("give --household ID and --outcome (or --new --observed FILE)")
    observed_value = None
    if observed is not None:
        try:
            observed_value = json.loads(observed.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise AgentError(f"survey not valid: {observed} is not JSON ({exc})", EXIT_INVALID) from exc
        if not isinstance(observed_value, dict):
            raise AgentError(f"survey not valid: {observed} must hold one JSON object", EXIT_INVALID)
    store = open_initialised(_home(ctx))
    try:
        survey = record_survey(
            store, household_id=household_id, outcome=outcome or "found",
            observed=observed_value, notes=notes, gps=gps_option(gps), new=new, started_at=started_at,
            photos=photo_options(photo_args), photo_long_edge=photo_long_edge,
        )
    except SurveyInvalid as exc:
        raise AgentError(f"survey not valid: {exc.one_line()}", EXIT_INVALID) from exc
    finally:
        store.close()
    click.echo(survey["survey_id"])


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Counts of visits waiting and acknowledged, open flags, and the last sync."""
    from sync_agent.home import open_initialised

    store = open_initialised(_home(ctx))
    try:
        data = report.status_data(store)
    finally:
        store.close()
    click.echo(json.dumps(data, indent=2) if as_json else report.status_text(data))


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def households(ctx: click.Context, as_json: bool) -> None:
    """Assigned households with their verification state and local visit state; with
    --json each also whole under "household" (a start for `record --observed`)."""
    from sync_agent.home import open_initialised

    store = open_initialised(_home(ctx))
    try:
        rows = store.assigned_households()
        if as_json:  # each household whole: what `record --observed FILE` starts from
            rows = [{**row, "household": _observable(store.household(row["household_id"]))}
                    for row in rows]
    finally:
        store.close()
    click.echo(json.dumps(rows, indent=2, ensure_ascii=False) if as_json
               else report.households_text(rows))


def _observable(household: dict[str, Any] | None) -> dict[str, Any] | None:
    """The pulled household as `observed` takes it (the version is the row's own)."""
    return {k: v for k, v in household.items() if k != "version"} if household else None


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def flags(ctx: click.Context, as_json: bool) -> None:
    """Open flags (Temuan) on your visits, as last pulled."""
    from sync_agent.home import open_initialised

    store = open_initialised(_home(ctx))
    try:
        rows = store.open_flags()
    finally:
        store.close()
    click.echo(json.dumps(rows, indent=2, ensure_ascii=False) if as_json
               else report.flags_text(rows))


@main.command()
@click.option("--interval", default=300.0, show_default=True, type=click.FloatRange(min=1),
              help="Seconds between syncs while the server is reachable.")
@click.option("--max-backoff", default=3600.0, show_default=True, type=click.FloatRange(min=1),
              help="Longest wait between attempts while offline.")
@_batch
@click.pass_context
def daemon(ctx: click.Context, interval: float, max_backoff: float, batch_size: int) -> None:
    """Sync on a schedule until stopped (Ctrl+C); backs off while offline."""
    from sync_agent.home import open_initialised
    from sync_agent.scheduler import make_daemon, run_blocking

    home = _home(ctx)
    open_initialised(home).close()
    click.echo(f"syncing every {interval:g}s (Ctrl+C to stop)")
    agent = make_daemon(home, interval, max_backoff, batch_size,
                        report=lambda line: click.echo(line, err=False))
    run_blocking(agent, tick_every=min(interval, 30.0))


@main.command()
@click.option("--port", default=5001, show_default=True, type=click.IntRange(1, 65535))
@click.option("--sync-every", default=0.0, type=click.FloatRange(min=0),
              help="Also sync in the background every N seconds (0: only by hand).")
@click.option("--idle-lock", default=10.0, show_default=True, type=click.FloatRange(min=0.01),
              help="Minutes without use after which the form locks and asks for the PIN.")
@click.pass_context
def capture(ctx: click.Context, port: int, sync_every: float, idle_lock: float) -> None:
    """Open the visit form (Formulir Kunjungan) on http://127.0.0.1:PORT (this laptop only)."""
    from waitress import serve

    from sync_agent import pin
    from sync_agent.capture import create_app
    from sync_agent.home import require_initialised
    from sync_agent.preflight import port_in_use

    home = _home(ctx)
    require_initialised(home)
    if busy := port_in_use(port):
        raise AgentError(busy, EXIT_LOCAL)
    pin.never_prompt()  # the form's page asks for the PIN, not this terminal
    app = create_app(home, {"IDLE_LOCK_SECONDS": idle_lock * 60})
    scheduler = None
    if sync_every > 0:
        from sync_agent.scheduler import make_daemon, start_background

        scheduler = start_background(
            make_daemon(home, sync_every, 3600.0, report=lambda line: click.echo(line)),
            tick_every=min(sync_every, 30.0),
        )
    click.echo(f"Formulir Kunjungan: http://127.0.0.1:{port}/  (Ctrl+C untuk berhenti)")
    try:
        serve(app, host="127.0.0.1", port=port, threads=4, ident="verivali-agent")
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)


def _register_more_commands() -> None:
    from sync_agent.cli_bundle import export_bundle, import_ack
    from sync_agent.cli_keys import change_pin, recover

    for command in (export_bundle, import_ack, change_pin, recover):
        main.add_command(command)


_register_more_commands()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
