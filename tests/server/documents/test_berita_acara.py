"""The berita acara and the SPTJM as PDF: A4, page numbers, the BNBA annex, read back
with poppler's pdftotext (installed by .ci/run)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from server.documents import berita_acara
from server.reconcile import periods
from server.services import musdes
from server.store import audit
from server.store.db import reading
from tests.conftest import auth
from tests.factories import enumerator, household, seed, survey

VILLAGE = "1811012001"


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def page_count(pdf: bytes, tmp_path: Path) -> int:
    path = tmp_path / "count.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True,
                          text=True).stdout
    sizes = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert sizes and (round(float(sizes[1])), round(float(sizes[2]))) == (595, 842)  # A4
    found = re.search(r"Pages:\s+(\d+)", info)
    assert found
    return int(found[1])


@pytest.fixture
def accepted(client, engine, make_user) -> dict[str, Any]:
    """A household whose floor and address were corrected and accepted this period."""
    base = household(f"{VILLAGE}-000001", region=VILLAGE)
    seed(engine, base)
    _, token = enumerator(engine, "ani", [base["household_id"]])
    admin = make_user("root", "admin")

    def change(observed: dict[str, Any]) -> None:
        observed["housing"]["floor"] = "cement"
        observed["address"] = "Dusun III RT 001"

    pushed = client.post("/api/v1/sync/push", headers=auth(token), json={
        "device_id": "d", "surveys": [survey(base, change=change)]}).json
    resolved = [client.post(f"/api/v1/flags/{f['flag_id']}/resolve", json={"action": "accept"},
                            headers=auth(admin)).json
                for f in pushed["results"][0]["flags"]]
    period = periods.period_of(resolved[0]["resolved_at"], 17, VILLAGE)
    return {"base": base, "admin": admin, "period": period}


def test_the_berita_acara_reads_as_a_signed_document(client, accepted, tmp_path) -> None:
    response = client.get(f"/api/v1/periods/{accepted['period']}/villages/{VILLAGE}"
                          "/berita-acara.pdf", headers=auth(accepted["admin"]))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = pdf_text(response.data, tmp_path)
    pages = page_count(response.data, tmp_path)
    sheets = [sheet for sheet in text.split("\f") if sheet.strip()]
    assert len(sheets) == pages
    annex = next(i for i, sheet in enumerate(sheets) if "LAMPIRAN: DAFTAR BNBA" in sheet)
    assert annex > 0 and "Keputusan Musyawarah" not in sheets[annex]  # a page of its own
    flat = " ".join(text.split())
    for words in ("BERITA ACARA MUSYAWARAH DESA", f"Periode {accepted['period']}", VILLAGE,
                  "Jumlah peserta", "Keputusan Musyawarah", "Usulan Perbaikan 1",
                  "Kepala Desa", "Ketua BPD", "Pendamping Sosial (PKH)", "Operator Desa",
                  "LAMPIRAN: DAFTAR BNBA", accepted["base"]["household_id"],
                  accepted["base"]["kk_number"], "Lantai: Tanah → Semen",
                  "Dusun III RT 001",
                  f"Halaman 1 dari {pages}", f"Halaman {pages} dari {pages}"):
        assert words in flat, words
    # the running header on every page
    assert flat.count(f"Periode {accepted['period']}") >= pages


def test_the_sptjm_variant(app, tmp_path) -> None:
    listing = {"period": "2026-11", "village": "1811011001", "state": "open", "musdes": None,
               "households": [{"household_id": "H1", "change": "remove", "rules":
                               ["HOUSEHOLD_NOT_FOUND"], "fields": [
                                   {"path": None, "before": None, "after": "moved"}],
                               "kk_number": "1811010101170003", "address": "RT 1",
                               "head": {"name": "Siti", "nik": "1811014507800002"},
                               "decision": None}]}
    with app.test_request_context():
        pdf = berita_acara.render_pdf(listing, "sptjm")
    flat = " ".join(pdf_text(pdf, tmp_path).split())
    for words in ("SURAT PERNYATAAN TANGGUNG JAWAB MUTLAK (SPTJM)", "Lurah",
                  "Usulan Hapus 1", "Siti", "→ Pindah", "Halaman 1 dari"):
        assert words in flat, words


def test_five_hundred_households_make_a_longer_annex(app, tmp_path) -> None:
    entry = {"change": "update", "rules": ["FIELD_CHANGED"], "kk_number": "1811010101170003",
             "address": "Dusun II", "head": {"name": "Siti", "nik": None}, "decision": None,
             "fields": [{"path": "housing.floor", "before": "earth", "after": "cement"}]}
    listing = {"period": "2026-11", "village": VILLAGE, "state": "open", "musdes": None,
               "households": [{**entry, "household_id": f"H{i:04d}"} for i in range(500)]}
    with app.test_request_context():
        pdf = berita_acara.render_pdf(listing)
    assert page_count(pdf, tmp_path) > 10
    assert "H0499" in pdf_text(pdf, tmp_path)


def test_a_ratified_list_prints_the_same_bytes_every_time(app, client, engine, accepted,
                                                          tmp_path) -> None:
    admin = {"name": "root", "role": "admin", "regions": []}
    blobs = app.extensions["verivali_blobs"]
    record = musdes.MusdesRecord(signed_as="musdes", held_on="2026-11-20", attendees=31,
                                 scan=b"%PDF-1.4 signed", refused=())
    musdes.record_musdes(engine, blobs, admin, accepted["period"], VILLAGE, 17, record)
    url = f"/api/v1/periods/{accepted['period']}/villages/{VILLAGE}/berita-acara.pdf"
    first = client.get(url, headers=auth(accepted["admin"])).data
    second = client.get(url, headers=auth(accepted["admin"])).data
    assert first == second
    flat = " ".join(pdf_text(first, tmp_path).split())
    assert "31 orang" in flat and "2026-11-20" in flat and "Disetujui" in flat
    with reading(engine) as conn:
        trail = audit.for_target(conn, "period_village", f"{accepted['period']}:{VILLAGE}")
    assert [t["action"] for t in trail] == ["period.musdes", "period.document"]
