"""`verivali-server scan` as a real subprocess over a small regency with planted faults."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

import pytest
from sqlalchemy import select

from server.demo.data import DEMO_AS_OF, FAULT_EVERY, FAULT_KINDS, FAULT_RULES, generate_labelled
from server.store import flag_counts
from server.store import households as household_store
from server.store.db import transaction
from server.store.tables import flags, queue_households, queue_marks
from tests.conftest import run_cli

# Enough households for every fault kind once (one fault every FAULT_EVERY households).
COUNT = FAULT_EVERY * len(FAULT_KINDS)
REPORT = re.compile(r"scanned (\d+) households: (\d+) flags raised, (\d+) already open, "
                    r"(\d+) closed")


def scan(database_url: str) -> tuple[int, int, int, int]:
    done = run_cli("scan", "--as-of", DEMO_AS_OF.isoformat(), database_url=database_url)
    assert done.returncode == 0, done.stderr
    match = REPORT.search(done.stdout)
    assert match, done.stdout
    scanned, raised, kept, closed = (int(n) for n in match.groups())
    return scanned, raised, kept, closed


def scan_flags(engine) -> dict[str, dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(flags.c.flag_id, flags.c.household_id, flags.c.rule, flags.c.path,
                   flags.c.status, flags.c.survey_id)
        ).mappings().all()
    assert all(row["survey_id"] is None for row in rows)
    return {row["flag_id"]: dict(row) for row in rows}


def open_rules(found: dict[str, dict[str, Any]]) -> dict[str, set[str]]:
    """household_id -> open rules, graduation reviews aside (real life, not planted)."""
    by_household: dict[str, set[str]] = defaultdict(set)
    for flag in found.values():
        if flag["status"] == "open" and flag["rule"] != "GRADUATION_DUE":
            by_household[flag["household_id"]].add(flag["rule"])
    return dict(by_household)


@pytest.fixture
def regency(engine) -> list[tuple[dict[str, Any], str | None]]:
    labelled = list(generate_labelled(COUNT, faults=True))
    with transaction(engine) as conn:
        for household, _ in labelled:
            household_store.save_version(conn, household, source="import", actor="test")
    return labelled


def expected_rules(labelled: list[tuple[dict[str, Any], str | None]]) -> dict[str, set[str]]:
    expected: dict[str, set[str]] = {}
    previous = None
    for household, kind in labelled:
        if kind is not None:
            expected[household["household_id"]] = set(FAULT_RULES[kind])
            if kind == "nik_duplicate":  # the head it copies is flagged in its own family too
                assert previous is not None
                expected.setdefault(previous["household_id"], set()).add("NIK_DUPLICATE")
        else:
            previous = household
    return expected


def test_scan_raises_the_planted_faults_once(database_url, engine, regency):
    assert {kind for _, kind in regency if kind} == set(FAULT_KINDS)
    scanned, raised, kept, closed = scan(database_url)
    found = scan_flags(engine)
    assert (scanned, raised, kept, closed) == (COUNT, len(found), 0, 0)
    assert open_rules(found) == expected_rules(regency)
    assert any(f["rule"] == "GRADUATION_DUE" for f in found.values())
    # The review queue's counts are recounted by the scan, not left to the next view.
    with engine.connect() as conn:
        assert conn.execute(select(queue_marks)).first() is None
        assert sorted(tuple(r) for r in conn.execute(select(queue_households))) == sorted(
            tuple(r) for r in conn.execute(flag_counts.household_counts()))
        assert len(conn.execute(select(queue_households)).all()) == len(
            {f["household_id"] for f in found.values()})
    # Never duplicating an open flag: a second scan finds every one of them already open.
    assert scan(database_url) == (COUNT, 0, len(found), 0)
    assert scan_flags(engine) == found


def test_scan_closes_flags_the_registry_no_longer_bears_out(database_url, engine, regency):
    scan(database_url)
    before = scan_flags(engine)
    kinds = {kind: household for household, kind in regency if kind}
    high_desil, duplicate = kinds["pkh_high_desil"], kinds["nik_duplicate"]
    copied = duplicate["members"][-1]
    fixed = [
        {**high_desil, "desil": 3},
        {**duplicate, "members": [m for m in duplicate["members"] if m is not copied]},
    ]
    with transaction(engine) as conn:
        for household in fixed:
            assert household_store.save_version(conn, household, source="import") == 2
    stale = {flag_id for flag_id, f in before.items()
             if (f["household_id"], f["rule"]) == (high_desil["household_id"], "INELIGIBLE_DESIL")
             or f["rule"] == "NIK_DUPLICATE" and copied["nik"] in nik_of(f, regency)}
    # The faulty family's flag and its source family's: the source itself did not change.
    assert len(stale) == 3, stale

    scanned, raised, kept, closed = scan(database_url)
    assert (scanned, raised, kept, closed) == (COUNT, 0, len(before) - 3, 3)
    after = scan_flags(engine)
    assert {flag_id for flag_id, f in after.items() if f["status"] == "closed"} == stale
    assert {flag_id: f["status"] for flag_id, f in after.items() if flag_id not in stale} == {
        flag_id: "open" for flag_id in before if flag_id not in stale}
    assert scan(database_url) == (COUNT, 0, len(before) - 3, 0)


def nik_of(flag: dict[str, Any], regency: list[tuple[dict[str, Any], str | None]]) -> set[str]:
    """The NIK at a flag's `members[<id>].nik` path, looked up in the generated regency."""
    for household, _ in regency:
        if household["household_id"] == flag["household_id"]:
            return {m["nik"] for m in household["members"]
                    if flag["path"] == f"members[{m['member_id']}].nik"}
    return set()


ADMIN = {"name": "admin", "role": "admin", "regions": []}


def test_scan_does_not_raise_again_what_a_supervisor_rejected(database_url, engine, regency):
    """A decision sticks: the same finding on unchanged data stays decided; new data raises it."""
    from server.services.review import resolve_flag

    scan(database_url)
    before = scan_flags(engine)
    kinds = {kind: household for household, kind in regency if kind}
    high_desil = kinds["pkh_high_desil"]
    (rejected_id,) = [flag_id for flag_id, f in before.items()
                      if (f["household_id"], f["rule"]) == (high_desil["household_id"],
                                                             "INELIGIBLE_DESIL")]
    with transaction(engine) as conn:
        resolve_flag(conn, ADMIN, rejected_id, "reject", "sudah dicek, benar")
    assert scan(database_url) == (COUNT, 0, len(before) - 1, 0)
    assert {f["status"] for f in scan_flags(engine).values() if
            (f["household_id"], f["rule"]) == (high_desil["household_id"],
                                               "INELIGIBLE_DESIL")} == {"rejected"}

    # New evidence: the registry's desil changes but is still too high, so it is raised again.
    with transaction(engine) as conn:
        household_store.save_version(conn, {**high_desil, "desil": high_desil["desil"] + 1
                                            if high_desil["desil"] < 10 else 9},
                                     source="import")
    scanned, raised, kept, closed = scan(database_url)
    assert raised == 1
    statuses = sorted(f["status"] for f in scan_flags(engine).values() if
                      (f["household_id"], f["rule"]) == (high_desil["household_id"],
                                                         "INELIGIBLE_DESIL"))
    assert statuses == ["open", "rejected"]


FINDING = (flags.c.household_id, flags.c.region_code, flags.c.rule, flags.c.severity,
           flags.c.path, flags.c.registry_value, flags.c.field_value, flags.c.other_value,
           flags.c.message, flags.c.status)


def findings(engine) -> list[tuple[Any, ...]]:
    """Every flag as the scan wrote it, its id and times aside, in one order."""
    with engine.connect() as conn:
        return sorted(tuple(row) for row in conn.execute(select(*FINDING)))


def scan_with(database_url: str, workers: int) -> str:
    done = run_cli("scan", "--as-of", DEMO_AS_OF.isoformat(), "--workers", str(workers),
                   database_url=database_url)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_scan_in_worker_processes_finds_what_one_process_finds(database_url, engine, regency):
    """The rules run in a pool for a large registry: same findings, same report, on a
    first scan and on a rescan after the data changed (flags kept, closed, raised)."""
    in_pool = scan_with(database_url, 2)
    pooled = findings(engine)
    assert pooled and "flags raised" in in_pool
    with transaction(engine) as conn:
        conn.execute(flags.delete())
    assert scan_with(database_url, 0) == in_pool
    assert findings(engine) == pooled

    # A fault mended and one planted: the rescan keeps, closes and raises alike.
    mended = next(h for h, kind in regency if kind == "nik_invalid")
    spoiled = next(h for h, kind in regency if kind is None)
    mended = {**mended, "members": [{**m, "nik": None} for m in mended["members"]]}
    spoiled = {**spoiled, "kk_number": "12"}
    with transaction(engine) as conn:
        for household in (mended, spoiled):
            household_store.save_version(conn, household, source="import", actor="test")
        before = conn.execute(select(flags)).mappings().all()
    one = scan_with(database_url, 0)
    one_process = findings(engine)
    with transaction(engine) as conn:
        conn.execute(flags.delete())
        conn.execute(flags.insert(), [dict(row) for row in before])
        flag_counts.mark_all(conn)
    assert scan_with(database_url, 2) == one
    assert findings(engine) == one_process
    assert "0 closed" not in one and "0 flags raised" not in one


def test_scan_in_many_small_slices_finds_what_one_slice_finds(engine, regency, monkeypatch):
    """The registry cut into dozens of slices (a pool reading its own, then this process):
    every household scanned once, the same flags as when one slice holds it all."""
    from server.services import scan as scan_service

    whole = scan_service.scan_registry(engine, DEMO_AS_OF, workers=0)
    in_one_slice = findings(engine)
    with transaction(engine) as conn:
        conn.execute(flags.delete())
    monkeypatch.setattr(scan_service, "CHUNK", 9)
    monkeypatch.setattr(scan_service, "FLUSH", 5)
    assert scan_service.scan_registry(engine, DEMO_AS_OF, workers=2) == whole
    assert findings(engine) == in_one_slice
    again = scan_service.scan_registry(engine, DEMO_AS_OF, workers=0)
    assert (again.households, again.raised, again.kept) == (COUNT, 0, whole.raised)
