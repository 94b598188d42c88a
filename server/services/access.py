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
