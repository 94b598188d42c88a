"""The monthly cycle in a real headless Chromium against a real `verivali-server serve`:
list → berita acara PDF (read back with pdftotext) → signed scan uploaded with a
refusal → ratified → the regency approves → submission files that match the list."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from server.reconcile import periods
from server.services import flags as flag_service
from server.store import households as household_store
from server.store.db import reading
from tests.server.web import seed
from tests.server.web.test_browser import ARGS, CHROMIUM, _sign_in

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")]


@pytest.fixture
def cycle(engine, world) -> dict[str, Any]:
    """A1 corrected in three places and A2 found moved, every flag accepted by sari."""
    seed.push(engine, world["budi"], world["a2"], outcome="moved", seq=2)
    for flag_id in _open_flags(engine, seed.VILLAGE_A):
        flag_service.resolve(engine, world["sari"], flag_id, "accept", None)
    period = periods.period_of(datetime.now(UTC), 17, seed.VILLAGE_A)
    return {**world, "period": period}


def _open_flags(engine, village: str) -> list[str]:
    page = flag_service.list_flags(engine, {"role": "admin", "regions": []}, status="open",
                                   rule=None, region=village, household_id=None, cursor=None,
                                   limit=100)
    return [f["flag_id"] for f in page["flags"]]


def _browser(playwright: Any, width: int, height: int) -> tuple[Any, Any]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
    context = browser.new_context(locale="id-ID", viewport={"width": width, "height": height},
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    return browser, page


def _download(page: Any, selector: str, folder: Path) -> Path:
    with page.expect_download() as info:
        page.click(selector)
    target = folder / info.value.suggested_filename
    info.value.save_as(target)
    return target


def _fits(page: Any, width: int) -> None:
    """Nothing wider than the window: wide tables scroll inside their own box."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_monthly_cycle_end_to_end(cycle, engine, live_server, tmp_path) -> None:
    from playwright.sync_api import sync_playwright

    period, village, base = cycle["period"], seed.VILLAGE_A, live_server.url
    a1, a2 = cycle["a1"]["household_id"], cycle["a2"]["household_id"]
    with sync_playwright() as playwright:
        browser, page = _browser(playwright, 1366, 768)
        _sign_in(page, base, "sari")
        page.wait_for_url(re.compile(r".*/antrian$"))
        page.click("text=Musdes")
        page.fill("#m-desa", village)
        page.click("#musdes-choose button.primary")
        page.wait_for_url(re.compile(rf".*/musdes/{period}/desa/{village}$"))
        _fits(page, 1366)
        assert page.locator("#period-state").inner_text() == "Siap musdes"
        assert "Batas akhir usulan bulanan" in page.locator("#cutoff").inner_text()
        rows = page.locator("#usulan tbody tr[data-household]")
        assert rows.count() == 2
        a1_row = page.locator(f"tr[data-household='{a1}']").inner_text()
        assert "Usulan Perbaikan" in a1_row and "Lantai: Tanah → Semen" in a1_row
        assert "Usulan Hapus" in page.locator(f"tr[data-household='{a2}']").inner_text()

        listed = _download(page, "#download-csv", tmp_path)
        sheet = list(csv.DictReader(io.StringIO(listed.read_text(encoding="utf-8"))))
        assert {r["household_id"] for r in sheet} == {a1, a2}
        pdf = _download(page, "#download-ba", tmp_path)
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert "BERITA ACARA MUSYAWARAH DESA" in text and a1 in text and a2 in text

        # The signed scan comes back with A1's corrections refused.
        scan = tmp_path / "ba-ditandatangani.pdf"
        scan.write_bytes(pdf.read_bytes())
        page.fill("#held_on", datetime.now(UTC).date().isoformat())
        page.fill("#attendees", "27")
        page.set_input_files("#scan", str(scan))
        page.check(f"input[name=refused][value='{a1}']")
        page.click("#ratify")
        page.wait_for_selector(".flash")
        assert page.locator("#period-state").inner_text() == "Sudah musdes"
        assert "27 peserta" in page.locator("#musdes-record").inner_text()
        assert "Ditolak" in page.locator(f"tr[data-household='{a1}']").inner_text()
        assert page.locator("#ratify").count() == 0  # frozen: no form any more
        browser.close()

        browser, page = _browser(playwright, 1366, 768)
        _sign_in(page, base, "ani")
        page.wait_for_url(re.compile(r".*/antrian$"))
        page.goto(f"{base}/musdes/{period}/kabupaten/1811")
        assert "1 dari" in page.locator("#ready").inner_text()
        page.click("#approve")
        page.wait_for_selector("#approved")
        submitted = _download(page, "#submission-csv", tmp_path)
        lines = _download(page, "#submission-jsonl", tmp_path)
        browser.close()

    rows_csv = list(csv.DictReader(io.StringIO(submitted.read_text(encoding="utf-8"))))
    rows_json = [json.loads(line) for line in lines.read_text(encoding="utf-8").splitlines()]
    # Exactly the agreed change: A2's removal; A1 was refused and is not submitted.
    assert [(r["household_id"], r["change"]) for r in rows_csv] == [(a2, "remove")]
    assert [(r["household_id"], r["change"]) for r in rows_json] == [(a2, "remove")]
    assert rows_json[0]["berita_acara_id"] == f"BA/{period}/{village}"
    assert rows_json[0]["kk_number"] == cycle["a2"]["kk_number"]
    with reading(engine) as conn:
        restored = household_store.get(conn, a1)
    assert restored["housing"]["floor"] == cycle["a1"]["housing"]["floor"]


def test_the_musdes_pages_fit_a_phone(cycle, live_server) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser, page = _browser(playwright, 400, 800)
        _sign_in(page, live_server.url, "ani")
        page.wait_for_url(re.compile(r".*/antrian$"))
        for path in ("/musdes", f"/musdes/{cycle['period']}/desa/{seed.VILLAGE_A}",
                     f"/musdes/{cycle['period']}/kabupaten/1811"):
            page.goto(live_server.url + path)
            assert page.locator("h1").is_visible()
            _fits(page, 400)
        browser.close()
