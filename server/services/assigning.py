"""Handing households to an enumerator from the command line (`verivali-server assign`).

By region prefix or by id, in one transaction: an unknown enumerator or household id
changes nothing. Laptops learn of each new assignment through the pull feed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from server.store import assignments as assignment_store
from server.store import households as household_store
from server.store import users as user_store
from server.store.db import transaction

UserError = user_store.UserError


@dataclass
class Assigned:
    created: int  # assignments newly opened
    matched: int  # households the regions and ids named


def assign(
    engine: Engine, enumerator: str, regions: list[str], household_ids: list[str]
) -> Assigned:
    """Open an assignment for each named household the enumerator does not hold yet.

    `regions` are undotted prefixes. Raises UserError for an unknown enumerator or ids.
    """
    with transaction(engine) as conn:
        user = user_store.by_name(conn, enumerator)
        if user is None or user["role"] != "enumerator":
            raise UserError(f"no enumerator named {enumerator!r}")
        ids = assignment_store.households_in_regions(conn, regions)
        known = set(ids)
        missing = []
        for household_id in household_ids:
            if household_store.region_of(conn, household_id) is None:
                missing.append(household_id)
            elif household_id not in known:
                ids.append(household_id)
                known.add(household_id)
        if missing:
            raise UserError(f"unknown household id(s): {', '.join(missing)}")
        created = assignment_store.assign_households(conn, user["user_id"], ids)
    return Assigned(created=created, matched=len(ids))
