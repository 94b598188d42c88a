"""Writing households in the import formats `verivali-server import-registry` reads.

JSONL: one Household a line, without `version`.
Member CSV, one member a row, columns in this order (`CSV_COLUMNS`):
household_id, kk_number, region_code, address, desil, housing.ownership,
housing.floor_area_m2, housing.floor, housing.wall, housing.roof, housing.water_source,
housing.lighting, housing.cooking_fuel, housing.toilet, assets.motorcycle, assets.car,
assets.refrigerator, assets.land_m2, programs, member_id, nik, name, sex, birth_date,
relationship, marital_status, education, occupation, disability, status.
Null is an empty cell, booleans are `true`/`false`, programs `PKH:2019-03-01;BPNT:2020-01-15`.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from os import PathLike

from schemas.shape import ASSET_FIELDS, HOUSING_FIELDS, MEMBER_FIELDS

CSV_COLUMNS: tuple[str, ...] = (
    ("household_id", "kk_number", "region_code", "address", "desil")
    + tuple(f"housing.{f}" for f in HOUSING_FIELDS)
    + tuple(f"assets.{f}" for f in ASSET_FIELDS)
    + ("programs", "member_id")
    + MEMBER_FIELDS
)


def write_jsonl(households: Iterable[dict], path: str | PathLike[str]) -> int:
    """One household a line, as `verivali-server import-registry` reads; returns the count."""
    written = 0
    with open(path, "w", encoding="utf-8") as out:
        for household in households:
            out.write(json.dumps(household, ensure_ascii=False, separators=(",", ":")))
            out.write("\n")
            written += 1
    return written


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def household_csv_rows(household: dict) -> Iterator[list[str]]:
    """The household as CSV rows in `CSV_COLUMNS` order, one per member."""
    housing, assets = household.get("housing") or {}, household.get("assets") or {}
    shared = [household["household_id"], household["kk_number"], household["region_code"],
              _cell(household.get("address")), _cell(household.get("desil"))]
    shared += [_cell(housing.get(field)) for field in HOUSING_FIELDS]
    shared += [_cell(assets.get(field)) for field in ASSET_FIELDS]
    shared.append(";".join(f"{p['program']}:{p['since']}" for p in household["programs"]))
    for member in household["members"]:
        yield shared + [member["member_id"]] + [_cell(member.get(f)) for f in MEMBER_FIELDS]


def write_member_csv(households: Iterable[dict], path: str | PathLike[str]) -> int:
    """The contract's CSV form (header `CSV_COLUMNS`); returns the household count."""
    written = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for household in households:
            writer.writerows(household_csv_rows(household))
            written += 1
    return written
