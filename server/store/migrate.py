"""Schema migrations (Alembic) for SQLite and PostgreSQL alike.

`upgrade()` is what `verivali-server init` runs: it makes an empty database current and
brings one made by an older release up to this release's schema, keeping its data. The
revisions live in `migrations/versions/`; `tables.py` stays the source of truth for the
code, and `drift()` (a test runs it) says where the two disagree.

Making a new revision after changing `tables.py` (see docs/developing.md):

    python -m server.store.migrate revision "add households.hamlet"
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

from server.store.tables import metadata

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

# The first revision is the schema of the releases made before migrations existed
# (`metadata.create_all`): a database of theirs is stamped with it, then upgraded.
BASELINE = "0001"

# Two-key advisory lock (classid/objid) serialising concurrent `init` runs on PostgreSQL.
_LOCK_KEYS = (0x5645, 0x4D49)


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, target: str = "head") -> tuple[str | None, str | None]:
    """Bring the database to `target`; returns (revision before, revision after).

    One transaction: on PostgreSQL a failed step leaves the database as it was (its DDL
    is transactional), and two `init` runs at once queue on an advisory lock.
    """
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:a, :b)"),
                         {"a": _LOCK_KEYS[0], "b": _LOCK_KEYS[1]})
        before = current_revision(conn)
        config = alembic_config(conn)
        if before is None and _made_before_migrations(conn):
            command.stamp(config, BASELINE)
            before = BASELINE
        command.upgrade(config, target)
        after = current_revision(conn)
    return before, after


def _made_before_migrations(conn: Connection) -> bool:
    """Tables of ours without Alembic's bookkeeping: made by `create_all` (release 0.1)."""
    names = set(inspect(conn).get_table_names())
    return "meta" in names and "alembic_version" not in names


def drift(conn: Connection) -> list[Any]:
    """Differences between `tables.py` and the migrated database (empty when in step)."""
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return compare_metadata(context, metadata)


def make_revision(message: str) -> Path:
    """Autogenerate the next revision from `tables.py` against a scratch SQLite at head.

    Read the result before committing it: autogenerate misses renames (it sees a drop and
    an add) and server-side defaults; data moves are written by hand.
    """
    from server.store.db import make_engine

    scripts = ScriptDirectory.from_config(alembic_config())
    head = scripts.get_current_head() or "0000"
    next_id = f"{int(head) + 1:04d}"
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'scratch.db'}")
        try:
            upgrade(engine)
            with engine.begin() as conn:
                config = alembic_config(conn)
                script = command.revision(config, message, autogenerate=True, rev_id=next_id)
        finally:
            engine.dispose()
    assert script is not None and not isinstance(script, list)
    return Path(script.path)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "revision":
        print('usage: python -m server.store.migrate revision "what changed"', file=sys.stderr)
        return 2
    print(make_revision(argv[1]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
