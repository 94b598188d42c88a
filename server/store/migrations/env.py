"""Alembic's entry point for the central store's migrations.

Run through `server.store.migrate` (what `verivali-server init` calls), which hands over
an open connection in `config.attributes["connection"]`; `tables.metadata` is the
target, so `alembic check` and the drift test compare migrations with `tables.py`.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from server.store.db import make_engine
from server.store.tables import metadata

config = context.config


def _configure(connection: Connection | None = None, url: str | None = None,
               literal_binds: bool = False) -> None:
    context.configure(
        connection=connection,
        url=url,
        literal_binds=literal_binds,
        target_metadata=metadata,
        compare_type=True,
        # SQLite cannot ALTER most things in place: batch mode rebuilds the table.
        render_as_batch=True,
    )


def run_offline() -> None:
    """`--sql` mode: print the DDL for a DBA instead of running it."""
    _configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    try:
        with engine.begin() as conn:
            _configure(conn)
            context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
