"""A field visit through the real form in headless Chromium, then pushed to a real server."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import free_port
from tests.sync_agent.conftest import (
    HOUSEHOLDS,
    Field,
    photo_bytes,
    server_survey_ids,
    spawn_agent,
    status,
)

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--headless"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def capture_url(field: Field) -> Iterator[str]:
    assert field.agent("pull").returncode == 0
    port = free_port()
    process = spawn_agent(field.home, "capture", "--port", str(port))
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        try:
            # The first page loads the region names: allow it a few seconds on a busy machine.
            if requests.get(url + "/", timeout=10).status_code == 200:
                break
        except requests.RequestException:
            pass
        assert time.monotonic() < deadline, "capture form did not start"
        time.sleep(0.1)
    yield url
    process.terminate()
    process.communicate(timeout=20)


def test_fill_and_save_one_visit(field: Field, engine, capture_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_page()
            page.goto(capture_url + "/")
            page.get_by_role("row").filter(has_text=HOUSEHOLDS[0]).get_by_role(
                "link", name="Kunjungi").click()
            assert page.input_value('[name="members.0.name"]') == "Siti Aminah"

            # A typo first: the error appears next to the field, in Bahasa Indonesia.
            page.fill('[name="members.0.nik"]', "18110145078")
            page.click('button[value="save"]')
            error = page.locator('[data-for="members.0.nik"]')
            assert error.inner_text() == "NIK harus tepat 16 angka."

            page.fill('[name="members.0.nik"]', "1811014507800002")
            page.fill('[name="members.0.occupation"]', "petani sawit")
            page.select_option('[name="members.1.status"]', "moved_out")
            page.click('button[value="add_member"]')
            page.fill('[name="members.2.name"]', "Putri")
            page.select_option('[name="members.2.sex"]', "F")
            page.fill('[name="members.2.birth_date"]', "2026-09-01")
            page.select_option('[name="members.2.relationship"]', "grandchild")
            page.select_option('[name="housing.floor"]', "cement")
            page.fill('[name="notes"]', "Lantai sudah disemen")
            page.click('button[value="save"]')
            page.wait_for_selector("#saved")
            assert page.inner_text("#count-pending") == "1"
            page.screenshot(path=str(tmp_path / "after-save.png"))
        finally:
            browser.close()

    assert status(field.home)["pending"] == 1
    assert field.agent("push").returncode == 0
    (survey_id,) = server_survey_ids(engine)
    store = field.store()
    row = store.survey(survey_id)
    store.close()
    observed = row["body"]["observed"]
    assert observed["members"][0]["occupation"] == "petani sawit"
    assert [m["status"] for m in observed["members"]] == ["alive", "moved_out", "alive"]
    assert observed["housing"]["floor"] == "cement"
    assert row["result_state"] == "flagged"


def test_add_and_remove_photos_before_saving(field: Field, capture_url: str,
                                             tmp_path: Path) -> None:
    from PIL import Image
    from playwright.sync_api import sync_playwright

    shots = {}
    for name, size in (("wide", (2400, 1200)), ("tall", (900, 1800)), ("card", (1000, 640))):
        shots[name] = tmp_path / f"{name}.jpg"
        Image.new("RGB", size, (120, 90, 60)).save(shots[name], "JPEG", quality=90)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_page()
            page.goto(f"{capture_url}/keluarga/{HOUSEHOLDS[0]}")
            camera = page.locator('input[name="photo.house_front"][capture="environment"]')
            assert camera.get_attribute("accept") == "image/*"
            chooser = page.locator('input[name="photo.house_front"]:not([capture])')
            chooser.set_input_files([str(shots["wide"]), str(shots["tall"])])
            previews = page.locator("#previews-house_front-file .photo-preview img")
            previews.first.wait_for()
            assert previews.count() == 2
            page.locator("#previews-house_front-file .remove-photo").first.click()  # not "wide"
            assert previews.count() == 1
            page.locator('input[name="photo.kk"]:not([capture])').set_input_files(
                str(shots["card"]))
            page.locator("#previews-kk-file .photo-preview img").wait_for()
            page.click('button[value="save"]')
            page.wait_for_selector("#saved")
        finally:
            browser.close()

    store = field.store()
    try:
        (row,) = store.surveys(("pending",))
    finally:
        store.close()
    photos = row["body"]["photos"]
    assert [p["kind"] for p in photos] == ["house_front", "kk"]
    kept = {p.stem: p for p in (field.home / "photos").glob("*.jpg")}
    assert set(kept) == {p["photo_id"] for p in photos}
    with Image.open(photo_bytes(field.home, photos[0]["photo_id"])) as front:
        assert front.size == (800, 1600)  # the tall one, shrunk: the wide one was removed
    assert status(field.home)["photos_waiting"] == 2


@pytest.mark.parametrize("size", [(1366, 768), (400, 800)])
def test_sync_now_from_the_form_and_no_sideways_scroll(
        field: Field, engine, capture_url: str, size: tuple[int, int]) -> None:
    """Record a visit from the CLI, press 'Sinkronkan Sekarang': it reaches the server."""
    from playwright.sync_api import sync_playwright

    assert field.agent("record", "--household", HOUSEHOLDS[1], "--outcome",
                       "refused").returncode == 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": size[0], "height": size[1]})
            page.goto(capture_url + "/")
            assert page.inner_text("#count-pending") == "1"
            page.click("#sync-now")
            page.wait_for_selector("#sync-result")
            assert "Sinkronisasi berhasil: 1 kunjungan terkirim" in page.inner_text("#sync-result")
            assert page.inner_text("#count-pending") == "0"
            assert "WIB" in page.inner_text("#last-sync")
            for path in ("/", f"/keluarga/{HOUSEHOLDS[0]}", "/usulan-baru", "/tidak-ada"):
                page.goto(capture_url + path)
                wide = page.evaluate("document.documentElement.scrollWidth - innerWidth")
                assert wide <= 0, (path, wide)
        finally:
            browser.close()
    assert len(server_survey_ids(engine)) == 1
