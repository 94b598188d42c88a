"""Bulk decisions on the queue over real HTTP (a live `verivali-server serve`).

Plain form posts, no script: choose → a confirmation that names the count and writes
nothing → decide → "N temuan ditolak" with the skipped ones listed.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests
from sqlalchemy import select

from server.store.db import reading
from server.store.tables import flags
from tests.server.web import seed

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """A requests session that signs in through the form and posts with the CSRF token."""

    def __init__(self, base: str, name: str):
        self.base = base
        self.http = requests.Session()
        page = self.http.get(f"{base}/masuk", timeout=30).text
        answer = self.http.post(f"{base}/masuk", timeout=30, data={
            "username": name, "password": seed.PASSWORD, "csrf_token": self.token(page)})
        assert answer.ok and "/masuk" not in answer.url, answer.url

    @staticmethod
    def token(page: str) -> str:
        found = _TOKEN.search(page)
        assert found, "no CSRF token on the page"
        return found.group(1)

    def get(self, path: str) -> requests.Response:
        return self.http.get(self.base + path, timeout=30)

    def post(self, path: str, data: list[tuple[str, str]]) -> requests.Response:
        page = self.get("/antrian").text
        return self.http.post(self.base + path, data=[*data, ("csrf_token", self.token(page))],
                              timeout=60)


def _statuses(engine: Any, ids: list[str]) -> dict[str, str]:
    with reading(engine) as conn:
        rows = conn.execute(select(flags.c.flag_id, flags.c.status)
                            .where(flags.c.flag_id.in_(ids))).all()
    return {r.flag_id: r.status for r in rows}


def _confirmed_ids(page: str) -> list[str]:
    return re.findall(r'name="temuan" value="([0-9a-f-]{36})"', page)


@pytest.fixture
def sari(world, live_server) -> Browser:
    return Browser(live_server.url, "sari")


def test_every_note_under_the_filter_confirm_then_done(engine, world, live_server, sari):
    notes = seed.bulk_flags(engine, 137, seed.VILLAGE_A2, rule="GRADUATION_DUE",
                            severity="info")
    queue = sari.get(f"/antrian?tampilan=temuan&desa={seed.VILLAGE_A2}&aturan=GRADUATION_DUE")
    assert 'id="bulk-all"' in queue.text and "137 temuan, di semua halaman" in queue.text
    choose = [("semua", "1"), ("action", "reject"), ("note", "masih ada anggota lansia"),
              ("desa", seed.VILLAGE_A2), ("aturan", "GRADUATION_DUE"), ("tampilan", "temuan")]
    confirm = sari.post("/antrian/massal", choose)
    assert confirm.status_code == 200
    assert "Tolak 137 temuan?" in confirm.text
    assert sorted(_confirmed_ids(confirm.text)) == sorted(notes)
    assert set(_statuses(engine, notes).values()) == {"open"}  # nothing written yet

    # Decide what was confirmed: the confirmation's own fields, posted back.
    fields = re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', confirm.text)
    done = sari.post("/antrian/massal/putuskan", [(k, v) for k, v in fields if k != "csrf_token"])
    assert done.status_code == 200
    assert '<h1 id="bulk-done">137 temuan ditolak</h1>' in done.text
    assert 'id="bulk-skipped"' not in done.text
    assert set(_statuses(engine, notes).values()) == {"rejected"}


def test_ticked_households_and_the_skipped_listed(engine, world, live_server, sari):
    seed.push(engine, world["budi"], world["a1"], seed.change_occupation("nelayan"),
              device="dev-2")
    household = world["a1"]["household_id"]
    choose = [("keluarga", household), ("action", "accept"), ("note", "")]
    confirm = sari.post("/antrian/massal", choose)
    assert "Terima 6 temuan?" in confirm.text  # three changes, two NIK notes, a conflict
    fields = re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', confirm.text)
    done = sari.post("/antrian/massal/putuskan", [(k, v) for k, v in fields if k != "csrf_token"])
    assert "5 temuan diterima" in done.text
    assert "1 temuan dilewati" in done.text
    assert "Konflik data: pilih nilai yang benar di halaman keluarga." in done.text
    assert f'href="/keluarga/{household}#flag-' in done.text


def test_a_crafted_id_outside_the_regions_is_refused_at_both_steps(
        engine, world, live_server, sari):
    theirs = seed.bulk_flags(engine, 1, seed.VILLAGE_B)
    mine = seed.bulk_flags(engine, 2, seed.VILLAGE_A2)
    picked = [("temuan", i) for i in mine + theirs]
    assert sari.post("/antrian/massal", [*picked, ("action", "accept")]).status_code == 403
    assert sari.post("/antrian/massal/putuskan",
                     [*picked, ("action", "accept")]).status_code == 403
    assert set(_statuses(engine, mine + theirs).values()) == {"open"}


def test_too_many_or_nothing_chosen_or_no_reason_gives_a_message(
        engine, world, live_server, sari):
    ids = seed.bulk_flags(engine, 501, seed.VILLAGE_A2)
    too_many = sari.post("/antrian/massal", [("semua", "1"), ("action", "accept"),
                                             ("desa", seed.VILLAGE_A2)])
    assert too_many.status_code == 200 and "/antrian" in too_many.url
    assert "501 temuan; paling banyak 500 sekaligus" in too_many.text
    assert "Persempit saringan" in too_many.text
    nothing = sari.post("/antrian/massal", [("action", "accept")])
    assert "Pilih temuan dulu" in nothing.text
    no_reason = sari.post("/antrian/massal", [("temuan", ids[0]), ("action", "reject")])
    assert "Tulis alasan pada catatan" in no_reason.text
    bad = sari.post("/antrian/massal/putuskan", [("temuan", ids[0]), ("action", "hapus")])
    assert "Pilih Terima, Tolak atau Minta Kunjungan Ulang." in bad.text
    assert set(_statuses(engine, ids).values()) == {"open"}


def test_the_english_page_reads_english(engine, world, live_server, sari):
    seed.bulk_flags(engine, 3, seed.VILLAGE_A2)
    sari.get("/bahasa/en?next=/antrian")
    confirm = sari.post("/antrian/massal", [("semua", "1"), ("action", "reject"),
                                            ("note", "checked"), ("desa", seed.VILLAGE_A2)])
    assert "Reject 3 findings?" in confirm.text, confirm.text
