"""Bulk decisions (`server.services.bulk_review`) on a real database.

Counts, one audit row per flag, the bound, the skipped ones and why, the region check
against crafted ids, and all or nothing when the database fails half-way.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select, text

from server.errors import Forbidden
from server.services import bulk_review
from server.services.bulk_review import BULK_LIMIT, TooMany, decide_many, select_matching
from server.store.db import is_sqlite, reading
from server.store.pages.queue import QueueFilter
from server.store.tables import audit_log, flags
from tests.server.web import seed
from tests.server.web.conftest import world  # noqa: F401

SARI = {"user_id": 1, "name": "sari", "role": "supervisor", "regions": ["181101"]}


def _statuses(engine: Any, ids: list[str]) -> dict[str, str]:
    with reading(engine) as conn:
        rows = conn.execute(select(flags.c.flag_id, flags.c.status)
                            .where(flags.c.flag_id.in_(ids))).all()
    return {r.flag_id: r.status for r in rows}


def _audit_count(engine: Any, action: str) -> int:
    with reading(engine) as conn:
        return conn.execute(select(func.count()).select_from(audit_log)
                            .where(audit_log.c.action == action)).scalar() or 0


def test_every_graduation_note_of_a_village_rejected_each_with_its_audit_row(engine):
    notes = seed.bulk_flags(engine, 137, seed.VILLAGE_A2, rule="GRADUATION_DUE",
                            severity="info")
    others = seed.bulk_flags(engine, 5, seed.VILLAGE_A2, household_prefix="1811012002-9")
    selection = select_matching(engine, SARI, QueueFilter(village=seed.VILLAGE_A2,
                                                          rule="GRADUATION_DUE"))
    assert sorted(selection.flag_ids) == sorted(notes)
    assert selection.by_rule == {"GRADUATION_DUE": 137}
    outcome = decide_many(engine, SARI, selection.flag_ids, "reject", "masih ada lansia")
    assert (len(outcome.decided), outcome.skipped) == (137, [])
    assert set(_statuses(engine, notes).values()) == {"rejected"}
    assert set(_statuses(engine, others).values()) == {"open"}
    assert _audit_count(engine, "flag.reject") == 137
    assert _audit_count(engine, "flag.bulk_reject") == 1


def test_more_than_the_bound_is_refused_before_anything_is_written(engine):
    ids = seed.bulk_flags(engine, BULK_LIMIT + 1, seed.VILLAGE_A2)
    with pytest.raises(TooMany) as raised:
        select_matching(engine, SARI, QueueFilter(village=seed.VILLAGE_A2))
    assert raised.value.total == BULK_LIMIT + 1
    with pytest.raises(TooMany):
        decide_many(engine, SARI, ids, "accept", None)
    assert set(_statuses(engine, ids).values()) == {"open"}
    assert BULK_LIMIT == 500


def test_what_cannot_be_decided_in_bulk_is_skipped_with_why(engine, world):  # noqa: F811
    # A1's visit changed three places; a later visit from another laptop disagrees on
    # the occupation: a CONFLICT, which needs a person to choose the value.
    seed.push(engine, world["budi"], world["a1"], seed.change_occupation("nelayan"),
              device="dev-2")
    scan_notes = seed.bulk_flags(engine, 2, seed.VILLAGE_A, rule="GRADUATION_DUE",
                                 severity="info", household_prefix="1811012001-8")
    selection = select_matching(engine, SARI, QueueFilter(village=seed.VILLAGE_A))
    rules = selection.by_rule
    assert rules["CONFLICT"] == 1 and rules["GRADUATION_DUE"] == 2
    outcome = decide_many(engine, SARI, selection.flag_ids, "accept", "cek lapangan")
    reasons = {(s.rule, s.reason) for s in outcome.skipped}
    assert ("CONFLICT", bulk_review.CHOOSE_VALUE) in reasons
    # The two occupation findings stand for one place: accepting one closes the other
    # (the registry now holds its value) or leaves the conflict; none is lost silently.
    assert len(outcome.decided) + len(outcome.skipped) == len(selection.flag_ids)
    decided = _statuses(engine, outcome.decided)
    assert set(decided.values()) == {"accepted"}
    assert set(_statuses(engine, scan_notes).values()) == {"accepted"}

    again = decide_many(engine, SARI, scan_notes + ["no-such-flag"], "revisit", "lihat lagi")
    assert again.decided == []
    assert sorted(s.reason for s in again.skipped) == sorted(
        [bulk_review.NOT_FOUND, bulk_review.NO_VISIT, bulk_review.NO_VISIT])


def test_revisit_from_scan_flags_is_skipped_not_refused(engine):
    ids = seed.bulk_flags(engine, 3, seed.VILLAGE_A2)
    outcome = decide_many(engine, SARI, ids, "revisit", "kunjungi")
    assert [s.reason for s in outcome.skipped] == [bulk_review.NO_VISIT] * 3
    assert set(_statuses(engine, ids).values()) == {"open"}


def test_a_crafted_id_outside_the_regions_refuses_the_whole_action(engine):
    mine = seed.bulk_flags(engine, 3, seed.VILLAGE_A2)
    theirs = seed.bulk_flags(engine, 1, seed.VILLAGE_B)
    with pytest.raises(Forbidden):
        bulk_review.select_flags(engine, SARI, mine + theirs)
    with pytest.raises(Forbidden):
        decide_many(engine, SARI, mine + theirs, "reject", "bukan wilayah saya")
    assert set(_statuses(engine, mine + theirs).values()) == {"open"}
    assert _audit_count(engine, "flag.reject") == 0
    # A filter can never reach outside the regions either.
    outside = select_matching(engine, SARI, QueueFilter(village=seed.VILLAGE_B))
    assert outside.flag_ids == []


def test_an_unexpected_failure_half_way_keeps_nothing(engine):
    ids = seed.bulk_flags(engine, 10, seed.VILLAGE_A2)
    victim = ids[-1]  # the last household: the nine others are written by then
    with engine.begin() as conn:
        if is_sqlite(conn):
            conn.execute(text(
                "CREATE TRIGGER refuse_one BEFORE UPDATE ON flags "
                f"WHEN OLD.flag_id = '{victim}' BEGIN SELECT RAISE(ABORT, 'refused'); END"))
        else:
            conn.execute(text(
                "CREATE FUNCTION refuse_one() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF OLD.flag_id = '{victim}' THEN RAISE EXCEPTION 'refused'; END IF; "
                "RETURN NEW; END $$"))
            conn.execute(text("CREATE TRIGGER refuse_one BEFORE UPDATE ON flags "
                              "FOR EACH ROW EXECUTE FUNCTION refuse_one()"))
    with pytest.raises(Exception, match="refused"):
        decide_many(engine, SARI, ids, "reject", "semua salah")
    assert set(_statuses(engine, ids).values()) == {"open"}
    assert _audit_count(engine, "flag.reject") == 0
    assert _audit_count(engine, "flag.bulk_reject") == 0
