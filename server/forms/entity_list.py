"""The phone's copy of its households: `households.csv` (the entity list) and `members.csv`.

Pure: households (with `version` and `revisit_note`) in, CSV text out. Column names are
those the form reads (`server.forms.xform`): `name` = household_id, `label`, `__version`,
then one column per household field (`housing_floor` for `housing.floor`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from schemas.shape import ASSET_FIELDS, HOUSING_FIELDS, MEMBER_FIELDS, TOP_FIELDS
from server.forms.xform import entity_property

HOUSEHOLD_COLUMNS = (
    "name", "label", "__version", *TOP_FIELDS, "programs",
    *(entity_property("housing", n) for n in HOUSING_FIELDS),
    *(entity_property("assets", n) for n in ASSET_FIELDS), "revisit_note",
)
MEMBER_COLUMNS = ("household_id", "idx", "member_id", *MEMBER_FIELDS)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def household_label(household: dict[str, Any]) -> str:
    """What the phone shows in its list: the head's name, the address, the id."""
    head = next((m["name"] for m in household["members"] if m.get("relationship") == "head"),
                household["members"][0]["name"] if household["members"] else "")
    address = household.get("address") or ""
    return " — ".join(p for p in (head, address, household["household_id"]) if p)


def household_row(household: dict[str, Any]) -> list[str]:
    housing = household.get("housing") or {}
    assets = household.get("assets") or {}
    programs = " ".join(f"{p['program']}:{p['since']}" for p in household.get("programs") or ())
    return [household["household_id"], household_label(household), str(household["version"]),
            *(_cell(household.get(n)) for n in TOP_FIELDS), programs,
            *(_cell(housing.get(n)) for n in HOUSING_FIELDS),
            *(_cell(assets.get(n)) for n in ASSET_FIELDS),
            household.get("revisit_note") or ""]


def _csv(header: Iterable[str], rows: Iterable[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def households_csv(households: list[dict[str, Any]]) -> str:
    return _csv(HOUSEHOLD_COLUMNS, (household_row(h) for h in households))


def members_csv(households: list[dict[str, Any]]) -> str:
    rows = ([h["household_id"], str(i), m["member_id"], *(_cell(m.get(n)) for n in MEMBER_FIELDS)]
            for h in households for i, m in enumerate(h["members"], start=1))
    return _csv(MEMBER_COLUMNS, rows)
