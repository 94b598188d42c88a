"""Ekspor: accepted corrections as CSV, the registry as JSON lines, streamed and audited."""

from __future__ import annotations

import csv
import io
import json

from server.store.db import reading
from server.store.tables import audit_log
from server.web.exports import csv_cell
from tests.server.web import seed


def _accept_all(client, world):
    seed.post(client, f"/kunjungan/{world['visit']['survey_id']}/terima-semua", {})


def test_corrections_csv_has_one_row_per_changed_place(client, world):
    seed.signin(client, "sari")
    _accept_all(client, world)
    response = client.get("/ekspor/koreksi.csv?wilayah=181101")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    places = {(r["member_id"], r["field"]): r for r in rows}
    assert set(places) >= {("", "address"), ("", "housing.floor"), ("m1", "occupation")}
    occupation = places[("m1", "occupation")]
    assert occupation["old_value"] == "buruh tani" and occupation["new_value"] == "petani"
    assert occupation["household_id"] == world["a1"]["household_id"]
    assert occupation["decided_by"] == "sari"
    assert occupation["decided_at"].endswith("+07:00")
    assert list(rows[0].keys())[:7] == ["household_id", "member_id", "field", "old_value",
                                        "new_value", "decided_by", "decided_at"]


def test_corrections_outside_the_period_are_left_out(client, world):
    seed.signin(client, "sari")
    _accept_all(client, world)
    response = client.get("/ekspor/koreksi.csv?wilayah=181101&dari=2020-01-01&sampai=2020-01-31")
    assert response.get_data(as_text=True).strip().count("\n") == 0  # header only


def test_bad_period_is_explained(client, world):
    seed.signin(client, "sari")
    response = client.get("/ekspor/koreksi.csv?wilayah=181101&dari=30-11-2026")
    assert response.status_code == 422
    assert "TTTT-BB-HH" in response.get_data(as_text=True)
    response = client.get("/ekspor/koreksi.csv?wilayah=181101&dari=2026-11-30&sampai=2026-11-01")
    assert "tidak boleh sebelum" in response.get_data(as_text=True)


def test_registry_jsonl_streams_the_region_with_versions(client, engine, world):
    seed.signin(client, "sari")
    response = client.get("/ekspor/dtsen.jsonl?wilayah=181101")
    assert response.status_code == 200 and response.is_streamed
    lines = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert [h["household_id"] for h in lines] == [world["a1"]["household_id"],
                                                  world["a2"]["household_id"]]
    assert all(h["version"] == 1 and h["members"] for h in lines)
    with reading(engine) as conn:
        actions = [r.action for r in conn.execute(audit_log.select())]
    assert "export.registry" in actions


def test_exports_are_confined_to_the_users_regions(client, world):
    seed.signin(client, "sari")
    assert client.get("/ekspor/dtsen.jsonl?wilayah=181102").status_code == 403
    assert client.get("/ekspor/dtsen.jsonl?wilayah=1811").status_code == 403
    assert client.get("/ekspor/koreksi.csv?wilayah=1811022001").status_code == 403
    assert client.get("/ekspor").status_code == 200


def test_csv_cells_never_run_as_formulas() -> None:
    assert csv_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert csv_cell("@SUM") == "'@SUM"
    assert csv_cell("-3") == "-3"
    assert csv_cell("-x") == "'-x"
    assert csv_cell(None) == "" and csv_cell(True) == "true"
    assert csv_cell([{"program": "PKH"}]) == '[{"program": "PKH"}]'
