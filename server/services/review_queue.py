"""Antrian Temuan: one page of a scope's flags, the counts per rule and per village,
read together so the figures agree with the rows.

The counts of open flags are kept per household and village (`server.store.flag_counts`):
each view first recounts what changed since the last one, then reads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from server.store import flag_counts
from server.store.db import reading, transaction
from server.store.flags import decode_cursor as decode_cursor
from server.store.pages import queue as queries
from server.store.pages.queue import QUEUE_STATUSES as QUEUE_STATUSES
from server.store.pages.queue import QueueFilter as QueueFilter
from server.store.pages.queue import QueuePage


@dataclass
class HouseholdQueue:
    rows: list[dict[str, Any]]  # household_id, region_code, errors, warnings, notes, oldest, head_name
    total: int  # households under the filter
    counts: dict[str, int]
    villages: list[tuple[str, int]]


@dataclass
class Queue:
    page: QueuePage
    counts: dict[str, int]
    villages: list[tuple[str, int]]
    names: dict[str, dict[str, str]]  # household_id → member_id → name, for the places


def queue(engine: Engine, prefixes: list[str] | None, flt: QueueFilter, *,
          after: tuple[str, str] | None, before: tuple[str, str] | None,
          limit: int) -> Queue:
    _refresh(engine)
    with reading(engine) as conn:
        found = queries.page(conn, prefixes, flt, after=after, before=before, limit=limit)
        return Queue(
            found,
            queries.counts_by_rule(conn, prefixes, flt),
            queries.villages(conn, prefixes, flt.status),
            queries.member_names(conn, sorted({r["household_id"] for r in found.rows})),
        )


def by_household(engine: Engine, prefixes: list[str] | None, flt: QueueFilter, *,
                 offset: int, limit: int) -> HouseholdQueue:
    """The queue one row per household, most severe first, with the same counts."""
    _refresh(engine)
    with reading(engine) as conn:
        rows, total = queries.households_page(conn, prefixes, flt, offset=offset, limit=limit)
        return HouseholdQueue(rows, total, queries.counts_by_rule(conn, prefixes, flt),
                              queries.villages(conn, prefixes, flt.status))


def _refresh(engine: Engine) -> None:
    # The flags changed since the last view (a few while the field works; every
    # household with flags once after an upgrade), in a write of their own as the
    # dashboard does: the reads that follow take no lock.
    with transaction(engine) as conn:
        flag_counts.refresh(conn)
