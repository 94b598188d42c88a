"""`verivali-agent change-pin` and `recover`: the PIN that opens the store (docs/agent.md).

`recover` is for a store locked by five wrong PINs: the admin's one-time code releases
the laptop's escrowed recovery key, which opens the store under a new PIN. Nothing in
the outbox is touched either way.
"""

from __future__ import annotations

from pathlib import Path

import click

NEW_PIN_ENV = "VERIVALI_AGENT_NEW_PIN"


def _home(ctx: click.Context) -> Path:
    from sync_agent.cli import _home as home_of

    return home_of(ctx)


def _new_pin(new_pin_file: Path | None) -> str:
    from sync_agent import pin, platform

    if platform.setting(NEW_PIN_ENV):
        return platform.setting(NEW_PIN_ENV)
    if new_pin_file is not None:
        pin.use_pin_file(new_pin_file)
        platform.drop_setting(pin.PIN_ENV)
    return pin.obtain("New PIN (at least 6 characters): ", confirm=True)


@click.command("change-pin")
@click.option("--new-pin-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help=f"File holding the new PIN (else env {NEW_PIN_ENV}, else asked).")
@click.pass_context
def change_pin(ctx: click.Context, new_pin_file: Path | None) -> None:
    """Give the store a new PIN (the current one is asked first). Nothing is re-encrypted."""
    from sync_agent import vault
    from sync_agent.unlock import data_key

    home = _home(ctx)
    key, _ = data_key(home)
    vault.change_pin(home, key, _new_pin(new_pin_file))
    click.echo("PIN changed")


@click.command()
@click.option("--code", required=True, metavar="CODE",
              help="The one-time recovery code the admin gave you (valid 24 hours).")
@click.option("--retries", default=2, show_default=True, type=click.IntRange(0, 20))
@click.pass_context
def recover(ctx: click.Context, code: str, retries: int) -> None:
    """Open a store locked by 5 wrong PINs, with the admin's code; sets a new PIN."""
    from sync_agent import vault
    from sync_agent.client import Client
    from sync_agent.store import open_store
    from sync_agent.unlock import RECOVERY_KEY

    home = _home(ctx)
    known = vault.public(home)
    if not known.get("server_url") or not known.get("device_id"):
        raise vault.VaultError("this laptop never finished `init`: nothing to recover")
    client = Client(known["server_url"], "", known["device_id"], retries=retries)
    try:
        recovery_key = vault.decode_key(client.recover(code.strip()))
    finally:
        client.close()
    key, new_recovery = vault.recover(home, recovery_key, _new_pin(None))
    with open_store(home, key) as store:
        with store.write():
            store.put(RECOVERY_KEY, vault.encode_key(new_recovery))  # escrowed at next sync
        waiting = store.pending_count()
    click.echo(f"store opened with the new PIN; {waiting} visit(s) waiting to be sent, none lost")
