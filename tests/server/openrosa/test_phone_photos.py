"""A phone's photos are its survey's photos, over the real server and real HTTP.

Collect sends; a supervisor then sees the thumbnails on the household page, the photo
through `GET /api/v1/photos/<id>`, the counts on the dashboard, the photo list and the
village zip; a split submission is pending until its last part; a resend keeps nothing
twice; a bad image is refused whole.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import uuid
import zipfile

import pytest
import requests
from PIL import Image

from server.settings import blob_folder
from server.store import photos as photo_store
from server.store import surveys as survey_store
from server.store import users as user_store
from server.store.blobs import BlobStore
from server.store.db import reading, transaction
from tests.conftest import auth
from tests.factories import OTHER_VILLAGE, VILLAGE, enumerator, household, jpeg, noisy_jpeg, seed
from tests.server.openrosa.collect import Collect, submission_xml
from tests.server.web.seed import _TOKEN, PASSWORD, make_web_user

pytestmark = pytest.mark.slow

NAMES = {"house_front": "front.jpg", "house_inside": "inside.jpg", "kk": "kk.jpg"}


@pytest.fixture
def phone(live_server, engine):
    base = household()
    seed(engine, base)
    enumerator(engine, "budi", [base["household_id"]])
    make_web_user(engine, "sari", "supervisor", [VILLAGE[:6]])
    make_web_user(engine, "tono", "supervisor", [OTHER_VILLAGE[:6]])
    make_web_user(engine, "ani", "admin")
    with transaction(engine) as conn:
        token = user_store.rotate_token(conn, "budi")
        api = {name: user_store.rotate_token(conn, name) for name in ("sari", "tono")}
    collect = Collect(f"{live_server.url}/key/{token}")
    [form] = collect.form_list()
    return collect, form.version, base, api


def web(live_server, name: str) -> requests.Session:
    """A browser-like session signed in through the sign-in form."""
    session = requests.Session()
    page = session.get(f"{live_server.url}/masuk")
    found = _TOKEN.search(page.text)
    assert found
    answer = session.post(f"{live_server.url}/masuk", data={
        "username": name, "password": PASSWORD, "csrf_token": found.group(1)})
    assert answer.ok
    return session


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def part(collect: Collect, xml: bytes, files: dict[str, bytes], incomplete: bool = False,
         content_type: str = "image/jpeg") -> requests.Response:
    """One POST as Collect sends a part of a split submission."""
    return collect.request("POST", collect.server_url + "/submission", files=[
        ("xml_submission_file", ("submission.xml", xml, "text/xml")),
        *[(name, (name, data, content_type)) for name, data in files.items()]],
        data={"*isIncomplete*": "yes"} if incomplete else {})


def pending(live_server, api, household_id: str) -> int:
    view = requests.get(f"{live_server.url}/api/v1/households/{household_id}",
                        headers=auth(api["sari"]), timeout=10).json()
    return int(view["verification"]["photos_pending"])


def test_phone_photos_are_the_surveys_and_show_as_thumbnails(phone, live_server, engine):
    collect, version, base, api = phone
    photos = {"front.jpg": jpeg(1200, 900, seed=1), "kk.jpg": jpeg(800, 600, seed=2)}
    instance = str(uuid.uuid4())
    xml = submission_xml(base, instance, version, base_version=1,
                         photos={"house_front": "front.jpg", "kk": "kk.jpg"})
    assert [a.status_code for a in collect.send(xml, photos)] == [201]
    stored = requests.get(f"{live_server.url}/api/v1/surveys/{instance}",
                          headers=auth(api["sari"]), timeout=10).json()
    assert [(p["photo_id"], p["kind"], p["bytes"], p["content_type"], p["received"])
            for p in stored["photos"]] == [
        (sha(photos["front.jpg"]), "house_front", len(photos["front.jpg"]), "image/jpeg", True),
        (sha(photos["kk.jpg"]), "kk", len(photos["kk.jpg"]), "image/jpeg", True)]
    assert pending(live_server, api, base["household_id"]) == 0

    page = web(live_server, "sari").get(f"{live_server.url}/keluarga/{base['household_id']}")
    thumbs = re.findall(r'<img src="/foto/([0-9a-f]{64})/kecil"', page.text)
    assert thumbs == [sha(photos["front.jpg"]), sha(photos["kk.jpg"])]
    small = web(live_server, "sari").get(f"{live_server.url}/foto/{thumbs[0]}/kecil")
    assert small.status_code == 200 and small.headers["Content-Type"] == "image/jpeg"
    whole = requests.get(f"{live_server.url}/api/v1/photos/{thumbs[1]}",
                         headers=auth(api["sari"]), timeout=10)
    assert whole.status_code == 200 and whole.content == photos["kk.jpg"]

    # another district's supervisor sees none of it
    other = requests.get(f"{live_server.url}/api/v1/photos/{thumbs[1]}",
                         headers=auth(api["tono"]), timeout=10)
    assert other.status_code == 403 and photos["kk.jpg"] not in other.content
    assert web(live_server, "tono").get(f"{live_server.url}/foto/{thumbs[0]}").status_code == 403


def test_a_split_submission_is_pending_until_its_last_part(phone, live_server, engine):
    collect, version, base, api = phone
    front, inside, card = noisy_jpeg(2200, 1), noisy_jpeg(2200, 2), jpeg(seed=3)
    assert len(front) + len(inside) > collect.accepted_length()  # Collect must split
    instance = str(uuid.uuid4())
    xml = submission_xml(base, instance, version, base_version=1, photos=NAMES)

    first = part(collect, xml, {"front.jpg": front}, incomplete=True)
    assert first.status_code == 201, first.text
    assert pending(live_server, api, base["household_id"]) == 2
    awaited = requests.get(f"{live_server.url}/api/v1/surveys/{instance}",
                           headers=auth(api["sari"]), timeout=10).json()
    assert [p["kind"] for p in awaited["photos"]] == ["house_front"]
    page = web(live_server, "sari").get(f"{live_server.url}/keluarga/{base['household_id']}")
    assert re.findall(r'<img src="/foto/([0-9a-f]{64})/kecil"', page.text) == [sha(front)]
    assert "Foto Bagian Dalam Rumah: Foto belum diterima" in page.text
    assert "Foto Kartu Keluarga (KK): Foto belum diterima" in page.text
    board = web(live_server, "sari").get(f"{live_server.url}/dasbor?wilayah={VILLAGE[:6]}")
    row = re.search(rf'<tr data-village="{VILLAGE}">(.*?)</tr>', board.text, re.S)
    assert row and re.search(r'<td class="num photos-missing">1</td>', row.group(1))

    assert part(collect, xml, {"inside.jpg": inside, "kk.jpg": card}).status_code == 201
    assert pending(live_server, api, base["household_id"]) == 0
    done = requests.get(f"{live_server.url}/api/v1/surveys/{instance}",
                        headers=auth(api["sari"]), timeout=10).json()
    assert [(p["photo_id"], p["kind"], p["received"]) for p in done["photos"]] == [
        (sha(front), "house_front", True), (sha(inside), "house_inside", True),
        (sha(card), "kk", True)]
    board = web(live_server, "sari").get(f"{live_server.url}/dasbor?wilayah={VILLAGE[:6]}")
    row = re.search(rf'<tr data-village="{VILLAGE}">(.*?)</tr>', board.text, re.S)
    assert row and re.search(r'<td class="num photos-missing">0</td>', row.group(1))

    # Collect lost the answers and sends everything again: nothing is kept twice
    with reading(engine) as conn:
        before = photo_store.rows_of_survey(conn, instance), survey_store.get(conn, instance)
    assert [a.status_code for a in collect.send(xml, {"front.jpg": front, "inside.jpg": inside,
                                                      "kk.jpg": card})] == [201, 201]
    with reading(engine) as conn:
        after = photo_store.rows_of_survey(conn, instance), survey_store.get(conn, instance)
    assert after == before and len(after[0]) == 3
    blobs = BlobStore(blob_folder(live_server.blob_dir, live_server.database_url))
    kept = sorted(p.name for p in blobs.root.rglob("*") if p.is_file()
                  and re.fullmatch(r"[0-9a-f]{64}", p.name))
    assert kept == sorted({sha(front), sha(inside), sha(card)})


def test_exports_carry_phone_photos(phone, live_server, engine):
    collect, version, base, api = phone
    front = jpeg(640, 480, seed=5)
    instance = str(uuid.uuid4())
    xml = submission_xml(base, instance, version, base_version=1,
                         photos={"house_front": "front.jpg", "kk": "kk.jpg"})
    assert part(collect, xml, {"front.jpg": front}, incomplete=True).status_code == 201

    listed = web(live_server, "sari").get(f"{live_server.url}/ekspor/foto.jsonl?wilayah={VILLAGE[:6]}")
    (visit,) = [json.loads(line) for line in listed.text.splitlines()]
    assert visit["survey_id"] == instance
    assert [(p["photo_id"], p["kind"], p["received"]) for p in visit["photos"]] == [
        (sha(front), "house_front", True), (None, "kk", False)]

    archive = web(live_server, "ani").get(f"{live_server.url}/ekspor/foto.zip?wilayah={VILLAGE}")
    assert archive.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    assert names == ["foto.jsonl", f"{base['household_id']}/{instance}-1-house_front.jpg"]
    assert zipfile.ZipFile(io.BytesIO(archive.content)).read(names[1]) == front


def test_a_png_is_kept_as_a_jpeg(phone, live_server, engine):
    collect, version, base, api = phone
    out = io.BytesIO()
    Image.new("RGBA", (320, 200), (200, 30, 30, 128)).save(out, "PNG")
    instance = str(uuid.uuid4())
    xml = submission_xml(base, instance, version, base_version=1, photos={"kk": "kk.png"})
    assert part(collect, xml, {"kk.png": out.getvalue()}, content_type="image/png"
                ).status_code == 201
    with reading(engine) as conn:
        [photo] = survey_store.get(conn, instance)["body"]["photos"]
    served = requests.get(f"{live_server.url}/api/v1/photos/{photo['photo_id']}",
                          headers=auth(api["sari"]), timeout=10)
    assert served.status_code == 200 and served.content[:2] == b"\xff\xd8"
    assert sha(served.content) == photo["photo_id"] and photo["content_type"] == "image/jpeg"
    assert Image.open(io.BytesIO(served.content)).size == (320, 200)


@pytest.mark.parametrize(("data", "words"), [
    (jpeg(seed=7)[:-300], "terpotong atau rusak"),
    (b"\xff\xd8" + b"a" * 1000, "JPEG"),
    (b"\x89PNG\r\n\x1a\n" + b"b" * 200, "PNG"),
])
def test_a_bad_image_is_refused_and_nothing_kept(phone, live_server, engine, data, words):
    collect, version, base, _ = phone
    instance = str(uuid.uuid4())
    xml = submission_xml(base, instance, version, base_version=1,
                         photos={"house_front": "front.jpg", "kk": "kk.jpg"})
    answer = part(collect, xml, {"front.jpg": jpeg(seed=8), "kk.jpg": data})
    assert answer.status_code == 400 and "kk.jpg" in answer.text and words in answer.text
    assert answer.headers["Content-Type"].startswith("text/xml")
    with reading(engine) as conn:
        assert survey_store.get(conn, instance) is None
    blobs = BlobStore(blob_folder(live_server.blob_dir, live_server.database_url))
    assert not blobs.has(sha(jpeg(seed=8)))


def test_a_bad_image_in_a_later_part_keeps_the_first_part(phone, live_server, engine):
    collect, version, base, api = phone
    instance = str(uuid.uuid4())
    xml = submission_xml(base, instance, version, base_version=1,
                         photos={"house_front": "front.jpg", "kk": "kk.jpg"})
    assert part(collect, xml, {"front.jpg": jpeg(seed=9)}, incomplete=True).status_code == 201
    assert part(collect, xml, {"kk.jpg": b"not a photo"}).status_code == 400
    assert pending(live_server, api, base["household_id"]) == 1
    assert part(collect, xml, {"kk.jpg": jpeg(seed=10)}).status_code == 201
    assert pending(live_server, api, base["household_id"]) == 0
