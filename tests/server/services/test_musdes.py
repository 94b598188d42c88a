"""A village's list of a period, its musdes and the refusals, on the real store."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from server.errors import Conflict, Forbidden, ValidationFailed
from server.reconcile import periods, usulan
from server.services import flags as flag_service
from server.services import musdes
from server.services import pull as pull_service
from server.store import audit
from server.store import households as household_store
from server.store.blobs import BlobStore
from server.store.db import reading, transaction
from server.store.tables import flags, household_versions, period_villages
from tests.factories import household
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


def _refuse(engine: Engine, tmp_path: Path, user: dict[str, Any],
            *household_ids: str) -> dict[str, Any]:
    return musdes.record_musdes(engine, BlobStore(tmp_path / "blobs"), user, _now_period(),
                                seed.VILLAGE_A, CUTOFF, _record(refused=household_ids))


def _pulled_households(engine: Engine, user: dict[str, Any]) -> set[str]:
    with reading(engine) as conn:
        changes = pull_service.pull(conn, user["user_id"], None, 500)["changes"]
    return {c["household"]["household_id"] for c in changes if c["kind"] == "household"}


def test_a_refused_new_household_leaves_the_registry_s_enrolment(engine, place, tmp_path):
    proposal = household(f"NEW-{uuid.uuid4()}", region=seed.VILLAGE_A)
    pushed = seed.push(engine, place["budi"], proposal, base_version=None)
    _accept_all(engine, place["sari"], pushed)
    new_id = proposal["household_id"]
    assert new_id in _pulled_households(engine, place["budi"])  # the proposer got it
    answer = _refuse(engine, tmp_path, place["sari"], new_id)
    [entry] = [e for e in answer["households"] if e["household_id"] == new_id]
    assert (entry["change"], entry["decision"], entry["kept"]) == ("add", "refused", [])
    assert entry["head"]["name"] == proposal["members"][0]["name"]  # the BNBA as deliberated
    with reading(engine) as conn:
        now = household_store.get(conn, new_id)
        last = conn.execute(select(household_versions).where(
            household_versions.c.household_id == new_id,
            household_versions.c.version == now["version"])).mappings().one()
        trail = audit.for_target(conn, "household", new_id)
    assert now["version"] == 2
    assert usulan.not_enrolled(now) and now["programs"] == []
    assert (last["source"], last["source_id"]) == ("review", f"musdes:{_now_period()}:"
                                                             f"{seed.VILLAGE_A}")
    assert trail[-1]["action"] == "period.refuse"
    assert trail[-1]["detail"]["withdrawn"] is True
    assert trail[-1]["detail"]["assignments_cancelled"] == 1
    assert new_id not in _pulled_households(engine, place["budi"])
    # Nobody of it holds a NIK in the registry any more (NIK_DUPLICATE reads it so).
    with reading(engine) as conn:
        holders = household_store.nik_holders(conn, proposal["members"][0]["nik"])
    assert new_id not in {h[0] for h in holders}


def test_a_refused_not_found_household_keeps_the_registry_as_it_was(engine, place, tmp_path):
    a2 = place["a2"]
    pushed = seed.push(engine, place["budi"], a2, outcome="not_found")
    _accept_all(engine, place["sari"], pushed)
    with reading(engine) as conn:
        before = household_store.get(conn, a2["household_id"])
    answer = _refuse(engine, tmp_path, place["sari"], a2["household_id"])
    [entry] = [e for e in answer["households"] if e["household_id"] == a2["household_id"]]
    assert (entry["change"], entry["decision"], entry["kept"]) == ("remove", "refused", [])
    with reading(engine) as conn:
        after = household_store.get(conn, a2["household_id"])
        trail = audit.for_target(conn, "household", a2["household_id"])
    assert after["version"] == before["version"]  # accepting it wrote nothing to undo
    assert trail[-1]["action"] == "period.refuse"
    assert trail[-1]["detail"]["version"] is None
    assert a2["household_id"] in _pulled_households(engine, place["budi"])


def test_a_refused_whole_family_death_brings_the_members_back(engine, place, tmp_path):
    a2 = place["a2"]

    def all_died(observed: dict[str, Any]) -> None:
        for member in observed["members"]:
            member["status"] = "deceased"

    _accept_all(engine, place["sari"], seed.push(engine, place["budi"], a2, all_died))
    answer = _refuse(engine, tmp_path, place["sari"], a2["household_id"])
    [entry] = [e for e in answer["households"] if e["household_id"] == a2["household_id"]]
    assert entry["change"] == "remove"
    with reading(engine) as conn:
        after = household_store.get(conn, a2["household_id"])
    assert {m["status"] for m in after["members"]} == {"alive"}


def test_a_refusal_keeps_a_place_corrected_since_and_says_so(engine, place, tmp_path):
    """The musdes sits after the cut-off: a correction accepted since belongs to the next
    period, and a refusal of this period's decision leaves it standing."""
    a1, period = place["a1"], _now_period()
    first = _accept_all(engine, place["sari"], place["visit"])
    _decided_at(engine, first, periods.bounds(period, CUTOFF, seed.VILLAGE_A)[0])
    with reading(engine) as conn:
        current = household_store.get(conn, a1["household_id"])
    later = seed.push(engine, place["budi"], current, seed.change_occupation("nelayan"),
                      base_version=current["version"], seq=2)
    next_period = periods.bounds(periods.shift(period, 1), CUTOFF, seed.VILLAGE_A)[0]
    _decided_at(engine, _accept_all(engine, place["sari"], later), next_period)
    answer = _refuse(engine, tmp_path, place["sari"], a1["household_id"])
    [entry] = answer["households"]
    assert entry["kept"] == [{"path": "members[m1].occupation", "reason": "changed_since"}]
    with reading(engine) as conn:
        now = household_store.get(conn, a1["household_id"])
        trail = audit.for_target(conn, "household", a1["household_id"])
    assert now["members"][0]["occupation"] == "nelayan"  # the later correction stands
    assert now["housing"]["floor"] == a1["housing"]["floor"]
    assert now["address"] == a1["address"]
    assert trail[-1]["detail"]["kept"] == entry["kept"]
    assert sorted(trail[-1]["detail"]["restored"]) == ["address", "housing.floor"]


def test_a_change_made_outside_the_list_is_kept_and_named(engine, place, tmp_path):
    a1 = place["a1"]
    _accept_all(engine, place["sari"], place["visit"])
    with transaction(engine) as conn:  # an import of the national registry since
        current = household_store.get_body(conn, a1["household_id"])[0]
        current = {**current, "housing": {**current["housing"], "floor": "ceramic"},
                   "members": [m for m in current["members"] if m["member_id"] == "m1"]}
        household_store.save_version(conn, current, source="import", actor="test")
    answer = _refuse(engine, tmp_path, place["sari"], a1["household_id"])
    [entry] = answer["households"]
    assert {"path": "housing.floor", "reason": "changed_since"} in entry["kept"]
    with reading(engine) as conn:
        now = household_store.get(conn, a1["household_id"])
        trail = audit.for_target(conn, "household", a1["household_id"])
    assert now["housing"]["floor"] == "ceramic"  # the later value stands
    assert now["address"] == a1["address"]  # the rest is restored
    assert trail[-1]["detail"]["kept"] == entry["kept"]


def test_a_refusal_of_a_place_whose_member_left_does_not_block_the_musdes(engine, place,
                                                                           tmp_path):
    a1 = place["a1"]

    def rudi_works(observed: dict[str, Any]) -> None:
        observed["members"][1]["occupation"] = "petani"

    _accept_all(engine, place["sari"], seed.push(engine, place["budi"], a1, rudi_works,
                                                 device="dev-2"))
    with transaction(engine) as conn:  # Rudi is taken off the family card since
        current = household_store.get_body(conn, a1["household_id"])[0]
        current = {**current, "members": current["members"][:1]}
        household_store.save_version(conn, current, source="import", actor="test")
    answer = _refuse(engine, tmp_path, place["sari"], a1["household_id"])
    assert answer["state"] == "ratified"
    [entry] = answer["households"]
    assert {"path": "members[m2].occupation", "reason": "gone"} in entry["kept"]
