"""Web fixtures: a small world of two districts, their supervisors and an enumerator."""

from __future__ import annotations

from typing import Any

import pytest

from tests.server.web import seed


@pytest.fixture
def world(engine) -> dict[str, Any]:
    """Supervisor `sari` (181101), supervisor `tono` (181102), admin `ani`, enumerator `budi`;
    households in both districts; one visit to A1 that changed three places."""
    people = {
        "sari": seed.make_web_user(engine, "sari", "supervisor", ["181101"]),
        "tono": seed.make_web_user(engine, "tono", "supervisor", ["181102"]),
        "ani": seed.make_web_user(engine, "ani", "admin"),
        "budi": seed.make_web_user(engine, "budi", "enumerator"),
    }
    a1 = seed.make_household(engine, 1, seed.VILLAGE_A)
    a2 = seed.make_household(engine, 2, seed.VILLAGE_A)
    b1 = seed.make_household(engine, 1, seed.VILLAGE_B)
    seed.assign(engine, people["budi"], [a1["household_id"], a2["household_id"], b1["household_id"]])
    visit = seed.push(engine, people["budi"], a1, seed.change_many)
    seed.push(engine, people["budi"], b1, seed.change_occupation("nelayan"))
    return {**people, "a1": a1, "a2": a2, "b1": b1, "visit": visit}
