"""The local store and `record`: migrations, outbox states, parents, base snapshots."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3

from sync_agent.record import SurveyInvalid, record_survey
from sync_agent.store import SCHEMA_VERSION, Store, StoreError, open_store
from tests.factories import OTHER_VILLAGE, VILLAGE, household
from tests.sync_agent.conftest import raw_connection

H1 = f"{VILLAGE}-000001"


def pulled(store: Store, *bodies: dict[str, Any], generation: int = 1) -> None:
    changes: list[dict[str, Any]] = []
    for n, body in enumerate(bodies):
        changes.append({"seq": n, "kind": "household", "household": body})
        changes.append({"seq": n, "kind": "assignment", "assignment": {
            "assignment_id": f"a-{body['household_id']}", "household_id": body["household_id"],
            "status": "open", "note": None}})
    with store.write():
        store.apply_pull_page(changes, generation)


def versioned(household_id: str = H1, version: int = 1, **extra: Any) -> dict[str, Any]:
    return {**household(household_id, **extra), "version": version,
            "verification": {"state": "unverified", "survey_id": None, "at": None}}


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = open_store(tmp_path / "home")
    pulled(s, versioned())
    yield s
    s.close()


def test_fresh_store_is_migrated_wal_and_full_sync(tmp_path: Path) -> None:
    s = open_store(tmp_path / "h")
    assert s.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert s.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert s.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    names = {m["name"] for m in s.db.query("SELECT name FROM _sqlite_migrations")}
    assert "m001_initial" in names
    s.close()
    again = open_store(tmp_path / "h")  # reopening applies nothing twice
    assert again.integrity_ok()
    again.close()


def test_store_of_a_newer_agent_is_refused_not_touched(tmp_path: Path) -> None:
    s = open_store(tmp_path / "h")
    s.conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 5}")
    s.close()
    with pytest.raises(StoreError, match="newer agent"):
        open_store(tmp_path / "h")
    raw = raw_connection(tmp_path / "h")
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 5
    raw.close()


def test_record_fills_what_the_enumerator_should_not_think_about(store: Store) -> None:
    first = record_survey(store, household_id=H1, outcome="found")
    second = record_survey(store, household_id=H1, outcome="refused")
    assert (first["device_seq"], second["device_seq"]) == (1, 2)
    assert first["base_version"] == 1 and first["parent_survey_id"] is None
    assert second["parent_survey_id"] == first["survey_id"]  # first still unsent
    assert first["observed"]["members"][0]["name"] == "Siti Aminah"
    assert "version" not in first["observed"]
    assert first["completed_at"][-6] in "+-"  # local UTC offset
    assert store.counts()["pending"] == 2


def test_parent_only_while_the_earlier_visit_is_unacknowledged(store: Store) -> None:
    first = record_survey(store, household_id=H1, outcome="found")
    with store.write():
        store.apply_result({"survey_id": first["survey_id"], "status": "accepted",
                            "state": "verified", "flags": [], "errors": None}, via="push")
    second = record_survey(store, household_id=H1, outcome="found")
    assert second["parent_survey_id"] is None
    with store.write():
        store.apply_result({"survey_id": second["survey_id"], "status": "rejected",
                            "state": None, "flags": [], "errors": {"x": ["y"]}}, via="push")
    third = record_survey(store, household_id=H1, outcome="found")
    assert third["parent_survey_id"] is None  # a rejected survey was never stored


def test_invalid_visit_is_refused_with_paths(store: Store) -> None:
    observed = household(H1)
    observed["members"][0]["nik"] = "123"
    with pytest.raises(SurveyInvalid) as caught:
        record_survey(store, household_id=H1, outcome="found", observed=observed)
    assert "observed.members.0.nik" in caught.value.errors
    with pytest.raises(SurveyInvalid) as unknown:
        record_survey(store, household_id="1811012001-999999", outcome="refused")
    assert "household_id" in unknown.value.errors
    assert store.counts()["pending"] == 0


def test_new_household_must_lie_in_an_assigned_village(store: Store) -> None:
    proposal = household("ignored", region=OTHER_VILLAGE)
    with pytest.raises(SurveyInvalid) as caught:
        record_survey(store, household_id=None, outcome="found", observed=proposal, new=True)
    assert "observed.region_code" in caught.value.errors
    ok = record_survey(store, household_id=None, outcome="found",
                       observed=household("ignored", region="18.11.01.2001"), new=True)
    assert ok["household_id"].startswith("NEW-") and ok["base_version"] is None
    assert ok["observed"]["region_code"] == VILLAGE


def test_a_pull_never_changes_what_an_outbox_survey_was_based_on(store: Store) -> None:
    survey = record_survey(store, household_id=H1, outcome="found")
    stored_before = store.survey(survey["survey_id"])
    pulled(store, versioned(version=2, address="Dusun IV"))
    assert store.household(H1)["version"] == 2
    assert store.household(H1)["address"] == "Dusun IV"
    assert store.base(H1, 1)["address"] == "Dusun II RT 002 RW 001"
    stored_after = store.survey(survey["survey_id"])
    assert stored_after["body"] == stored_before["body"]
    assert stored_after["base_version"] == 1
    # The next visit is recorded against what the enumerator is now shown.
    assert record_survey(store, household_id=H1, outcome="found")["base_version"] == 2


def test_answers_move_states_only_forward(store: Store) -> None:
    survey = record_survey(store, household_id=H1, outcome="found")
    sid = survey["survey_id"]
    with store.write():
        store.mark_sent([sid])
    assert store.survey(sid)["state"] == "sent"
    with store.write():
        assert store.apply_result({"survey_id": sid, "status": "duplicate", "state": "flagged",
                                   "flags": [{"rule": "FIELD_CHANGED"}], "errors": None},
                                  via="bundle") == "acknowledged"
        # A stale rejection (an old ack file) never undoes an acknowledgement.
        assert store.apply_result({"survey_id": sid, "status": "rejected", "errors": {}},
                                  via="bundle") is None
    row = store.survey(sid)
    assert (row["state"], row["result_state"], row["answered_via"]) == ("acknowledged", "flagged", "bundle")
    assert row["result_flags"] == [{"rule": "FIELD_CHANGED"}]


def test_correction_replaces_the_rejected_survey(store: Store) -> None:
    bad = record_survey(store, household_id=H1, outcome="found")
    with store.write():
        store.apply_result({"survey_id": bad["survey_id"], "status": "rejected", "state": None,
                            "flags": [], "errors": {"base_version": ["x"]}}, via="push")
    fixed = record_survey(store, household_id=H1, outcome="found", base_version=1,
                          replaces=bad["survey_id"])
    assert fixed["parent_survey_id"] is None
    old = store.survey(bad["survey_id"])
    assert (old["state"], old["replaced_by"]) == ("replaced", fixed["survey_id"])
    assert store.counts()["rejected"] == 0


def test_outbox_bodies_are_exactly_the_validated_survey(store: Store) -> None:
    survey = record_survey(store, household_id=H1, outcome="found", notes="ok",
                           gps={"lat": -3.9, "lon": 105.3})
    (row,) = store.next_batch(10)
    assert json.loads(row[2]) == survey
    assert store.integrity_ok()


def test_a_full_disk_refuses_the_write_and_keeps_the_store_whole(store: Store) -> None:
    record_survey(store, household_id=H1, outcome="refused")
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count={pages}")  # the disk is full from here on
    with pytest.raises(sqlcipher3.OperationalError, match="full"):
        for _ in range(50):
            record_survey(store, household_id=H1, outcome="found", notes="x" * 1500)
    assert not store.conn.in_transaction
    assert store.integrity_ok()
    rows = store.surveys(("pending",))
    assert [r["device_seq"] for r in rows] == list(range(1, len(rows) + 1))


@pytest.mark.parametrize("notes", ["\ud800", "pintu\u0000", "\udcff"])
def test_record_refuses_control_characters_and_lone_surrogates(store: Store, notes: str) -> None:
    # A lone surrogate is what Python makes of undecodable bytes on the command line.
    with pytest.raises(SurveyInvalid) as caught:
        record_survey(store, household_id=H1, outcome="refused", notes=notes)
    assert list(caught.value.errors) == ["notes"]
    assert notes not in caught.value.one_line()
    assert store.counts()["pending"] == 0


def test_record_refuses_a_counter_too_big_for_its_column(store: Store) -> None:
    with pytest.raises(SurveyInvalid) as caught:
        record_survey(store, household_id=H1, outcome="refused", base_version=10**30)
    assert list(caught.value.errors) == ["base_version"]
    assert store.counts()["pending"] == 0
