"""The admin's QR code for Collect: read back by a QR decoder, it sets up a working phone."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import zxingcpp

from server.forms.settings_qr import decode
from tests.server.web import seed


class _Gray:
    """A grayscale image for the decoder, without an imaging library."""

    def __init__(self, pixels: bytes, size: int):
        self.__array_interface__ = {"shape": (size, size), "typestr": "|u1", "data": pixels,
                                    "version": 3}


def read_qr(svg: str, zoom: int = 4) -> str:
    """Rasterise segno's SVG path (horizontal runs of dark modules) and decode it."""
    width = int(re.search(r'width="(\d+)"', svg).group(1))
    scale = int(re.search(r"scale\((\d+)\)", svg).group(1))
    size = width // scale
    grid = [[255] * size for _ in range(size)]
    x = y = 0.0
    for command, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?:\s+(-?[\d.]+))?",
                                    re.search(r' d="([^"]+)"', svg).group(1)):
        if command == "M":
            x, y = float(a), float(b)
        elif command == "m":
            x, y = x + float(a), y + float(b)
        else:
            for i in range(int(float(a))):
                grid[int(y)][int(x) + i] = 0
            x += float(a)
    pixels = bytes(v for row in grid for _ in range(zoom) for v in row for _ in range(zoom))
    [found] = zxingcpp.read_barcodes(_Gray(pixels, size * zoom))
    return found.text


def _settings(page: str) -> dict[str, Any]:
    svg = re.search(r'<div class="qr">(.*?)</div>', page, re.S).group(1)
    return decode(read_qr(svg))


def test_a_new_enumerator_gets_a_qr_code_that_configures_collect(client, world):
    seed.signin(client, "ani")
    response = seed.post(client, "/admin/pengguna/baru",
                         {"name": "dewi", "role": "enumerator", "regions": "18.11.01"})
    page = response.get_data(as_text=True)
    token = re.search(r'id="api-token">([^<]+)<', page).group(1)
    settings = _settings(page)["general"]
    assert settings["server_url"].endswith(f"/key/{token}")
    assert settings["form_update_mode"] == "match_exactly"
    assert settings["autosend"] == "wifi_and_cellular" and settings["automatic_update"] is True
    phone = client.application.test_client()
    listed = phone.get(urlsplit(settings["server_url"]).path + "/formList",
                       headers={"X-OpenRosa-Version": "1.0"})
    assert listed.status_code == 200 and b"verifikasi_dtsen" in listed.data
    # Revoking the token cuts the phone off; a new token comes with a new code.
    assert seed.post(client, "/admin/pengguna/dewi/cabut-token").status_code == 302
    assert phone.get(urlsplit(settings["server_url"]).path + "/formList").status_code == 403
    rotated = seed.post(client, "/admin/pengguna/dewi/token-baru").get_data(as_text=True)
    assert _settings(rotated)["general"]["server_url"] != settings["server_url"]


def test_supervisors_get_no_phone_code(client, world):
    seed.signin(client, "ani")
    response = seed.post(client, "/admin/pengguna/baru",
                         {"name": "wati", "role": "supervisor", "regions": "18.11.01"})
    assert 'class="qr"' not in response.get_data(as_text=True)


def test_from_the_qr_code_to_a_flag_in_the_supervisors_queue(client, engine, world):
    import io
    import uuid

    from server.services import phones
    from tests.server.openrosa.collect import submission_xml

    seed.signin(client, "ani")
    page = seed.post(client, "/admin/pengguna/baru", {
        "name": "dewi", "role": "enumerator", "regions": "18.11.01"}).get_data(as_text=True)
    key_path = urlsplit(_settings(page)["general"]["server_url"]).path
    a2 = world["a2"]
    seed.assign(engine, {"user_id": _user_id(engine, "dewi")}, [a2["household_id"]])

    def occupation(observed):
        observed["members"][0]["occupation"] = "nelayan"

    xml = submission_xml(a2, str(uuid.uuid4()), phones.current_form().version,
                         change=occupation, base_version=1)
    phone = client.application.test_client()
    sent = phone.post(key_path + "/submission", headers={"X-OpenRosa-Version": "1.0"},
                      data={"xml_submission_file": (io.BytesIO(xml), "s.xml", "text/xml")})
    assert sent.status_code == 201
    supervisor = client.application.test_client()
    seed.signin(supervisor, "sari")
    queue = supervisor.get("/antrian").get_data(as_text=True)
    assert a2["household_id"] in queue


def _user_id(engine, name: str) -> int:
    from server.store import users as user_store
    from server.store.db import reading

    with reading(engine) as conn:
        return user_store.by_name(conn, name)["user_id"]
