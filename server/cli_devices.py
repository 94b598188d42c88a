"""`verivali-server users mark-lost` and `users recovery-code`: a lost or a locked laptop.

Registered on the `users` group by `server.cli`; each a thin call into
`server.services.lost_devices`, which audits it.
"""

from __future__ import annotations

import click

from server.cli import database_option, engine_for, operator, users
from server.services import accounts, lost_devices


@users.command("mark-lost")
@click.argument("name")
@database_option
def users_mark_lost(name: str, database: str) -> None:
    """Mark an enumerator's laptop lost: its token only hands in pending visits, then the
    laptop wipes its data. `rotate-token` gives the enumerator a token for a new laptop."""
    try:
        lost_devices.mark_lost(engine_for(database), operator(), name)
    except accounts.UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"token of {name} marked lost: pending visits are still taken, then the laptop "
               "wipes its data")


@users.command("recovery-code")
@click.argument("name")
@click.option("--device", "device_id", default=None, metavar="ID",
              help="The laptop's device id (needed when the user has more than one).")
@database_option
def users_recovery_code(name: str, device_id: str | None, database: str) -> None:
    """A one-time code (valid 24 h) that opens a laptop locked by 5 wrong PINs; prints it last."""
    try:
        device, code = lost_devices.issue_recovery_code(
            engine_for(database), operator(), name, device_id)
    except accounts.UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"laptop {device}: give the enumerator this code for "
               "`verivali-agent recover --code CODE`")
    click.echo(code)
