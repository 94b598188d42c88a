"""A registry-wide scan must stay cheap: 100,000 households in a few seconds."""

from __future__ import annotations

import random
import time

from reconcile_builders import ctx, make_nik

from server.reconcile import scan_household

HOUSEHOLDS = 20_000
CPU_SECONDS_BUDGET = 3.0  # about 0.4 s on a laptop; 100,000 take five times as long


def registry(count: int) -> list[dict]:
    rng = random.Random(7)
    result = []
    for number in range(count):
        members = []
        for index in range(rng.choice((3, 4, 4, 5, 5, 6))):
            sex = rng.choice("MF")
            birth = f"{rng.randrange(1940, 2024)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
            members.append({
                "member_id": f"m{index + 1}", "nik": make_nik(birth, sex, serial=rng.randrange(9999)),
                "name": "Nama", "sex": sex, "birth_date": birth,
                "relationship": "head" if index == 0 else "child", "marital_status": "married",
                "education": "sd", "occupation": "petani", "disability": "none", "status": "alive",
            })
        result.append({
            "household_id": f"1811012001-{number:06d}", "kk_number": "1811010101170003",
            "region_code": "1811012001", "address": "Dusun I", "desil": rng.randrange(1, 11),
            "housing": {}, "assets": {}, "members": members, "version": 1,
            "programs": [{"program": "PKH", "since": "2019-03-01"}] if rng.random() < 0.5 else [],
        })
    return result


def test_scan_cost_per_household() -> None:
    households = registry(HOUSEHOLDS)
    index: dict[str, list[tuple[str, str]]] = {}
    context = ctx(nik_holders=lambda nik: index.get(nik, []), known_village=lambda code: True)
    started = time.process_time()
    found = sum(len(scan_household(h, context)) for h in households)
    spent = time.process_time() - started
    assert found > 0
    assert spent < CPU_SECONDS_BUDGET, f"{spent:.2f} s CPU for {HOUSEHOLDS} households"
