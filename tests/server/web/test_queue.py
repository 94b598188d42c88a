"""Antrian Temuan: scope, filters, counts per rule, keyset paging, bad input."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from tests.server.web import seed


def _flag_ids(page: str) -> list[str]:
    return re.findall(r'data-flag="([0-9a-f-]{36})"', page)


def test_supervisor_sees_only_own_region(client, world):
    seed.signin(client, "sari")
    page = client.get("/antrian").get_data(as_text=True)
    assert world["a1"]["household_id"] in page
    assert world["b1"]["household_id"] not in page
    seed.post(client, "/keluar")
    seed.signin(client, "tono")
    page = client.get("/antrian").get_data(as_text=True)
    assert world["b1"]["household_id"] in page
    assert world["a1"]["household_id"] not in page


def test_admin_without_regions_sees_everything(client, world):
    seed.signin(client, "ani")
    page = client.get("/antrian").get_data(as_text=True)
    assert world["a1"]["household_id"] in page and world["b1"]["household_id"] in page


def test_filter_by_rule_and_counts_per_rule(client, engine, world):
    seed.bulk_flags(engine, 4, seed.VILLAGE_A2, rule="GRADUATION_DUE", severity="info")
    seed.signin(client, "sari")
    page = client.get("/antrian").get_data(as_text=True)
    assert 'data-rule="GRADUATION_DUE"' in page
    assert re.search(r'data-rule="GRADUATION_DUE">[^<]+</a> <span class="count">4<', page)
    filtered = client.get("/antrian?tampilan=temuan&aturan=GRADUATION_DUE").get_data(as_text=True)
    assert len(_flag_ids(filtered)) == 4
    assert 'id="queue-total">4<' in filtered


def test_filter_by_village_severity_and_age(client, engine, world):
    old = datetime.now(UTC) - timedelta(days=45)
    seed.bulk_flags(engine, 3, seed.VILLAGE_A2, severity="error", start=old)
    seed.signin(client, "sari")
    by_village = client.get(f"/antrian?tampilan=temuan&desa={seed.VILLAGE_A2}").get_data(as_text=True)
    assert len(_flag_ids(by_village)) == 3
    by_severity = client.get("/antrian?tampilan=temuan&tingkat=error").get_data(as_text=True)
    assert set(_flag_ids(by_village)) <= set(_flag_ids(by_severity))
    by_age = client.get("/antrian?tampilan=temuan&umur=30").get_data(as_text=True)
    assert set(_flag_ids(by_age)) == set(_flag_ids(by_village))
    dotted = client.get("/antrian?tampilan=temuan&desa=18.11.01.2002").get_data(as_text=True)
    assert len(_flag_ids(dotted)) == 3


def test_oldest_first_and_keyset_pages(client, engine, world):
    ids = seed.bulk_flags(engine, 120, seed.VILLAGE_A2)
    seed.signin(client, "sari")
    first = client.get(f"/antrian?tampilan=temuan&desa={seed.VILLAGE_A2}").get_data(as_text=True)
    assert _flag_ids(first) == ids[:50]
    next_url = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = client.get(next_url).get_data(as_text=True)
    assert _flag_ids(second) == ids[50:100]
    third_url = re.search(r'href="([^"]+)" rel="next"', second).group(1).replace("&amp;", "&")
    third = client.get(third_url).get_data(as_text=True)
    assert _flag_ids(third) == ids[100:]
    assert 'rel="next"' not in third
    prev_url = re.search(r'href="([^"]+)" rel="prev"', third).group(1).replace("&amp;", "&")
    assert _flag_ids(client.get(prev_url).get_data(as_text=True)) == ids[50:100]


def test_region_outside_scope_is_refused_without_leaking(client, world):
    seed.signin(client, "sari")
    page = client.get(f"/antrian?tampilan=temuan&desa={seed.VILLAGE_B}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "di luar cakupan" in text
    assert world["b1"]["household_id"] not in text


def test_bad_filters_give_messages_not_errors(client, world):
    seed.signin(client, "sari")
    page = client.get("/antrian?tampilan=temuan&desa=abc&aturan=NOPE&umur=-4&tingkat=x&status=y&setelah=%%%")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Kode wilayah harus" in text
    assert "Jenis temuan tidak dikenal" in text
    assert "Umur temuan harus" in text


def test_revisit_status_lists_flags_sent_back(client, engine, world):
    seed.signin(client, "sari")
    flag = world["visit"]["flags"][0]
    seed.post(client, f"/temuan/{flag['flag_id']}/putuskan",
              {"action": "revisit", "note": "Mohon cek ulang lantai"})
    page = client.get("/antrian?tampilan=temuan&status=revisit").get_data(as_text=True)
    assert _flag_ids(page) == [flag["flag_id"]]


def _household_rows(page: str) -> list[str]:
    return re.findall(r'data-household="([^"]+)"', page)


def test_queue_by_household_most_severe_first_then_oldest(client, engine, world):
    """One row per family with its counts by severity; notes can be hidden in one click."""
    old = datetime.now(UTC) - timedelta(days=90)
    notes = seed.bulk_flags(engine, 3, seed.VILLAGE_A2, rule="GRADUATION_DUE", severity="info",
                            start=old, household_prefix="note")
    errors = seed.bulk_flags(engine, 2, seed.VILLAGE_A2, severity="error",
                             household_prefix="berat")
    seed.signin(client, "sari")
    page = client.get("/antrian").get_data(as_text=True)
    rows = _household_rows(page)
    assert _flag_ids(page) == []  # no per-finding rows in this view
    assert len(rows) == len(set(rows))
    severe = [h for h in rows if h.startswith("berat")]
    noted = [h for h in rows if h.startswith("note")]
    assert severe and noted and rows.index(severe[-1]) < rows.index(noted[0])
    # The notes are the oldest, yet come last; among them the oldest comes first.
    assert noted == sorted(noted)
    assert re.search(r'id="queue-shown">1–\d+ dari \d+ keluarga', page)
    assert world["a1"]["household_id"] in rows
    hidden = client.get("/antrian?catatan=sembunyi").get_data(as_text=True)
    assert not [h for h in _household_rows(hidden) if h.startswith("note")]
    assert 'data-rule="GRADUATION_DUE"' not in hidden
    assert len(notes) == 3 and len(errors) == 2


def test_queue_by_household_pages_are_counted(client, engine, world):
    seed.bulk_flags(engine, 120, seed.VILLAGE_A2, household_prefix="banyak")
    seed.signin(client, "sari")
    first = client.get(f"/antrian?desa={seed.VILLAGE_A2}").get_data(as_text=True)
    total = len(set(_household_rows(first)))
    assert total == 50
    assert 'id="queue-shown">1–50 dari ' in first
    next_url = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = client.get(next_url).get_data(as_text=True)
    assert 'id="queue-shown">51–100 dari ' in second
    assert not set(_household_rows(first)) & set(_household_rows(second))
