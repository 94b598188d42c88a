"""The regions a signed-in supervisor or admin may read, as the pages and their use cases
check them (the one prefix rule itself is `server.services.access.region_allows`)."""

from __future__ import annotations

from typing import Any

from server.services.access import region_allows


def scope(user: dict[str, Any]) -> list[str] | None:
    """The prefixes a user may read; None for an admin with no region (everything)."""
    if user["role"] == "admin" and not user["regions"]:
        return None
    return list(user["regions"])


def may_read(user: dict[str, Any], region_code: str) -> bool:
    prefixes = scope(user)
    return prefixes is None or region_allows(prefixes, region_code)
