"""The supervisor's and admin's pages at an office screen (1366×768) and a phone (400×800).

Real headless Chromium against a real `verivali-server serve`: no page scrolls sideways,
decisions and their errors come back in view, the household page leads with differences.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.server.web import seed
from tests.server.web.test_browser import ARGS, CHROMIUM, _sign_in, pytestmark  # noqa: F401

SIZES = {"office": (1366, 768), "phone": (400, 800)}


@pytest.fixture(params=sorted(SIZES))
def sized_page(request) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    width, height = SIZES[request.param]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context(locale="id-ID", viewport={"width": width, "height": height})
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()


def _overflow(page: Any) -> int:
    """How many pixels the page is wider than the window (0: no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def _in_view(page: Any, selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()
    height = page.evaluate("window.innerHeight")
    return box is not None and 0 <= box["y"] and box["y"] + min(box["height"], 40) <= height


def test_no_page_scrolls_sideways(world, live_server, sized_page) -> None:
    page, base = sized_page, live_server.url
    household = world["a1"]["household_id"]
    supervisor_pages = ["/antrian", "/antrian?tampilan=temuan", f"/keluarga/{household}",
                        "/dasbor", "/ekspor"]
    _sign_in(page, base, "sari")
    page.wait_for_url(re.compile(r".*/antrian$"))
    widths = {}
    for path in supervisor_pages:
        page.goto(base + path)
        widths[path] = _overflow(page)
    page.goto(f"{base}/keluarga/{household}")
    page.click("#all-data summary")
    widths["household, all data"] = _overflow(page)
    page.click("header form button")
    page.wait_for_url(re.compile(r".*/masuk$"))
    widths["/masuk"] = _overflow(page)
    _sign_in(page, base, "ani")
    page.wait_for_url(re.compile(r".*/antrian$"))
    for path in ("/admin/pengguna", "/admin/pengguna/budi", "/admin/pengguna/baru",
                 "/admin/penugasan", "/dasbor?wilayah=18"):
        page.goto(base + path)
        widths[path] = _overflow(page)
    assert {path: px for path, px in widths.items() if px > 0} == {}


def test_a_decision_and_its_error_come_back_in_view(world, live_server, sized_page) -> None:
    """Reject without a reason: the page returns at that finding with the error beside it."""
    page, base = sized_page, live_server.url
    _sign_in(page, base, "sari")
    page.wait_for_url(re.compile(r".*/antrian$"))
    page.goto(f"{base}/keluarga/{world['a1']['household_id']}")
    # The findings lead the page: the first decision is on the first screen.
    assert _in_view(page, "#open-flags article.flag-card button[value=accept]")
    card = page.locator("article.flag-card", has_text="Alamat")
    card.locator("button[value=reject]").click()
    page.wait_for_selector(".field-error")
    assert "Tulis alasan" in page.locator(".field-error").inner_text()
    assert _in_view(page, ".field-error")
    card = page.locator("article.flag-card", has_text="Alamat")
    card.locator("textarea").fill("Alamat lama masih dipakai di KK")
    card.locator("button[value=reject]").click()
    page.wait_for_selector(".flash-success")
    assert _in_view(page, ".flash-success")
    # Members by name, never by their id.
    assert "(anggota m1)" not in page.locator("main").inner_text()
    assert "Pekerjaan (Siti Aminah)" in page.locator("#open-flags").inner_text()


def test_a_not_found_household_shows_the_outcome_not_empty_rows(
        engine, world, live_server, sized_page) -> None:
    page, base = sized_page, live_server.url
    seed.push(engine, world["budi"], world["a2"], outcome="not_found")
    _sign_in(page, base, "sari")
    page.wait_for_url(re.compile(r".*/antrian$"))
    page.goto(f"{base}/keluarga/{world['a2']['household_id']}")
    assert "Tidak Ditemukan" in page.locator("#visit-outcome").inner_text()
    assert page.locator("#differences").count() == 0
    assert not page.locator("#full-compare").is_visible()
    assert "not_found" not in page.locator("main").inner_text()
    assert _overflow(page) <= 0


def test_charts_keep_readable_text_on_a_phone(world, live_server, sized_page) -> None:
    page, base = sized_page, live_server.url
    _sign_in(page, base, "sari")
    page.wait_for_url(re.compile(r".*/antrian$"))
    page.goto(f"{base}/dasbor?wilayah=181101")
    sizes = page.eval_on_selector_all(
        "svg.chart text", "els => els.map(e => e.getBoundingClientRect().height)")
    assert sizes and min(sizes) >= 9  # pixels on screen, whatever the window's width
    assert _overflow(page) <= 0
