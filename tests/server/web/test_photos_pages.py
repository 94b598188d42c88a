"""Photos on the household page and the dashboard: thumbnails, full size, who may see them."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest

from server.services.ingest.single import ingest_survey
from server.services.uploads import append_chunk
from server.store.db import transaction
from tests.factories import jpeg, photo_entry, survey
from tests.server.web import seed


@pytest.fixture
def photographed(app, engine, world):
    """A visit to A2 naming two photos, of which only the house front has arrived."""
    front, card = jpeg(1200, 900, seed=1), jpeg(800, 600, seed=2)
    item = survey(world["a2"])
    item["photos"] = [photo_entry(front, "house_front"), photo_entry(card, "kk")]
    with transaction(engine) as conn:
        assert ingest_survey(conn, world["budi"], "dev-1", item)["status"] == "accepted"
    blobs = app.extensions["verivali_blobs"]
    front_id = item["photos"][0]["photo_id"]
    assert append_chunk(engine, blobs, world["budi"], front_id, 0, front, None).complete
    return {"front": front, "front_id": front_id, "card_id": item["photos"][1]["photo_id"],
            "blobs": blobs}


def test_household_page_shows_thumbnails_and_missing_photos(client, world, photographed):
    seed.signin(client, "sari")
    page = client.get(f"/keluarga/{world['a2']['household_id']}").get_data(as_text=True)
    thumbs = re.findall(r'<img src="/foto/([0-9a-f]{64})/kecil" alt="([^"]+)"', page)
    assert thumbs == [(photographed["front_id"], "Foto Rumah Tampak Depan")]
    assert f'href="/foto/{photographed["front_id"]}"' in page
    assert "Foto Kartu Keluarga (KK): Foto belum diterima" in page
    assert photographed["card_id"] not in page  # nothing links to bytes that are not here


def test_thumbnail_is_made_once_and_full_size_is_the_photo(client, world, photographed):
    seed.signin(client, "sari")
    small = client.get(f"/foto/{photographed['front_id']}/kecil")
    assert small.status_code == 200 and small.mimetype == "image/jpeg"
    assert small.headers["Cache-Control"].startswith("private")
    assert len(small.data) < len(photographed["front"])
    cached = list((photographed["blobs"].root / "thumbs").rglob("*.jpg"))
    assert [p.stem for p in cached] == [photographed["front_id"]]
    made_at = cached[0].stat().st_mtime_ns
    assert client.get(f"/foto/{photographed['front_id']}/kecil").data == small.data
    assert cached[0].stat().st_mtime_ns == made_at  # served from the cache, not made again
    full = client.get(f"/foto/{photographed['front_id']}")
    assert full.status_code == 200 and full.data == photographed["front"]
    assert full.headers["Cache-Control"].startswith("private")
    assert client.get(f"/foto/{photographed['card_id']}/kecil").status_code == 404


def test_photos_follow_the_household_regions(client, world, photographed):
    seed.signin(client, "tono")  # the other district
    assert client.get(f"/foto/{photographed['front_id']}").status_code == 403
    assert client.get(f"/foto/{photographed['front_id']}/kecil").status_code == 403
    client.get("/keluar")
    fresh = client.application.test_client()
    assert fresh.get(f"/foto/{photographed['front_id']}").status_code == 302  # sign in first


def test_dashboard_counts_visits_with_missing_photos_per_village(client, world, photographed):
    seed.signin(client, "sari")
    page = client.get("/dasbor?wilayah=181101").get_data(as_text=True)
    row = re.search(rf'<tr data-village="{seed.VILLAGE_A}">(.*?)</tr>', page, re.S)
    assert row is not None
    assert re.search(r'<td class="num photos-missing">1</td>', row.group(1))
    assert "Foto belum diterima" in page


def test_photo_list_export_names_ids_and_kinds_per_visit(client, world, photographed):
    seed.signin(client, "sari")
    response = client.get("/ekspor/foto.jsonl?wilayah=181101")
    assert response.status_code == 200 and response.mimetype == "application/x-ndjson"
    lines = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    (visit,) = lines
    assert visit["household_id"] == world["a2"]["household_id"]
    assert [(p["photo_id"], p["kind"], p["received"]) for p in visit["photos"]] == [
        (photographed["front_id"], "house_front", True), (photographed["card_id"], "kk", False)]
    assert client.get("/ekspor/foto.jsonl?wilayah=181102").status_code == 403
    client.get("/keluar")
    seed.signin(client, "tono")
    assert client.get("/ekspor/foto.jsonl?wilayah=181101").status_code == 403
    assert client.get("/ekspor/foto.jsonl?wilayah=181102").get_data(as_text=True) == ""


def test_admin_exports_a_villages_photos_as_zip(client, world, photographed):
    seed.signin(client, "sari")
    assert client.get(f"/ekspor/foto.zip?wilayah={seed.VILLAGE_A}").status_code == 403
    client.get("/keluar")
    seed.signin(client, "ani")
    kecamatan = client.get("/ekspor/foto.zip?wilayah=181101")  # a village only
    assert kecamatan.status_code == 422
    assert "foto diekspor per desa/kelurahan" in kecamatan.get_data(as_text=True)
    response = client.get(f"/ekspor/foto.zip?wilayah={seed.VILLAGE_A}")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert archive.testzip() is None
    names = archive.namelist()
    assert names[0] == "foto.jsonl"
    (photo,) = [n for n in names if n.endswith(".jpg")]
    assert photo.startswith(world["a2"]["household_id"] + "/") and photo.endswith("-house_front.jpg")
    assert archive.read(photo) == photographed["front"]
