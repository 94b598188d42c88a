"""Every page of a seeded regency in words: no enumeration code and no UUID in what people read.

Walks the supervisor's and the admin's pages (queue in both views, every household with
a finding, the dashboard, exports, users, assignments) after visits that raise every
kind of observation: changed places, a new member (its id a UUID), a member who moved
away, a household not found, and the registry rules.
"""

from __future__ import annotations

import re
import uuid
from html.parser import HTMLParser
from typing import Any

from schemas import enums
from server.services.scan import scan_registry
from tests.server.web import seed

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# Names of real things, not codes: the programs are called so.
ALLOWED = {"PKH", "BPNT", "BLT", "admin"}
CODES = sorted({code for name in dir(enums) if name.isupper()
                for code in getattr(enums, name) if isinstance(code, str)
                and len(code) >= 4 and code not in ALLOWED})
CODE = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, CODES)) + r")(?![\w-])")


class Visible(HTMLParser):
    """The text a reader sees: no tags, attributes, scripts or styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "title"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "title"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = Visible()
    parser.feed(html)
    return " ".join(parser.parts)


def _new_member(observed: dict[str, Any]) -> None:
    observed["members"].append({
        "member_id": str(uuid.uuid4()), "nik": None, "name": "Bayi Baru", "sex": "F",
        "birth_date": "2026-10-01", "relationship": "grandchild", "disability": "none",
        "status": "alive"})
    observed["members"][1]["status"] = "moved_out"


def _regency(engine: Any, world: dict[str, Any]) -> list[str]:
    a3 = seed.make_household(engine, 3, seed.VILLAGE_A, desil=9)
    a4 = seed.make_household(engine, 4, seed.VILLAGE_A)
    seed.assign(engine, world["budi"], [a3["household_id"], a4["household_id"]])
    seed.push(engine, world["budi"], world["a2"], _new_member)
    seed.push(engine, world["budi"], a4, outcome="not_found")
    scan_registry(engine)
    return [world[k]["household_id"] for k in ("a1", "a2")] + [a3["household_id"],
                                                                a4["household_id"]]


def _pages(client: Any, paths: list[str]) -> dict[str, str]:
    found = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        found[path] = visible_text(response.get_data(as_text=True))
    return found


def test_no_code_or_uuid_on_any_page(client, engine, world) -> None:
    households = _regency(engine, world)
    seed.signin(client, "sari")
    flag = world["visit"]["flags"][0]
    seed.post(client, f"/temuan/{flag['flag_id']}/putuskan",
              {"action": "reject", "note": "Sudah dicek"})
    paths = ["/antrian", "/antrian?tampilan=temuan", "/antrian?status=revisit",
             "/dasbor", "/dasbor?wilayah=181101", "/dasbor?wilayah=1811012001", "/ekspor",
             *(f"/keluarga/{h}" for h in households)]
    texts = _pages(client, paths)
    seed.post(client, "/keluar")
    seed.signin(client, "ani")
    texts.update(_pages(client, ["/admin/pengguna", "/admin/pengguna/sari",
                                 "/admin/pengguna/budi", "/admin/penugasan"]))
    # The pages did show what the visits raised, in words.
    assert "Bayi Baru" in texts[f"/keluarga/{households[1]}"]
    assert "Tidak Ditemukan" in texts[f"/keluarga/{households[3]}"]
    assert "Desil di atas Batas Program" in texts["/dasbor?wilayah=181101"]
    found = {path: sorted(set(CODE.findall(text)) | set(UUID.findall(text)))
             for path, text in texts.items()}
    assert {path: codes for path, codes in found.items() if codes} == {}


def test_the_check_itself_sees_codes() -> None:
    """The patterns catch what the pages once showed."""
    shown = visible_text("<td>not_found</td><td>PBI_JK</td><td>moved_out</td>"
                         f"<td>Anggota Keluarga {uuid.uuid4()}</td><td>FIELD_CHANGED</td>")
    assert set(CODE.findall(shown)) == {"not_found", "PBI_JK", "moved_out", "FIELD_CHANGED"}
    assert UUID.findall(shown)
    assert not CODE.findall(visible_text('<a href="/x?aturan=FIELD_CHANGED">Tidak Ditemukan</a>'))
