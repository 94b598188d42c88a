"""`verivali-agent export-bundle` and `import-ack`: visits carried on a USB stick."""

from __future__ import annotations

from pathlib import Path

import click


def _home(ctx: click.Context) -> Path:
    from sync_agent.cli import _home as home_of

    return home_of(ctx)


@click.command("export-bundle")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def export_bundle(ctx: click.Context, file: Path) -> None:
    """Write every visit not yet acknowledged into FILE, for a USB stick."""
    from sync_agent import photo_outbox
    from sync_agent.bundle import export_bundle as export
    from sync_agent.home import open_initialised

    home = _home(ctx)
    store = open_initialised(home)
    try:
        if not store.pending_count() and not photo_outbox.waiting_ids(store):
            click.echo("nothing waiting to be sent: no bundle written")
            return
        bundle_id, count = export(home, store, file)
    finally:
        store.close()
    click.echo(f"{count} visit(s) written to {file} (bundle {bundle_id})")
    click.echo("they stay waiting here until an acknowledgement or a sync confirms them", err=True)


@click.command("import-ack")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def import_ack(ctx: click.Context, file: Path) -> None:
    """Apply the office's acknowledgement FILE: marks what arrived at the server."""
    from sync_agent.bundle import import_ack as apply_ack
    from sync_agent.home import open_initialised

    home = _home(ctx)
    store = open_initialised(home)
    try:
        report = apply_ack(home, store, file)
    finally:
        store.close()
    click.echo(
        f"{report.acknowledged} acknowledged, {report.rejected} rejected, "
        f"{report.unchanged} already known; photos {report.photos_received} received, "
        f"{report.photos_refused} refused"
    )
