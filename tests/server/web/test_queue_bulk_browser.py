"""Bulk decisions in real headless Chromium at 1366×768 and 400×800: select → confirm → done.

Against a real `verivali-server serve`: the folded bar opens, rows are ticked (or the
whole filter chosen), the confirmation names the count, and no page scrolls sideways.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from server.store.db import reading
from server.store.tables import flags
from tests.server.web import seed
from tests.server.web.test_browser import _sign_in, pytestmark  # noqa: F401
from tests.server.web.test_browser_fit import _overflow, sized_page  # noqa: F401


def _statuses(engine: Any, ids: list[str]) -> set[str]:
    with reading(engine) as conn:
        return set(conn.execute(select(flags.c.status).where(flags.c.flag_id.in_(ids)))
                   .scalars())


def test_tick_two_findings_confirm_and_done(engine, world, live_server, sized_page) -> None:  # noqa: F811
    page, base = sized_page, live_server.url
    ids = seed.bulk_flags(engine, 3, seed.VILLAGE_A2, rule="GRADUATION_DUE", severity="info")
    _sign_in(page, base, "sari")
    page.wait_for_url(re.compile(r".*/antrian$"))
    page.goto(f"{base}/antrian?tampilan=temuan&desa={seed.VILLAGE_A2}")
    widths = {"queue": _overflow(page)}
    page.click("#bulk summary")
    widths["queue, bar open"] = _overflow(page)
    for flag_id in ids[:2]:
        page.check(f"input[name=temuan][value='{flag_id}']")
    page.select_option("#bulk-action", "reject")
    page.fill("#bulk-note", "Masih ada anggota lansia")
    page.click("#bulk-next")
    page.wait_for_selector("#bulk-question")
    assert page.locator("#bulk-question").inner_text() == "Tolak 2 temuan?"
    widths["confirm"] = _overflow(page)
    assert _statuses(engine, ids) == {"open"}
    page.click("#bulk-yes")
    page.wait_for_selector("#bulk-done")
    assert page.locator("#bulk-done").inner_text() == "2 temuan ditolak"
    widths["done"] = _overflow(page)
    assert _statuses(engine, ids[:2]) == {"rejected"}
    assert _statuses(engine, ids[2:]) == {"open"}
    assert {name: px for name, px in widths.items() if px > 0} == {}


def test_everything_under_the_filter_and_the_skipped_listed(
        engine, world, live_server, sized_page) -> None:  # noqa: F811
    page, base = sized_page, live_server.url
    seed.push(engine, world["budi"], world["a1"], seed.change_occupation("nelayan"),
              device="dev-2")
    _sign_in(page, base, "sari")
    page.wait_for_url(re.compile(r".*/antrian$"))
    page.goto(f"{base}/antrian?desa={seed.VILLAGE_A}")  # by household
    page.click("#bulk summary")
    page.check("#bulk-all")
    page.click("#bulk-next")  # Terima is the first choice
    page.wait_for_selector("#bulk-question")
    assert page.locator("#bulk-question").inner_text() == "Terima 6 temuan?"
    page.click("#bulk-yes")
    page.wait_for_selector("#bulk-done")
    assert page.locator("#bulk-done").inner_text() == "5 temuan diterima"
    skipped = page.locator("#bulk-skipped").inner_text()
    assert "Konflik data: pilih nilai yang benar di halaman keluarga." in skipped
    assert _overflow(page) <= 0
    page.click("#bulk-back")
    page.wait_for_url(re.compile(r".*/antrian\?desa=1811012001$"))
