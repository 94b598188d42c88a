"""The regency's approval: only once every village with changes is ratified or SPTJM,
and the submission files hold exactly the agreed changes."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from server.errors import Conflict, Forbidden, ValidationFailed
from server.reconcile import periods
from server.services import musdes, submission
from server.store.blobs import BlobStore
from tests.server.services.test_musdes import CUTOFF, _accept_all, _now_period, _record
from tests.server.services.test_musdes import place as place  # noqa: F401 (fixture)
from tests.server.web import seed


@pytest.fixture
def admin(engine) -> dict[str, Any]:
    return seed.make_web_user(engine, "ani", "admin")


def _file(blobs: BlobStore, engine, admin, period: str, kind: str) -> str:
    return b"".join(submission.submission_file(engine, blobs, admin, period, "1811",
                                               kind)).decode()


def test_approval_waits_for_every_village_then_submits_the_agreed_changes(
        engine, place, admin, tmp_path) -> None:
    blobs = BlobStore(tmp_path / "blobs")
    _accept_all(engine, place["sari"], place["visit"])
    period = _now_period()
    with pytest.raises(ValidationFailed) as caught:
        submission.approve(engine, blobs, admin, period, "1811", CUTOFF)
    assert caught.value.details == {"villages": [
        f"{seed.VILLAGE_A}: belum disahkan musdes atau SPTJM"]}
    assert not (tmp_path / "blobs").exists() or not any((tmp_path / "blobs").rglob("*"))
    seed.make_household(engine, 9, seed.VILLAGE_B)  # a village with nothing proposed
    view = submission.overview(engine, admin, period, "1811", CUTOFF)
    assert view["ready"] == 0
    assert {v["village"]: v["state"] for v in view["villages"]} == {
        seed.VILLAGE_A: "open", seed.VILLAGE_B: "empty"}

    musdes.record_musdes(engine, blobs, place["sari"], period, seed.VILLAGE_A, CUTOFF,
                         _record(signed_as="sptjm", attendees=None))
    approval = submission.approve(engine, blobs, admin, period, "1811", CUTOFF)
    assert approval["changes"] == 1
    rows = list(csv.DictReader(io.StringIO(_file(blobs, engine, admin, period, "csv"))))
    lines = [json.loads(x) for x in _file(blobs, engine, admin, period, "jsonl").splitlines()]
    assert [r["household_id"] for r in rows] == [place["a1"]["household_id"]]
    assert lines[0]["survey_ids"] == [place["visit"]["survey_id"]]
    assert lines[0]["signed_as"] == "sptjm"
    assert {f["path"] for f in lines[0]["fields"]} >= {"address", "housing.floor"}
    assert json.loads(rows[0]["fields"]) == lines[0]["fields"]
    listing = musdes.village_list(engine, admin, period, seed.VILLAGE_A, CUTOFF)
    assert listing["state"] == "approved"
    with pytest.raises(Conflict):  # approved once, never again
        submission.approve(engine, blobs, admin, period, "1811", CUTOFF)
    with pytest.raises(Conflict, match="sudah disetujui"):  # nor a village added after it
        musdes.record_musdes(engine, blobs, admin, period, "1811012002", CUTOFF, _record())


def test_only_an_admin_of_the_regency_approves(engine, place, admin, tmp_path) -> None:
    blobs = BlobStore(tmp_path)
    with pytest.raises(Forbidden):
        submission.approve(engine, blobs, place["sari"], _now_period(), "1811", CUTOFF)
    district_admin = seed.make_web_user(engine, "adi", "admin", ["181101"])
    with pytest.raises(Forbidden):
        submission.approve(engine, blobs, district_admin, _now_period(), "1811", CUTOFF)


def test_no_file_before_approval(engine, admin, tmp_path) -> None:
    with pytest.raises(Conflict):
        submission.submission_file(engine, BlobStore(tmp_path), admin, "2026-11", "1811", "csv")


def test_after_approval_a_village_s_new_decisions_go_to_the_next_period(
        engine, place, admin, tmp_path) -> None:
    blobs, period = BlobStore(tmp_path / "blobs"), _now_period()
    submission.approve(engine, blobs, admin, period, "1811", CUTOFF)  # nothing proposed yet
    _accept_all(engine, place["sari"], place["visit"])
    now = musdes.village_list(engine, admin, period, seed.VILLAGE_A, CUTOFF)
    assert (now["state"], now["households"]) == ("approved", [])
    later = musdes.village_list(engine, admin, periods.shift(period, 1), seed.VILLAGE_A,
                                CUTOFF)
    assert [e["household_id"] for e in later["households"]] == [place["a1"]["household_id"]]
