"""The capture form through Flask's test client: pre-fill, validation, saving, correcting."""

from __future__ import annotations

import re
import uuid
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from sync_agent.capture import create_app
from sync_agent.home import initialise
from sync_agent.store import open_store
from tests.factories import OTHER_VILLAGE, VILLAGE
from tests.sync_agent.test_store import pulled, versioned

H1 = f"{VILLAGE}-000001"


class FormFields(HTMLParser):
    """The values a browser would submit for the page's form (first option when none selected)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._first: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "input" and a.get("name") and a.get("type") not in ("checkbox", "submit"):
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "input" and a.get("type") == "checkbox" and "checked" in a:
            self.fields[a["name"]] = a.get("value", "on")
        elif tag == "select":
            self._select, self._first = a["name"], None
        elif tag == "option" and self._select:
            if self._first is None:
                self._first = a.get("value", "")
                self.fields.setdefault(self._select, self._first)
            if "selected" in a:
                self.fields[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self.fields[a["name"]] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data


def form_of(html: str) -> dict[str, str]:
    parser = FormFields()
    parser.feed(html)
    return parser.fields


def errors_of(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-for="([^"]+)">([^<]+)<', html))


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    store = initialise(home, "http://127.0.0.1:9", "vv_x")
    pulled(store, versioned())
    store.close()
    return home


@pytest.fixture
def client(home: Path) -> Any:
    return create_app(home).test_client()


def outbox(home: Path) -> list[dict[str, Any]]:
    store = open_store(home)
    try:
        return store.surveys(("pending", "sent", "rejected", "replaced", "acknowledged"))
    finally:
        store.close()


def test_list_and_prefilled_form(client: Any) -> None:
    index = client.get("/").get_data(as_text=True)
    assert H1 in index and "Siti Aminah" in index and "Belum Diverifikasi" in index
    page = client.get(f"/keluarga/{H1}").get_data(as_text=True)
    fields = form_of(page)
    assert fields["members.0.name"] == "Siti Aminah"
    assert fields["kk_number"] == "1811010101170003"
    assert fields["housing.floor"] == "earth" and fields["outcome"] == "found"
    assert fields["programs.PKH"] == "on" and fields["programs.PKH.since"] == "2023-03-01"
    assert "Tinggal Bersama" in page and "Meninggal" in page and "Menolak" in page


def test_errors_show_next_to_the_field_and_nothing_is_saved(client: Any, home: Path) -> None:
    fields = form_of(client.get(f"/keluarga/{H1}").get_data(as_text=True))
    fields.update({"members.0.nik": "12345", "desil": "sebelas", "action": "save"})
    response = client.post(f"/keluarga/{H1}", data=fields)
    assert response.status_code == 422
    errors = errors_of(response.get_data(as_text=True))
    assert errors["members.0.nik"] == "NIK harus tepat 16 angka."
    assert errors["desil"] == "Desil: harus berupa bilangan bulat."
    assert outbox(home) == []


def test_a_new_members_empty_fields_are_named_in_plain_words(client: Any, home: Path) -> None:
    """Not "Harus salah satu dari: M, F." nor a date format for an empty date."""
    fields = form_of(client.get(f"/keluarga/{H1}").get_data(as_text=True))
    page = client.post(f"/keluarga/{H1}", data={**fields, "action": "add_member"})
    fields = form_of(page.get_data(as_text=True))
    fields.update({"members.2.name": "Bayi Aminah", "action": "save"})
    response = client.post(f"/keluarga/{H1}", data=fields)
    assert response.status_code == 422
    errors = errors_of(response.get_data(as_text=True))
    assert errors["members.2.sex"] == "Jenis Kelamin wajib dipilih."
    assert errors["members.2.birth_date"] == "Tanggal Lahir wajib diisi."
    assert errors["members.2.relationship"] == "Hubungan dengan Kepala Keluarga wajib dipilih."
    assert outbox(home) == []


def test_add_a_member_mark_one_deceased_and_save(client: Any, home: Path) -> None:
    fields = form_of(client.get(f"/keluarga/{H1}").get_data(as_text=True))
    fields["members.0.status"] = "deceased"
    page = client.post(f"/keluarga/{H1}", data={**fields, "action": "add_member"})
    fields = form_of(page.get_data(as_text=True))
    assert fields["members_count"] == "3" and fields["members.2.is_new"] == "1"
    assert fields["members.0.status"] == "deceased"  # kept across the re-render
    fields.update({"members.2.name": "Bayi Aminah", "members.2.sex": "F",
                   "members.2.birth_date": "2026-10-01", "members.2.relationship": "grandchild",
                   "action": "save"})
    response = client.post(f"/keluarga/{H1}", data=fields)
    assert response.status_code == 302 and "saved=" in response.headers["Location"]
    (row,) = outbox(home)
    members = row["body"]["observed"]["members"]
    assert [m["status"] for m in members] == ["deceased", "alive", "alive"]
    assert members[2]["nik"] is None and uuid.UUID(members[2]["member_id"])
    assert row["body"]["base_version"] == 1


def test_an_outcome_other_than_found_stores_no_household(client: Any, home: Path) -> None:
    fields = form_of(client.get(f"/keluarga/{H1}").get_data(as_text=True))
    fields.update({"outcome": "refused", "notes": "pintu ditutup", "action": "save"})
    assert client.post(f"/keluarga/{H1}", data=fields).status_code == 302
    (row,) = outbox(home)
    assert row["body"]["observed"] is None and row["body"]["notes"] == "pintu ditutup"


def test_new_household_proposal(client: Any, home: Path) -> None:
    fields = form_of(client.get("/usulan-baru").get_data(as_text=True))
    assert fields["household_id"].startswith("NEW-") and fields["region_code"] == VILLAGE
    fields.update({"kk_number": "1811010101990001", "members.0.name": "Wati",
                   "members.0.sex": "F", "members.0.birth_date": "1990-02-03",
                   "members.0.nik": "1811014302900001", "action": "save",
                   "region_code": OTHER_VILLAGE})
    outside = client.post("/usulan-baru", data=fields)
    assert outside.status_code == 422
    assert "region_code" in errors_of(outside.get_data(as_text=True))
    fields["region_code"] = VILLAGE
    assert client.post("/usulan-baru", data=fields).status_code == 302
    (row,) = outbox(home)
    assert row["household_id"] == fields["household_id"] and row["base_version"] is None


def test_a_rejected_survey_is_shown_corrected_and_replaced(client: Any, home: Path) -> None:
    fields = form_of(client.get(f"/keluarga/{H1}").get_data(as_text=True))
    assert client.post(f"/keluarga/{H1}", data={**fields, "action": "save"}).status_code == 302
    (first,) = outbox(home)
    store = open_store(home)
    with store.write():
        store.apply_result({"survey_id": first["survey_id"], "status": "rejected", "state": None,
                            "flags": [], "errors": {"observed.members.1.name": ["Nama salah."]}},
                           via="push")
    store.close()
    index = client.get("/").get_data(as_text=True)
    assert "Ditolak Server" in index and "Nama salah." in index
    page = client.get(f"/perbaiki/{first['survey_id']}").get_data(as_text=True)
    assert errors_of(page)["members.1.name"] == "Nama salah."
    fields = form_of(page)
    fields.update({"members.1.name": "Rudi Hartono", "action": "save"})
    assert client.post(f"/perbaiki/{first['survey_id']}", data=fields).status_code == 302
    rows = {r["survey_id"]: r for r in outbox(home)}
    old = rows.pop(first["survey_id"])
    (new,) = rows.values()
    assert old["state"] == "replaced" and old["replaced_by"] == new["survey_id"]
    assert new["body"]["parent_survey_id"] is None and new["state"] == "pending"
    assert new["body"]["observed"]["members"][1]["name"] == "Rudi Hartono"


def test_posts_need_the_form_token_and_a_local_origin(client: Any, home: Path) -> None:
    fields = form_of(client.get(f"/keluarga/{H1}").get_data(as_text=True))
    assert client.post(f"/keluarga/{H1}", data={**fields, "csrf_token": "x"}).status_code == 400
    assert client.post(f"/keluarga/{H1}", data=fields,
                       headers={"Origin": "http://evil.example"}).status_code == 403
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 403
    assert outbox(home) == []


def test_the_form_needs_nothing_from_the_internet(client: Any) -> None:
    for path in ("/", f"/keluarga/{H1}", "/usulan-baru"):
        html = client.get(path).get_data(as_text=True)
        assert not re.search(r'(src|href)="(https?:)?//', html), path
    assert client.get("/static/style.css").status_code == 200


def test_the_supervisors_revisit_note_heads_the_form(client: Any, home: Path) -> None:
    store = open_store(home)
    try:
        with store.write():
            store.apply_pull_page([{"seq": 9, "kind": "flag", "flag": {
                "flag_id": "f-1", "household_id": H1, "survey_id": "s-1", "rule": "FIELD_CHANGED",
                "severity": "warning", "path": "housing.floor", "status": "revisit",
                "message": "Data lapangan berbeda", "resolution_note": "Mohon cek ulang lantai"}}], 1)
    finally:
        store.close()
    page = client.get(f"/keluarga/{H1}").get_data(as_text=True)
    assert 'id="revisit-note"' in page and "Mohon cek ulang lantai" in page
    assert page.index("Mohon cek ulang lantai") < page.index('enctype="multipart/form-data"')


def test_the_list_reads_village_names_and_local_times(client: Any) -> None:
    index = client.get("/").get_data(as_text=True)
    households = index.split('class="households"', 1)[1]
    assert f"<td>{VILLAGE}</td>" not in households  # a name, not the bare code
    assert re.search(r"<td>[A-Z][a-z]+", households.split("Kepala Keluarga", 1)[1])


def test_sync_now_runs_the_sync_and_says_how_it_went(client: Any, home: Path) -> None:
    """No server at the address: the button answers in Indonesian, and the visit stays."""
    client.application.config["SYNC_WAIT_SECONDS"] = 60.0  # a loaded machine: still one answer
    index = client.get("/").get_data(as_text=True)
    token = form_of(index)["csrf_token"]
    response = client.post("/sinkronkan", data={"csrf_token": token}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert 'id="sync-result"' in page and "Tidak tersambung ke server" in page
    assert "gagal: Tidak tersambung" in page  # the last sync, in words too
    assert client.post("/sinkronkan", data={"csrf_token": "x"}).status_code == 400


def test_an_unknown_household_gets_a_styled_page_with_a_way_back(client: Any) -> None:
    response = client.get("/keluarga/tidak-ada")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert 'id="not-found"' in page and "Kembali ke Daftar Keluarga" in page
    assert "Keluarga tidak ada di salinan lokal." in page
    assert "Not Found" not in page
    assert "Not Found" not in client.get("/tidak-ada").get_data(as_text=True)


def test_flags_text_shows_the_revisit_note() -> None:
    from sync_agent.report import flags_text

    text = flags_text([{"household_id": H1, "rule": "FIELD_CHANGED", "severity": "warning",
                        "status": "revisit", "path": "housing.floor", "message": "Beda",
                        "resolution_note": "Mohon cek ulang lantai"},
                       {"household_id": H1, "rule": "NIK_INVALID", "severity": "error",
                        "status": "open", "path": None, "message": "NIK"}])
    assert "revisit requested: Mohon cek ulang lantai" in text
    assert text.count("revisit requested") == 1


def test_the_sync_button_names_findings_in_indonesian() -> None:
    from sync_agent.capture.views import _report_words

    words = _report_words("pushed 3 (acknowledged 3, rejected 0); pulled 2 household(s), "
                          "1 assignment(s) and 4 finding(s)")
    assert words == "3 kunjungan terkirim (0 ditolak), 2 keluarga diperbarui, 4 temuan diterima."


def test_a_slow_sync_shows_its_progress_page_until_it_ends(tmp_path: Path) -> None:
    """A server that takes the connection and never answers: the button sends the page to
    the progress view (reloading itself); once the link dies the list shows the result."""
    import socket
    import time

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # the kernel completes the handshake; nobody ever answers
    home = tmp_path / "slow"
    store = initialise(home, f"http://127.0.0.1:{silent.getsockname()[1]}", "vv_x")
    pulled(store, versioned())
    store.close()
    app = create_app(home)
    app.config["SYNC_WAIT_SECONDS"] = 0.5
    client = app.test_client()
    try:
        token = form_of(client.get("/").get_data(as_text=True))["csrf_token"]
        response = client.post("/sinkronkan", data={"csrf_token": token})
        assert response.status_code == 302 and response.headers["Location"].endswith("/sinkronkan")
        page = client.get("/sinkronkan").get_data(as_text=True)
        assert 'id="sync-progress"' in page and 'http-equiv="refresh"' in page
        assert "Menyambung ke server" in page or "Mengirim kunjungan" in page
        # Pressing again while it runs joins the same sync rather than starting another.
        again = client.post("/sinkronkan", data={"csrf_token": token})
        assert again.headers["Location"].endswith("/sinkronkan")
    finally:
        silent.close()  # the waiting connections are reset: the sync ends offline
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        page = client.get("/sinkronkan", follow_redirects=True).get_data(as_text=True)
        if 'id="sync-progress"' not in page:
            break
        time.sleep(0.2)
    assert 'id="sync-result"' in page and "data aman di laptop" in page.lower()
    # The result is shown once; the progress address then leads to the plain list.
    later = client.get("/sinkronkan", follow_redirects=True).get_data(as_text=True)
    assert 'id="sync-result"' not in later and 'id="sync-progress"' not in later


def test_progress_lines_read_in_indonesian() -> None:
    from sync_agent.capture.views import progress_words

    assert progress_words("") == "Menyambung ke server…"
    assert progress_words("pull: 3 household(s), 0 assignment(s), 1 finding(s) · 12 KB sent, "
                          "40 KB received, 2 retries") == (
        "Menerima pembaruan keluarga… 12 KB terkirim, 40 KB diterima, 2 kali diulang")
    assert progress_words("photos: 2/6, 50% · 300 KB sent, 1 KB received, 0 retries") == (
        "Mengunggah foto 2 dari 6 (50%)… 300 KB terkirim, 1 KB diterima")
