"""Who may see which region: the one rule the API, the pages and the use cases share.

A region given to a user is a code prefix (`1811` covers the whole regency). Admins with
no regions see everything; supervisors see their prefixes; enumerators see households
by assignment, never by region.
"""

from __future__ import annotations

from typing import Any


def region_allows(regions: list[str], region_code: str) -> bool:
    """True when `region_code` lies under one of the prefixes in `regions`."""
    return any(region_code.startswith(prefix) for prefix in regions)


def may_see_region(user: dict[str, Any], region_code: str) -> bool:
    if user["role"] == "admin":
        return not user["regions"] or region_allows(user["regions"], region_code)
    if user["role"] == "supervisor":
        return region_allows(user["regions"], region_code)
    return False


def may_manage(admin: dict[str, Any], user: dict[str, Any], work_regions: set[str]) -> bool:
    """Whether `admin` may change `user`'s account (regions, password, token).

    An admin with no regions manages everyone. An admin with regions manages only people
    whose every region lies inside its own: a supervisor or admin by its regions, an
    enumerator by its regions and the villages of its assignments (`work_regions`). A
    user with no region at all is the unrestricted admin, or an enumerator who has no
    work yet (whom any admin may take on); only the former is out of reach.
    """
    if admin["role"] != "admin":
        return False
    if not admin["regions"]:
        return True
    held = list(user["regions"])
    if user["role"] == "enumerator":
        held += sorted(work_regions)
    if not held:
        return user["role"] == "enumerator"
    return all(region_allows(admin["regions"], code) for code in held)
