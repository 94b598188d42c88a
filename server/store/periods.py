"""The monthly cycle's rows: accepted decisions of a village by time, frozen village
lists, and the regency's approvals (docs/musdes.md)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, select

from server.store import jsoncol
from server.store.flags import to_dict
from server.store.tables import flags, households, period_approvals, period_villages

FROZEN_STATES = ("ratified", "sptjm", "approved")


def accepted_flags(conn: Connection, village_code: str, rules: tuple[str, ...],
                   start: str, end: str) -> list[dict[str, Any]]:
    """The village's flags accepted in [start, end) of `rules`, oldest decision first."""
    rows = conn.execute(
        select(flags)
        .where(flags.c.status == "accepted", flags.c.region_code == village_code,
               flags.c.rule.in_(rules), flags.c.resolved_at >= start,
               flags.c.resolved_at < end)
        .order_by(flags.c.resolved_at, flags.c.flag_id)
    ).mappings()
    return [to_dict(row) for row in rows]


def villages_with_acceptances(conn: Connection, regency_code: str, rules: tuple[str, ...],
                              start: str, end: str) -> list[str]:
    """The villages of a regency holding a flag of `rules` accepted in [start, end)."""
    rows = conn.execute(
        select(flags.c.region_code).distinct()
        .where(flags.c.status == "accepted", flags.c.region_code.startswith(regency_code),
               flags.c.rule.in_(rules), flags.c.resolved_at >= start,
               flags.c.resolved_at < end)
        .order_by(flags.c.region_code)
    )
    return [r.region_code for r in rows]


def registry_villages(conn: Connection, regency_code: str) -> list[str]:
    """The villages of a regency the registry holds households in."""
    rows = conn.execute(
        select(households.c.region_code).distinct()
        .where(households.c.region_code.startswith(regency_code))
        .order_by(households.c.region_code)
    )
    return [r.region_code for r in rows]


def frozen_flag_ids(conn: Connection, village_code: str) -> dict[str, set[str]]:
    """The flag ids each of a village's frozen lists holds, by period."""
    rows = conn.execute(
        select(period_villages.c.period, period_villages.c.listing)
        .where(period_villages.c.village_code == village_code)
    )
    return {r.period: {f for entry in jsoncol.loads(r.listing) for f in entry["flag_ids"]}
            for r in rows}


def get_village(conn: Connection, period: str, village_code: str,
                *, for_update: bool = False) -> dict[str, Any] | None:
    query = select(period_villages).where(period_villages.c.period == period,
                                          period_villages.c.village_code == village_code)
    row = conn.execute(query.with_for_update() if for_update else query).mappings().first()
    return _village(row) if row else None


def _village(row: Any) -> dict[str, Any]:
    return {**row, "listing": jsoncol.loads(row["listing"])}


def freeze(conn: Connection, row: dict[str, Any]) -> None:
    """A village's list frozen; a second freeze of the same list fails on the key."""
    conn.execute(period_villages.insert().values(
        **{**row, "listing": jsoncol.dumps(row["listing"])}))


def set_document(conn: Connection, period: str, village_code: str, sha256: str) -> bool:
    """Keep the first printed berita acara of a frozen list; whether this one is it."""
    result = conn.execute(
        period_villages.update()
        .where(period_villages.c.period == period,
               period_villages.c.village_code == village_code,
               period_villages.c.document_sha256.is_(None))
        .values(document_sha256=sha256)
    )
    return result.rowcount == 1


def frozen_villages(conn: Connection, period: str, regency_code: str) -> dict[str, str]:
    """The regency's frozen lists of a period: village code → state."""
    rows = conn.execute(
        select(period_villages.c.village_code, period_villages.c.state)
        .where(period_villages.c.period == period,
               period_villages.c.village_code.startswith(regency_code))
    )
    return {r.village_code: r.state for r in rows}


def stream_frozen(conn: Connection, period: str, regency_code: str
                  ) -> Iterator[dict[str, Any]]:
    """The regency's frozen lists of a period, one village at a time, by code."""
    # The option on this statement only: set on the connection it would stream the
    # approval's later INSERTs too (a server-side cursor on PostgreSQL).
    result = conn.execute(
        select(period_villages)
        .where(period_villages.c.period == period,
               period_villages.c.village_code.startswith(regency_code))
        .order_by(period_villages.c.village_code),
        execution_options={"yield_per": 20},
    ).mappings()
    for row in result:
        yield _village(row)


def mark_approved(conn: Connection, period: str, regency_code: str) -> int:
    result = conn.execute(
        period_villages.update()
        .where(period_villages.c.period == period,
               period_villages.c.village_code.startswith(regency_code))
        .values(state="approved")
    )
    return result.rowcount


def approved_periods(conn: Connection, regency_code: str) -> set[str]:
    rows = conn.execute(select(period_approvals.c.period)
                        .where(period_approvals.c.regency_code == regency_code))
    return {r.period for r in rows}


def get_approval(conn: Connection, period: str, regency_code: str) -> dict[str, Any] | None:
    row = conn.execute(
        select(period_approvals).where(period_approvals.c.period == period,
                                       period_approvals.c.regency_code == regency_code)
    ).mappings().first()
    return dict(row) if row else None


def add_approval(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(period_approvals.insert().values(**row))

