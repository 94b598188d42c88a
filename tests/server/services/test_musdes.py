"""A village's list of a period, its musdes and the refusals, on the real store."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from server.errors import Conflict, Forbidden, ValidationFailed
from server.reconcile import periods, usulan
from server.services import flags as flag_service
from server.services import musdes
from server.store import audit
from server.store import households as household_store
from server.store.blobs import BlobStore
from server.store.db import reading, transaction
from server.store.tables import flags, household_versions, period_villages
from tests.server.web import seed

CUTOFF = 17
PDF = b"%PDF-1.4 signed scan of the berita acara"


@pytest.fixture
def place(engine: Engine) -> dict[str, Any]:
    """Supervisor `sari` of 181101, `tono` of 181102; A1 visited with three changes."""
    sari = seed.make_web_user(engine, "sari", "supervisor", ["181101"])
    tono = seed.make_web_user(engine, "tono", "supervisor", ["181102"])
    budi = seed.make_web_user(engine, "budi", "enumerator")
    a1 = seed.make_household(engine, 1, seed.VILLAGE_A)
    a2 = seed.make_household(engine, 2, seed.VILLAGE_A)
    seed.assign(engine, budi, [a1["household_id"], a2["household_id"]])
    visit = seed.push(engine, budi, a1, seed.change_many)
    return {"sari": sari, "tono": tono, "budi": budi, "a1": a1, "a2": a2, "visit": visit}


def _accept_all(engine: Engine, user: dict[str, Any], visit: dict[str, Any]) -> list[str]:
    ids = [f["flag_id"] for f in visit["flags"]]
    for flag_id in ids:
        flag_service.resolve(engine, user, flag_id, "accept", None)
    return ids


def _decided_at(engine: Engine, flag_ids: list[str], at: str) -> None:
    with transaction(engine) as conn:
        conn.execute(flags.update().where(flags.c.flag_id.in_(flag_ids)).values(resolved_at=at))


def _now_period() -> str:
    return periods.period_of(datetime.now(UTC), CUTOFF, seed.VILLAGE_A)


def _record(**changes: Any) -> musdes.MusdesRecord:
    values = {"signed_as": "musdes", "held_on": "2026-11-20", "attendees": 23, "scan": PDF,
              "refused": ()}
    return musdes.MusdesRecord(**{**values, **changes})


def test_an_open_list_shows_each_accepted_change_before_and_after(engine, place) -> None:
    _accept_all(engine, place["sari"], place["visit"])
    answer = musdes.village_list(engine, place["sari"], _now_period(), seed.VILLAGE_A, CUTOFF)
    assert answer["state"] == "open"
    [entry] = answer["households"]
    assert entry["household_id"] == place["a1"]["household_id"]
    assert entry["change"] == "update"
    by_path = {f["path"]: (f["before"], f["after"]) for f in entry["fields"]}
    assert by_path["housing.floor"] == (place["a1"]["housing"]["floor"], "cement")
    assert by_path["address"] == (place["a1"]["address"], "Dusun III RT 001")


@pytest.mark.parametrize(("at", "period"), [
    ("2026-11-17T23:59:00+07:00", "2026-11"),  # on the cut-off day, 23:59 WIB
    ("2026-11-18T00:00:00+07:00", "2026-12"),  # one minute later: the next period
])
def test_the_cutoff_day_decides_the_period(engine, place, at: str, period: str) -> None:
    ids = _accept_all(engine, place["sari"], place["visit"])
    _decided_at(engine, ids, datetime.fromisoformat(at).astimezone(UTC).isoformat(timespec="microseconds"))
    other = "2026-12" if period == "2026-11" else "2026-11"
    assert musdes.village_list(engine, place["sari"], period, seed.VILLAGE_A,
                               CUTOFF)["households"]
    assert musdes.village_list(engine, place["sari"], other, seed.VILLAGE_A,
                               CUTOFF)["households"] == []


def test_a_refusal_restores_the_registry_and_the_list_is_frozen(engine, place, tmp_path: Path):
    blobs = BlobStore(tmp_path / "blobs")
    _accept_all(engine, place["sari"], place["visit"])
    period, household_id = _now_period(), place["a1"]["household_id"]
    with reading(engine) as conn:
        accepted_version = household_store.get(conn, household_id)["version"]
    answer = musdes.record_musdes(engine, blobs, place["sari"], period, seed.VILLAGE_A, CUTOFF,
                                  _record(refused=(household_id,)))
    assert answer["state"] == "ratified"
    assert answer["households"][0]["decision"] == "refused"
    assert answer["musdes"]["attendees"] == 23
    assert blobs.has(answer["musdes"]["scan_id"])
    with reading(engine) as conn:
        now = household_store.get(conn, household_id)
        last = conn.execute(select(household_versions).where(
            household_versions.c.household_id == household_id,
            household_versions.c.version == now["version"])).mappings().one()
        trail = audit.for_target(conn, "household", household_id)
    assert now["version"] == accepted_version + 1
    assert now["address"] == place["a1"]["address"]
    assert now["housing"]["floor"] == place["a1"]["housing"]["floor"]
    assert now["members"][0]["occupation"] == place["a1"]["members"][0]["occupation"]
    assert (last["source"], last["source_id"]) == ("review", f"musdes:{period}:{seed.VILLAGE_A}")
    assert trail[-1]["action"] == "period.refuse"
    with pytest.raises(Conflict):  # a ratified list is never edited
        musdes.record_musdes(engine, blobs, place["sari"], period, seed.VILLAGE_A, CUTOFF,
                             _record())


def test_acceptances_after_ratification_go_to_the_next_period(engine, place, tmp_path):
    blobs = BlobStore(tmp_path / "blobs")
    period = _now_period()
    musdes.record_musdes(engine, blobs, place["sari"], period, seed.VILLAGE_A, CUTOFF, _record())
    _accept_all(engine, place["sari"], place["visit"])
    assert musdes.village_list(engine, place["sari"], period, seed.VILLAGE_A,
                               CUTOFF)["households"] == []
    later = musdes.village_list(engine, place["sari"], periods.shift(period, 1),
                                seed.VILLAGE_A, CUTOFF)
    assert [e["household_id"] for e in later["households"]] == [place["a1"]["household_id"]]


def _nothing_frozen(engine: Engine) -> bool:
    with reading(engine) as conn:
        return conn.execute(select(period_villages)).first() is None


@pytest.mark.parametrize(("changes", "field"), [
    ({"scan": b"GIF89a not a scan"}, "scan"),
    ({"scan": b""}, "scan"),
    ({"scan": b"%PDF-" + bytes(musdes.SCAN_MAX_BYTES)}, "scan"),
    ({"attendees": 0}, "attendees"),
    ({"held_on": "20-11-2026"}, "held_on"),
    ({"held_on": "2999-01-01"}, "held_on"),
    ({"signed_as": "rapat"}, "signed_as"),
    ({"refused": ("1811012001-999999",)}, "refused"),
])
def test_bad_records_change_nothing(engine, place, tmp_path, changes, field) -> None:
    blobs = BlobStore(tmp_path / "blobs")
    _accept_all(engine, place["sari"], place["visit"])
    with pytest.raises(ValidationFailed) as caught:
        musdes.record_musdes(engine, blobs, place["sari"], _now_period(), seed.VILLAGE_A,
                             CUTOFF, _record(**changes))
    assert field in caught.value.details
    assert _nothing_frozen(engine)
    assert not list((tmp_path / "blobs").rglob("*.part"))


def test_a_village_outside_the_supervisor_s_regions_is_refused(engine, place, tmp_path):
    with pytest.raises(Forbidden):
        musdes.record_musdes(engine, BlobStore(tmp_path), place["tono"], _now_period(),
                             seed.VILLAGE_A, CUTOFF, _record())
    with pytest.raises(Forbidden):
        musdes.village_list(engine, place["tono"], _now_period(), seed.VILLAGE_A, CUTOFF)
    assert _nothing_frozen(engine)


@pytest.mark.parametrize(("period", "village"), [("2026-13", seed.VILLAGE_A), ("2026-11", "18110")])
def test_bad_period_or_village(engine, place, period, village) -> None:
    with pytest.raises(ValidationFailed):
        musdes.village_list(engine, place["sari"], period, village, CUTOFF)


def test_a_decision_committed_after_the_freeze_is_not_lost(engine, place, tmp_path) -> None:
    """Its time lies before the freeze (its transaction began first), yet the frozen list
    does not hold it: it goes to the next period instead of falling between the two."""
    blobs, period = BlobStore(tmp_path / "blobs"), _now_period()
    start, _ = periods.bounds(period, CUTOFF, seed.VILLAGE_A)
    musdes.record_musdes(engine, blobs, place["sari"], period, seed.VILLAGE_A, CUTOFF, _record())
    ids = _accept_all(engine, place["sari"], place["visit"])
    _decided_at(engine, ids, start)  # the first instant of the frozen period
    assert musdes.village_list(engine, place["sari"], period, seed.VILLAGE_A,
                               CUTOFF)["households"] == []
    later = musdes.village_list(engine, place["sari"], periods.shift(period, 1),
                                seed.VILLAGE_A, CUTOFF)
    listed = sorted(f["flag_id"] for f in place["visit"]["flags"]
                    if f["rule"] in usulan.LIST_RULES)
    assert listed and sorted(f for e in later["households"] for f in e["flag_ids"]) == listed
