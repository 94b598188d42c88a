"""The places of a household that can differ, and the path grammar that names them.

Paths are the contract's (docs/protocol.md §2, Flag): `address`, `housing.floor`,
`programs`, `members[<member_id>]`, `members[<member_id>].<field>`. Parsing is cached
because the same few hundred paths recur across a whole registry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from schemas.shape import (
    ASSET_FIELDS,
    HOUSING_FIELDS,
    MEMBER_DEFAULTS,
    MEMBER_FIELDS,
    TOP_FIELDS,
)

__all__ = [
    "ASSET_FIELDS", "GONE_STATUSES", "HOUSING_FIELDS", "MEMBER_DEFAULTS", "MEMBER_FIELDS",
    "SECTIONS", "TEXT_FIELDS", "TOP_FIELDS", "PathError", "Place", "member_path",
    "member_value", "parse_path",
]

# Field lists come from `schemas.shape`; differences and flags come out in their order.
SECTIONS = {"housing": HOUSING_FIELDS, "assets": ASSET_FIELDS}

# Free text is compared after trim, casefold and inner-whitespace collapse.
TEXT_FIELDS = frozenset({"name", "occupation", "address"})

# Member statuses that take a person out of the household's living members.
GONE_STATUSES = frozenset({"deceased", "moved_out"})

_MEMBER_PATH = re.compile(r"members\[([^\]]+)\](?:\.([a-z_0-9]+))?")
_SECTION_PATH = re.compile(r"(housing|assets)\.([a-z_0-9]+)")
_TOP_PATH = re.compile(r"[a-z_]+")


class PathError(ValueError):
    """A path outside the grammar, or one naming a member the household lacks."""


@dataclass(frozen=True, slots=True)
class Place:
    """A parsed path. `kind` is `top`, `section`, `programs` or `member`."""

    kind: str
    section: str | None = None
    member_id: str | None = None
    field: str | None = None

    @property
    def whole_member(self) -> bool:
        return self.kind == "member" and self.field is None


@lru_cache(maxsize=4096)
def parse_path(path: str) -> Place:
    if path == "programs":
        return Place("programs", field="programs")
    match = _MEMBER_PATH.fullmatch(path)
    if match:
        return Place("member", member_id=match.group(1), field=match.group(2))
    match = _SECTION_PATH.fullmatch(path)
    if match:
        return Place("section", section=match.group(1), field=match.group(2))
    if _TOP_PATH.fullmatch(path) and path not in {"members", "housing", "assets"}:
        return Place("top", field=path)
    raise PathError(f"unknown path: {path!r}")


def member_value(member: dict[str, Any], field: str) -> Any:
    """A member's field, with the contract's default where it is absent."""
    return member.get(field, MEMBER_DEFAULTS.get(field))


def member_path(member_id: str, field: str | None = None) -> str:
    return f"members[{member_id}]" if field is None else f"members[{member_id}].{field}"
