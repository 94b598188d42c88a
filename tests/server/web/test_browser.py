"""The supervisor's day in a real headless Chromium against a real `verivali-server serve`.

Debian's chromium (installed by `.ci/run`), driven by Playwright without any browser
download of its own.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.server.web import seed

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium"),
]


@pytest.fixture
def browser_page() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context(locale="id-ID", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()


def _sign_in(page: Any, base: str, name: str) -> None:
    page.goto(f"{base}/masuk")
    page.fill("#username", name)
    page.fill("#password", seed.PASSWORD)
    page.click("form button.primary")


def test_supervisor_reviews_a_household(world, live_server, browser_page) -> None:
    page, base = browser_page, live_server.url
    household_id = world["a1"]["household_id"]
    _sign_in(page, base, "sari")
    page.wait_for_url(re.compile(r".*/antrian$"))
    assert page.locator("h1").inner_text() == "Antrian Temuan"

    # Filter the queue to one rule: only discrepancies of Wiralaga I remain.
    page.select_option("#f-aturan", "FIELD_CHANGED")
    page.click("#queue-filter button.primary")
    page.wait_for_url(re.compile(r".*aturan=FIELD_CHANGED.*"))
    rows = page.locator("#household-queue tbody tr[data-household]")
    assert rows.count() == 1  # the queue is by household: one family, three findings
    assert page.locator("#queue-total").inner_text() == "3"

    # Open the household from the queue.
    rows.first.locator("a").click()
    page.wait_for_url(re.compile(rf".*/keluarga/{household_id}.*"))
    assert page.locator("#registry-version").inner_text() == "1"
    # The differences first; the whole record only on request.
    assert page.locator('#differences tr.differs').count() == 3
    assert not page.locator("#full-compare").is_visible()
    page.click("#all-data summary")
    assert page.locator("#full-compare").is_visible()
    assert page.locator('#full-compare tr[data-path]').count() > 20

    # Accept the occupation, reject the floor with a reason.
    occupation = page.locator("article.flag-card", has_text="Pekerjaan (")
    occupation.locator("button[value=accept]").click()
    page.wait_for_selector(".flash-success")
    assert "versi 2" in page.locator(".flash-success").inner_text()
    assert page.locator("#registry-version").inner_text() == "2"

    floor = page.locator("article.flag-card", has_text="Lantai")
    floor.locator("textarea").fill("Lantai sudah disemen sejak 2020, foto menyusul")
    floor.locator("button[value=reject]").click()
    page.wait_for_selector(".flash-success")
    assert page.locator("#registry-version").inner_text() == "2"
    decided = page.locator("#decided-flags tr[data-status]")
    assert sorted(decided.evaluate_all("rows => rows.map(r => r.dataset.status)")) == \
        ["accepted", "rejected"]
    assert "Lantai sudah disemen" in page.locator("#trail").inner_text()
    assert page.locator('details.version[data-version="2"]').count() == 1

    # Sign out: the pages are closed again.
    page.click("header form button")
    page.wait_for_url(re.compile(r".*/masuk$"))
    page.goto(f"{base}/antrian")
    assert "/masuk" in page.url


def test_supervisor_cannot_open_another_regions_household(world, live_server, browser_page) -> None:
    page, base = browser_page, live_server.url
    _sign_in(page, base, "sari")
    page.wait_for_url(re.compile(r".*/antrian$"))
    response = page.goto(f"{base}/keluarga/{world['b1']['household_id']}")
    assert response is not None and response.status == 403
    assert "Akses ditolak" in page.locator("h1").inner_text()
    assert "nelayan" not in page.content()
