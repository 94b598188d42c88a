"""Which villages the server holds households in: what a region picker offers an admin
whose scope is everything, and how a code the Kemendagri list lacks is still known."""

from __future__ import annotations

from sqlalchemy import Engine

from server.store import progress
from server.store.db import reading


def villages(engine: Engine) -> list[str]:
    with reading(engine) as conn:
        return progress.known_villages(conn)
