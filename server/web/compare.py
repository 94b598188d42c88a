"""The household page's two columns: registry and field observation, place by place.

Differences come from the reconciliation's own `diff_households`, so the page marks
exactly the places the rules compare. A field the enumerator left blank (`null`) is
"not observed", not a difference, as the merge treats it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from server.reconcile.diff import diff_households, get_at, members_by_id
from server.reconcile.fields import ASSET_FIELDS, HOUSING_FIELDS, MEMBER_FIELDS, parse_path
from server.reconcile.normalize import values_equal
from server.web import labels, regions

TOP_ROWS = ("kk_number", "region_code", "address", "desil", "programs")


@dataclass
class Row:
    path: str
    label: str
    registry: str
    observed: str
    differs: bool = False
    unobserved: bool = False
    flags: list[str] = field(default_factory=list)


@dataclass
class Section:
    title: str
    rows: list[Row]
    state: str = ""  # "", "added", "removed"
    flags: list[str] = field(default_factory=list)


def _show(path: str, value: Any) -> str:
    if path == "region_code" and value:
        return f"{regions.name(value)} ({value})"
    return labels.show_at(path, value)


def _changed_paths(registry: dict[str, Any] | None, observed: dict[str, Any] | None) -> set[str]:
    if registry is None or observed is None:
        return set()
    changed = set()
    for diff in diff_households(registry, observed):
        place = parse_path(diff.path)
        if diff.after is None and not place.whole_member:
            continue  # left blank in the field: not observed
        changed.add(diff.path)
    return changed


def side_by_side(
    registry: dict[str, Any] | None,
    observed: dict[str, Any] | None,
    open_flags: list[dict[str, Any]],
) -> list[Section]:
    """Sections of rows: household, housing, assets, then each member (registry order)."""
    changed = _changed_paths(registry, observed)
    by_path: dict[str, list[str]] = {}
    for flag in open_flags:
        by_path.setdefault(flag.get("path") or "", []).append(flag["flag_id"])

    def row(path: str) -> Row:
        before = get_at(registry, path) if registry is not None else None
        after = get_at(observed, path) if observed is not None else None
        return Row(
            path=path,
            label=labels.label(labels.FIELD_LABELS, labels.field_name(path)),
            registry=_show(path, before) if registry is not None else _("(belum ada di DTSEN)"),
            observed=_show(path, after) if after is not None else (
                _("tidak diamati") if observed is not None else "—"),
            differs=path in changed,
            unobserved=observed is not None and after is None,
            flags=by_path.get(path, []),
        )

    sections = [
        Section(_("Keluarga"), [row(p) for p in TOP_ROWS]),
        Section(_("Perumahan"), [row(f"housing.{f}") for f in HOUSING_FIELDS]),
        Section(_("Aset"), [row(f"assets.{f}") for f in ASSET_FIELDS]),
    ]
    sections.extend(_member_sections(registry, observed, changed, by_path, row))
    return sections


def _member_sections(
    registry: dict[str, Any] | None,
    observed: dict[str, Any] | None,
    changed: set[str],
    by_path: dict[str, list[str]],
    row: Callable[[str], Row],
) -> list[Section]:
    held = members_by_id((registry or {}).get("members"))
    seen = members_by_id((observed or {}).get("members"))
    order = list(held) + [m for m in seen if m not in held]
    sections: list[Section] = []
    for member_id in order:
        member = seen.get(member_id) or held.get(member_id) or {}
        whole = f"members[{member_id}]"
        state = ""
        if observed is not None and registry is not None:
            if member_id not in held:
                state = "added"
            elif member_id not in seen:
                state = "removed"
        rows = [row(f"{whole}.{f}") for f in MEMBER_FIELDS]
        if whole in changed:
            for item in rows:
                item.differs = True
        title = _("Anggota: %(name)s (%(relationship)s)", name=member.get("name") or "—",
                  relationship=labels.label(labels.VALUE_LABELS["relationship"],
                                            member.get("relationship")))
        sections.append(Section(title, rows, state, by_path.get(whole, [])))
    return sections


@dataclass
class Observation:
    who: str
    when: str | None
    value: str
    source: str  # "registry", "survey", "other"
    region_code: str | None = None
    survey_id: str | None = None


@dataclass
class Place:
    path: str
    label: str
    observations: list[Observation]
    disagree: bool


def _registry_since(history: list[dict[str, Any]], path: str) -> dict[str, Any] | None:
    """The oldest version of the latest unbroken run holding today's value at `path`."""
    if not history:
        return None
    current = get_at(history[-1]["household"], path)
    since = history[-1]
    for version in reversed(history):
        if not values_equal(path, get_at(version["household"], path), current):
            break
        since = version
    return since


def observations(
    open_flags: list[dict[str, Any]],
    registry: dict[str, Any] | None,
    history: list[dict[str, Any]],
    surveys: list[dict[str, Any]],
    region_code: str | None,
    names: dict[str, str] | None = None,
) -> list[Place]:
    """Who saw what and when, for every place an open observation flag is about.

    Listed where the observations disagree among themselves: two surveys apart, or a
    CONFLICT flag (the registry moved since the enumerator's base version).
    """
    places = []
    done: set[str] = set()
    found = [s for s in surveys if s["outcome"] == "found" and s["state"] != "superseded"]
    for flag in open_flags:
        path = flag.get("path")
        if not path or path in done or flag["rule"] not in ("FIELD_CHANGED", "MEMBER_ADDED",
                                                            "MEMBER_REMOVED", "CONFLICT"):
            continue
        done.add(path)
        entries = []
        if registry is not None:
            since = _registry_since(history, path)
            who = _("DTSEN versi %(v)s", v=since["version"]) if since else _("DTSEN")
            if since and since.get("actor"):
                who += f" · {since['actor']}"
            entries.append(Observation(who, since["at"] if since else None,
                                       _show(path, get_at(registry, path)), "registry",
                                       region_code))
        for survey in found:
            value = get_at((survey["body"] or {}).get("observed"), path)
            if value is None:
                continue
            entries.append(Observation(survey["enumerator_name"], survey["completed_at"],
                                       _show(path, value), "survey", region_code,
                                       survey["survey_id"]))
        if flag["rule"] == "CONFLICT" and flag.get("other_value") is not None:
            entries.append(Observation(_("Nilai pembanding konflik"), flag["created_at"],
                                       _show(path, flag["other_value"]), "other", region_code))
        field_values = {e.value for e in entries if e.source != "registry"}
        disagree = flag["rule"] == "CONFLICT" or len(field_values) > 1
        if disagree:
            places.append(Place(path, labels.place_label(path, names), entries, True))
    return places
