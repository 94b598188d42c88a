"""Households, members and NIKs in the contract's shape, for the reconciliation tests.

Named apart from other test helpers: `tests/server/reconcile/` has no `__init__.py`, so its
modules are imported by their bare names.
"""

from __future__ import annotations

import copy
import zlib
from datetime import date
from typing import Any

from server.reconcile import RuleContext

AS_OF = date(2026, 11, 20)

def make_nik(birth_date: str, sex: str, area: str = "181101", serial: int = 1) -> str:
    """A NIK as Dukcapil would issue it: area, DDMMYY (day + 40 for women), serial."""
    day = int(birth_date[8:10]) + (40 if sex == "F" else 0)
    return f"{area}{day:02d}{birth_date[5:7]}{birth_date[2:4]}{serial % 10000:04d}"


def member(member_id: str = "m1", **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "member_id": member_id,
        "name": "Siti Aminah",
        "sex": "F",
        "birth_date": "1980-07-05",
        "relationship": "head",
        "marital_status": "widowed",
        "education": "sd",
        "occupation": "buruh tani",
        "disability": "none",
        "status": "alive",
    }
    record.update(fields)
    if "nik" not in fields:
        # The same member always gets the same NIK; two members, two serials.
        serial = zlib.crc32(member_id.encode())
        record["nik"] = make_nik(record["birth_date"], record["sex"], serial=serial)
    return {"member_id": member_id, "nik": record.pop("nik"), **record}


def household(**fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "household_id": "1811012001-000017",
        "kk_number": "1811010101170003",
        "region_code": "1811012001",
        "address": "Dusun II RT 002 RW 001",
        "desil": 1,
        "housing": {"ownership": "own", "floor_area_m2": 36, "floor": "earth", "wall": "bamboo",
                    "roof": "zinc", "water_source": "protected_well", "lighting": "pln_no_meter",
                    "cooking_fuel": "wood", "toilet": "none"},
        "assets": {"motorcycle": 1, "car": 0, "refrigerator": False, "land_m2": 0},
        "programs": [{"program": "PKH", "since": "2023-03-01"}],
        "members": [
            member("m1"),
            member("m2", name="Rudi", sex="M", birth_date="2008-01-15", relationship="child",
                   marital_status="single", education="smp", occupation="pelajar"),
        ],
        "version": 3,
    }
    record.update(fields)
    return copy.deepcopy(record)


def ctx(as_of: date = AS_OF, **fields: Any) -> RuleContext:
    return RuleContext(as_of=as_of, **fields)


def rules_of(drafts: list[Any]) -> list[str]:
    return [d.rule for d in drafts]


def by_path(drafts: list[Any]) -> dict[str | None, Any]:
    return {d.path: d for d in drafts}
