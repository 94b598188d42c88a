"""When two values at the same place count as the same (docs/protocol.md §2).

Enumerators type names, occupations and addresses by hand: "Buruh  Tani " and
"buruh tani" are one observation, not a discrepancy. Unknown (`null`) and absent are
the same for housing and assets. Programs are a set of (program, since) pairs, so their
order never matters.
"""

from __future__ import annotations

from typing import Any

from server.reconcile.fields import MEMBER_FIELDS, TEXT_FIELDS, member_value, parse_path


def normalize_text(value: str) -> str:
    """Trim, fold case and collapse inner white space."""
    return " ".join(value.split()).casefold()


def normalize_region(value: str) -> str:
    """`18.11.01.2001` and `1811012001` name the same village."""
    return value.replace(".", "").strip()


def program_set(programs: Any) -> frozenset[tuple[str | None, str | None]]:
    """Programs as a set of (program, since); `None` and `[]` both mean none."""
    if not programs:
        return frozenset()
    return frozenset((p.get("program"), _iso(p.get("since"))) for p in programs)


def members_equal(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    """Two member records describe the same facts, field by field."""
    if a is None or b is None:
        return a is b
    for field in _member_keys(a, b):
        if not _scalar_equal(field, member_value(a, field), member_value(b, field)):
            return False
    return True


def values_equal(path: str, a: Any, b: Any) -> bool:
    """Whether `a` and `b` at `path` are the same observation."""
    place = parse_path(path)
    if place.kind == "programs":
        return program_set(a) == program_set(b)
    if place.whole_member:
        return members_equal(a, b)
    return _scalar_equal(place.field, a, b)


def _scalar_equal(field: str | None, a: Any, b: Any) -> bool:
    if a == b:
        return True
    if a is None or b is None:
        return False
    if type(a) is str and type(b) is str:
        if field in TEXT_FIELDS:
            return normalize_text(a) == normalize_text(b)
        if field == "region_code":
            return normalize_region(a) == normalize_region(b)
        return a.strip() == b.strip()
    return _iso(a) == _iso(b)


def _member_keys(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    extra = sorted((a.keys() | b.keys()) - set(MEMBER_FIELDS) - {"member_id"})
    return [*MEMBER_FIELDS, *extra]


def _iso(value: Any) -> Any:
    """Dates may arrive as `date` objects from a caller; compare them as ISO text."""
    isoformat = getattr(value, "isoformat", None)
    return isoformat() if isoformat is not None else value
