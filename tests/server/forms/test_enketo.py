"""The served XForm through an ODK-compatible engine none of us wrote: Enketo's transformer.

Its browser build (`enketo-transformer/web`, installed by `.ci/run` into
tests/enketo/node_modules) runs in Debian's Chromium with the browser's own XSLT, as
Enketo does; the form must come out of it whole, with its fields, languages and photos.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.factories import enumerator, household, seed
from tests.server.openrosa.collect import Collect

CHROMIUM = "/usr/bin/chromium"
BUNDLE = (Path(__file__).resolve().parents[2] / "enketo" / "node_modules" /
          "enketo-transformer" / "dist" / "enketo-transformer" / "web" / "transformer.js")
ORIGIN = "http://enketo.invalid"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium"),
    pytest.mark.skipif(not BUNDLE.exists(),
                       reason="needs enketo-transformer: npm install --prefix tests/enketo"),
]


def test_enketo_transforms_the_served_form(live_server, engine):
    from playwright.sync_api import sync_playwright

    base = household()
    seed(engine, base)
    _, token = enumerator(engine, "budi", [base["household_id"]])
    collect = Collect(f"{live_server.url}/key/{token}")
    [form] = collect.form_list()
    xform = collect.download(form.download_url).decode("utf-8")

    def serve(route):
        if route.request.url.endswith("/transformer.js"):
            route.fulfill(body=BUNDLE.read_text(encoding="utf-8"),
                          content_type="text/javascript")
        else:
            route.fulfill(body="<!doctype html><title>enketo</title>", content_type="text/html")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.route(f"{ORIGIN}/**", serve)
            page.goto(f"{ORIGIN}/index.html")
            result = page.evaluate("""async (xform) => {
                const { transform } = await import('/transformer.js');
                const out = await transform({ xform });
                return { form: out.form, model: out.model, languages: out.languageMap };
            }""", xform)
        finally:
            browser.close()
    assert errors == []
    html, model = result["form"], result["model"]
    assert html.startswith("<form") and "verifikasi_dtsen" in html
    for name in ("/data/pick", "/data/outcome", "/data/observed/kk_number",
                 "/data/observed/housing/floor", "/data/observed/members/nik",
                 "/data/gps", "/data/house_front", "/data/house_inside", "/data/kk"):
        assert f'name="{name}"' in html, name
    assert html.count('data-max-pixels="1600"') == 3
    languages = html.split('id="form-languages"')[1].split("</select>")[0]
    assert re.findall(r'<option value="([^"]+)"', languages) == ["id", "en"]
    assert "<entity" in model and 'dataset="households"' in model
