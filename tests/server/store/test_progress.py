"""The dashboard's kept counts per village equal a recount from the households, after every
kind of write, on whichever database the suite runs on; and on PostgreSQL a write still in
flight while the dashboard recounts is counted by the next view, never lost."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from server.services.ingest.single import ingest_survey
from server.services.review import resolve_flag
from server.store import assignments as assignment_store
from server.store import households as household_store
from server.store import progress
from server.store import users as user_store
from server.store.db import reading, transaction
from server.store.tables import assignments, households
from tests.factories import OTHER_VILLAGE, VILLAGE, family, survey


def kept(engine: Engine) -> tuple[dict[str, dict[str, int]], set[tuple[str, int, int]]]:
    """The kept counts after a dashboard's refresh of everything."""
    with transaction(engine) as conn:
        progress.refresh(conn, "18")
    with reading(engine) as conn:
        return (progress.villages(conn, "18"),
                {(r.region_code, r.enumerator_id, r.assigned)
                 for r in progress.enumerators(conn, "18")})


def recounted(engine: Engine) -> tuple[dict[str, dict[str, int]], set[tuple[str, int, int]]]:
    """The same figures counted from the households and assignments themselves."""
    with reading(engine) as conn:
        codes = list(conn.execute(select(households.c.region_code).distinct()).scalars())
        counts = progress.count_villages(conn, codes)
        per_enumerator = conn.execute(
            select(households.c.region_code, assignments.c.enumerator_id, func.count())
            .select_from(households.join(
                assignments, assignments.c.household_id == households.c.household_id))
            .where(assignments.c.status != "cancelled")
            .group_by(households.c.region_code, assignments.c.enumerator_id)).all()
    return ({code: dict(zip(progress.COUNTS, row, strict=True)) for code, row in counts.items()},
            {(code, who, n) for code, who, n in per_enumerator})


def same(engine: Engine) -> dict[str, dict[str, int]]:
    villages, people = kept(engine)
    assert (villages, people) == recounted(engine)
    return villages


def test_every_write_keeps_the_counts_of_its_villages(engine: Engine) -> None:
    bodies = [family(n) for n in range(1, 7)] + [family(n, OTHER_VILLAGE) for n in range(7, 10)]
    with transaction(engine) as conn:
        for body in bodies:
            household_store.save_version(conn, body, source="import", actor="test")
        user_store.create(conn, "ani", "enumerator", [])
        user_store.create(conn, "sari", "supervisor", ["1811"])
        ani, sari = user_store.by_name(conn, "ani"), user_store.by_name(conn, "sari")
    assert ani is not None and sari is not None
    assert same(engine)[VILLAGE]["households"] == 6
    ids = [b["household_id"] for b in bodies]
    with transaction(engine) as conn:
        assignment_store.assign_households(conn, ani["user_id"], ids[:5] + ids[7:])
    assert same(engine)[VILLAGE]["assigned"] == 5
    with transaction(engine) as conn:
        first = assignment_store.for_enumerator(conn, ani["user_id"])[0]
        assignment_store.cancel(conn, first["assignment_id"])
    assert same(engine)[VILLAGE]["assigned"] == 4
    visit = survey(bodies[1], change=lambda o: o.__setitem__("address", "Dusun IX"))
    with transaction(engine) as conn:
        result = ingest_survey(conn, ani, "dev-1", visit)
        ingest_survey(conn, ani, "dev-1", survey(bodies[2], seq=2, outcome="refused"))
    assert same(engine)[VILLAGE]["flagged"] == 1
    assert same(engine)[VILLAGE]["visited"] == 2
    with transaction(engine) as conn:
        for flag in result["flags"]:
            resolve_flag(conn, sari, flag["flag_id"], "accept", None)
    same(engine)
    with transaction(engine) as conn:  # the household moves to the other village
        household_store.save_version(conn, {**bodies[3], "region_code": OTHER_VILLAGE},
                                     source="import", actor="test")
    villages = same(engine)
    assert (villages[VILLAGE]["households"], villages[OTHER_VILLAGE]["households"]) == (5, 4)


def test_nothing_marked_nothing_recounted(engine: Engine) -> None:
    with transaction(engine) as conn:
        household_store.save_version(conn, family(1), source="import", actor="test")
        assert progress.refresh(conn, "18") == 1
        assert progress.refresh(conn, "18") == 0


@pytest.mark.postgres
def test_a_write_in_flight_during_a_recount_is_counted_by_the_next(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("writers overlap only on PostgreSQL")
    body = family(1)
    with transaction(engine) as conn:
        household_store.save_version(conn, body, source="import", actor="test")
        user_store.create(conn, "ani", "enumerator", [])
        ani = user_store.by_name(conn, "ani")
    assert ani is not None
    same(engine)
    writer = engine.connect()
    writer_tx = writer.begin()
    assignment_store.assign_households(writer, ani["user_id"], [body["household_id"]])
    villages, _people = kept(engine)  # recounts while the assignment is not committed
    assert villages[VILLAGE]["assigned"] == 0
    writer_tx.commit()
    writer.close()
    assert same(engine)[VILLAGE]["assigned"] == 1
