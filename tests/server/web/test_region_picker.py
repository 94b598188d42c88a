"""Region pickers: names from the Kemendagri list, a typed code still taken, a wrong or
ambiguous entry refused naming the field; on the admin, dashboard, musdes and export pages."""

from __future__ import annotations

import re
from typing import Any

import pytest

from server.store import users as user_store
from server.store.db import reading
from server.store.tables import assignments
from server.web import region_picker
from server.web.region_picker import EntryError
from tests.server.web import seed

WIRALAGA = "Wiralaga I — Mesuji (18.11.01.2001)"


@pytest.mark.parametrize("entry", [
    "1811012001", "18.11.01.2001", WIRALAGA, "Wiralaga I", "wiralaga  i", "Desa Wiralaga I",
    "Wiralaga I — Mesuji", "Wiralaga I - Mesuji",
])
def test_a_name_or_a_code_resolves(app, entry: str) -> None:
    with app.test_request_context("/"):
        assert region_picker.resolve(entry, ("1811",), (), "Wilayah") == "1811012001"


def test_a_kecamatan_by_name_and_the_level_word(app) -> None:
    with app.test_request_context("/"):
        assert region_picker.resolve("Kecamatan Mesuji", ("1811",), (), "Wilayah") == "181101"
        assert region_picker.resolve("Mesuji Timur", ("1811",), (), "Wilayah") == "181102"


@pytest.mark.parametrize(("entry", "says"), [
    ("Desa Tidak Ada", "Wilayah: tidak ada wilayah bernama “Desa Tidak Ada” di wilayah Anda"),
    ("18x", "Wilayah: 18x bukan kode wilayah"),
    ("Sesuatu (18.1)", "Wilayah: Sesuatu (18.1) bukan kode wilayah"),
    ("9999", "Wilayah: kode 9999 tidak ada dalam daftar wilayah"),
    ("Wiralaga I", "Wilayah: tidak ada wilayah bernama"),  # outside the scope given
])
def test_a_wrong_entry_is_refused_naming_the_field(app, entry: str, says: str) -> None:
    with app.test_request_context("/"), pytest.raises(EntryError) as refused:
        region_picker.resolve(entry, ("1812",), (), "Wilayah")
    assert refused.value.message.startswith(says)


def test_an_ambiguous_name_lists_its_places_and_the_kecamatan_settles_it(app) -> None:
    with app.test_request_context("/"):
        with pytest.raises(EntryError) as refused:
            region_picker.resolve("Negara Ratu", ("18",), (), "Desa/Kelurahan")
        message = refused.value.message
        assert message.startswith("Desa/Kelurahan: “Negara Ratu” ada di")
        assert "Negara Ratu — Natar (18.01.04.2006)" in message
        assert region_picker.resolve("Negara Ratu — Natar", ("18",), (), "Wilayah") == \
            "1801042006"


def test_a_retired_code_the_server_holds_is_taken(app) -> None:
    with app.test_request_context("/"):
        assert region_picker.resolve("1811019999", ("1811",), ["1811019999"], "Wilayah") == \
            "1811019999"


def test_the_list_is_bounded() -> None:
    regency = region_picker.options(("1811",))
    assert WIRALAGA in [p.text for p in regency]
    assert 100 < len(regency) < 200
    province = region_picker.options(("18",))  # 2,600 villages: regencies and kecamatan only
    assert len(province) < 300 and all(len(p.code) < 10 for p in province)


def test_entries_split_names_from_codes() -> None:
    assert region_picker.entries("1811 1812, Wiralaga I\nKecamatan Mesuji;", WIRALAGA) == \
        ["1811", "1812", "Wiralaga I", "Kecamatan Mesuji", WIRALAGA]


def _regions_of(engine, name: str) -> list[str]:
    with reading(engine) as conn:
        return user_store.by_name(conn, name)["regions"]


def test_admin_gives_regions_by_name_or_code(client, engine, world) -> None:
    seed.signin(client, "ani")
    form = client.get("/admin/pengguna/baru").get_data(as_text=True)
    assert f'<option value="{WIRALAGA}"></option>' in form  # the server's regencies' places
    response = seed.post(client, "/admin/pengguna/baru",
                         {"name": "dewi", "role": "supervisor", "regions": "Kecamatan Mesuji",
                          "regions_pick": WIRALAGA.replace("Wiralaga I", "Wiralaga II")
                          .replace("2001", "2002")})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert _regions_of(engine, "dewi") == ["181101", "1811012002"]
    edit = client.get("/admin/pengguna/dewi").get_data(as_text=True)
    assert "Kecamatan Mesuji — Kabupaten Mesuji (18.11.01)" in edit  # names, not bare codes
    assert seed.post(client, "/admin/pengguna/dewi/wilayah",
                     {"regions": "181102"}).status_code == 302
    assert _regions_of(engine, "dewi") == ["181102"]
    refused = seed.post(client, "/admin/pengguna/dewi/wilayah", {"regions_pick": "Wiralaga IX"})
    assert refused.status_code == 422
    assert "Wilayah: tidak ada wilayah bernama “Wiralaga IX”" in refused.get_data(as_text=True)
    assert _regions_of(engine, "dewi") == ["181102"]


def test_assign_a_village_by_name(client, engine, world) -> None:
    seed.make_web_user(engine, "rina", "enumerator")
    seed.signin(client, "ani")
    response = seed.post(client, "/admin/penugasan/tugaskan",
                         {"enumerator": "rina", "regions_pick": "Wiralaga I"})
    assert response.status_code == 302
    with reading(engine) as conn:
        rina = user_store.by_name(conn, "rina")
        held = conn.execute(assignments.select().where(
            assignments.c.enumerator_id == rina["user_id"])).all()
    assert len(held) == 2
    refused = seed.post(client, "/admin/penugasan/tugaskan",
                        {"enumerator": "rina", "regions_pick": "Desa Entah"})
    assert refused.status_code == 422
    assert "Desa/Kelurahan: tidak ada wilayah bernama “Desa Entah”" in \
        refused.get_data(as_text=True)


def test_supervisor_pages_take_a_name_or_a_code(client, world) -> None:
    seed.signin(client, "sari")
    for entry in ("Kecamatan Mesuji", "18.11.01"):
        page = client.get("/dasbor", query_string={"wilayah": entry}).get_data(as_text=True)
        assert "Kecamatan Mesuji" in page and 'id="totals"' in page
    assert client.get("/dasbor", query_string={"wilayah": "Talang Batu"}).status_code == 422
    assert client.get("/dasbor?wilayah=181102").status_code == 403  # a typed code outside
    chosen = client.get("/musdes", query_string={"desa": WIRALAGA})
    assert chosen.status_code == 302 and chosen.headers["Location"].endswith("/desa/1811012001")
    wrong = client.get("/musdes", query_string={"desa": "Wiralaga IX"})
    assert wrong.status_code == 422
    assert "Desa/Kelurahan: tidak ada wilayah bernama" in wrong.get_data(as_text=True)
    lines = client.get("/ekspor/dtsen.jsonl", query_string={"wilayah": "Wiralaga I"})
    assert lines.status_code == 200 and lines.get_data(as_text=True).count("\n") == 2
    refused = client.get("/ekspor/dtsen.jsonl", query_string={"wilayah": "Entah"})
    assert refused.status_code == 422
    assert 'id="region-error"' in refused.get_data(as_text=True)


def test_picker_on_a_phone(world, live_server) -> None:
    """At 400 px the dashboard's picker fits, offers names, and a chosen name works."""
    from playwright.sync_api import sync_playwright

    from tests.server.web.test_browser import ARGS, CHROMIUM, _sign_in

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context(locale="id-ID", viewport={"width": 400, "height": 800})
        page: Any = context.new_page()
        page.set_default_timeout(15_000)
        try:
            _sign_in(page, live_server.url, "sari")
            page.wait_for_url(re.compile(r".*/antrian$"))
            page.goto(f"{live_server.url}/dasbor")
            box = page.locator("#d-wilayah").bounding_box()
            assert box is not None and box["x"] + box["width"] <= 400
            assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
            offered = page.eval_on_selector_all("#my-regions option", "os => os.map(o => o.value)")
            assert WIRALAGA in offered
            page.fill("#d-wilayah", WIRALAGA)
            page.click("#dashboard-filter button[type=submit]")
            page.wait_for_url(re.compile(r".*wilayah=Wiralaga.*"))
            assert "Desa Wiralaga I" in page.inner_text("h1")
        finally:
            context.close()
            browser.close()
