"""The musdes pages' forms: what they refuse, with the reason by the field, and nothing kept."""

from __future__ import annotations

import io
import subprocess
from datetime import UTC, datetime

from sqlalchemy import select

from server.reconcile import periods
from server.store import audit
from server.store.db import reading
from server.store.tables import period_villages
from tests.server.web import seed


def _period() -> str:
    return periods.period_of(datetime.now(UTC), 17, seed.VILLAGE_A)


def _accept_all(client, world) -> None:
    seed.post(client, f"/kunjungan/{world['visit']['survey_id']}/terima-semua", {})


def _record(client, scan: bytes, **fields: str):
    url = f"/musdes/{_period()}/desa/{seed.VILLAGE_A}/catat"
    data = {"signed_as": "musdes", "held_on": datetime.now(UTC).date().isoformat(),
            "attendees": "12", **fields, "scan": (io.BytesIO(scan), "scan.bin")}
    return seed.post(client, url, data, content_type="multipart/form-data")


def _frozen(engine) -> int:
    with reading(engine) as conn:
        return len(conn.execute(select(period_villages)).all())


def test_the_list_page_and_its_csv(client, engine, world) -> None:
    seed.signin(client, "sari")
    _accept_all(client, world)
    page = client.get(f"/musdes/{_period()}/desa/{seed.VILLAGE_A}").get_data(as_text=True)
    assert "Siap musdes" in page and "Lantai: Tanah → Semen" in page
    sheet = client.get(f"/musdes/{_period()}/desa/{seed.VILLAGE_A}/usulan.csv")
    assert sheet.mimetype == "text/csv"
    text = sheet.get_data(as_text=True)
    assert text.splitlines()[0].startswith("household_id,kk_number,head_name")
    assert "Usulan Perbaikan" in text and "Semen" in text
    with reading(engine) as conn:
        taken = audit.for_target(conn, "region", seed.VILLAGE_A)
    assert [(t["actor"], t["action"]) for t in taken] == [("sari", "export.usulan")]


def test_a_file_that_is_no_scan_is_refused(client, engine, world) -> None:
    seed.signin(client, "sari")
    _accept_all(client, world)
    answer = _record(client, b"MZ\x90\x00 not a document")
    assert answer.status_code == 422
    assert "Berkas harus PDF, JPEG atau PNG." in answer.get_data(as_text=True)
    assert _frozen(engine) == 0


def test_a_refusal_off_the_list_is_refused(client, engine, world) -> None:
    seed.signin(client, "sari")
    _accept_all(client, world)
    answer = _record(client, b"%PDF-1.4 scan", refused=world["a2"]["household_id"])
    assert answer.status_code == 422
    assert "tidak ada dalam daftar usulan" in answer.get_data(as_text=True)
    assert _frozen(engine) == 0


def test_a_ratified_list_cannot_be_recorded_again(client, engine, world) -> None:
    seed.signin(client, "sari")
    _accept_all(client, world)
    assert _record(client, b"%PDF-1.4 scan").status_code == 302
    again = _record(client, b"%PDF-1.4 another scan", attendees="40")
    assert again.status_code == 422
    assert "sudah disahkan" in again.get_data(as_text=True)
    assert _frozen(engine) == 1


def test_a_village_outside_the_regions_is_forbidden(client, engine, world) -> None:
    seed.signin(client, "tono")
    assert _record(client, b"%PDF-1.4 scan").status_code == 403
    assert _frozen(engine) == 0


def test_approval_names_the_villages_still_waiting(client, world) -> None:
    seed.signin(client, "ani")
    _accept_all(client, world)
    answer = seed.post(client, f"/musdes/{_period()}/kabupaten/1811/setujui", {})
    assert answer.status_code == 409
    assert f"{seed.VILLAGE_A}: belum disahkan musdes atau SPTJM" in answer.get_data(as_text=True)


def test_the_cover_for_the_bupati_counts_per_district_and_village(client, world,
                                                                   tmp_path) -> None:
    seed.signin(client, "sari")
    _accept_all(client, world)
    assert _record(client, b"%PDF-1.4 scan",
                   refused=world["a1"]["household_id"]).status_code == 302
    seed.signin(client, "ani")
    assert client.get(f"/musdes/{_period()}/kabupaten/1811/sampul.pdf").status_code == 404
    assert seed.post(client, f"/musdes/{_period()}/kabupaten/1811/setujui",
                     {}).status_code == 302
    pdf = client.get(f"/musdes/{_period()}/kabupaten/1811/sampul.pdf")
    assert pdf.mimetype == "application/pdf"
    (tmp_path / "rekap.pdf").write_bytes(pdf.data)
    text = " ".join(subprocess.run(["pdftotext", str(tmp_path / "rekap.pdf"), "-"],
                                   capture_output=True, text=True, check=True).stdout.split())
    for words in ("REKAPITULASI USULAN PERUBAHAN DATA DTSEN", f"Periode {_period()}",
                  "(181101)", f"({seed.VILLAGE_A})", "Kepala Dinas Sosial",
                  "0 perubahan keluarga dikirim"):
        assert words in text, words


def test_the_dashboard_reminds_of_the_cutoff(client, world) -> None:
    seed.signin(client, "sari")
    page = client.get("/dasbor?wilayah=181101").get_data(as_text=True)
    assert "Batas akhir usulan bulanan (cut-off)" in page
    assert f"/musdes/{_period()}/kabupaten/1811" in page
