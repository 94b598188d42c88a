"""The queue's default page, read from the kept counts, lists the households, order and
total the grouping of the flags gives, before and after a supervisor's decisions."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from server.store.db import reading
from server.store.pages import queue as queries
from tests.server.web import seed

SCOPE = ["181101"]  # sari's


def _shown(page: str) -> tuple[list[str], int]:
    rows = re.findall(r'data-household="([^"]+)"', page)
    total = re.search(r'id="queue-shown">\d+–\d+ dari (\d+) keluarga', page)
    assert total is not None
    return list(dict.fromkeys(rows)), int(total.group(1))


def _grouped(engine: Engine, offset: int = 0) -> tuple[list[str], int]:
    with reading(engine) as conn:
        rows, total = queries.grouped_households_page(conn, SCOPE, queries.QueueFilter(),
                                                      offset=offset, limit=50)
    return [r["household_id"] for r in rows], total


def test_default_page_equals_the_grouping_through_decisions(client: Any, engine: Engine,
                                                            world: dict[str, Any]) -> None:
    old = datetime.now(UTC) - timedelta(days=90)
    seed.bulk_flags(engine, 60, seed.VILLAGE_A2, rule="GRADUATION_DUE", severity="info",
                    start=old, household_prefix="catatan")
    seed.bulk_flags(engine, 3, seed.VILLAGE_A, severity="error", household_prefix="berat")
    seed.bulk_flags(engine, 4, seed.VILLAGE_B, severity="error", household_prefix="luar")
    seed.signin(client, "sari")
    before = _shown(client.get("/antrian").get_data(as_text=True))
    assert before == _grouped(engine)
    assert before[1] == 60 + 3 + 1  # notes, errors and the visited family A1
    first = client.get("/antrian").get_data(as_text=True)
    found = re.search(r'href="([^"]+)" rel="next"', first)
    assert found is not None
    second = client.get(found.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert _shown(second) == _grouped(engine, offset=50)

    for flag in world["visit"]["flags"]:
        seed.post(client, f"/temuan/{flag['flag_id']}/putuskan",
                  {"action": "accept", "note": "Sesuai kunjungan"})
    after = _shown(client.get("/antrian").get_data(as_text=True))
    assert after == _grouped(engine)
    assert world["a1"]["household_id"] not in after[0] and after[1] == before[1] - 1
