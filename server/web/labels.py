"""What people read instead of code words, and how values are shown on the pages.

Codes stay in the data and the URLs; the words are `schemas.labels`, shared with the
capture form, and go through the translation catalogue, so the English pages say the
same things.
"""

from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from schemas import labels as words
from server.reconcile.fields import PathError, parse_path
from server.web.i18n import format_day


def _translated(words_by_code: dict[str, str]) -> dict[str, Any]:
    """The words of `schemas.labels`, looked up in the catalogue when shown."""
    return {code: _l(word) for code, word in words_by_code.items()}


RULE_LABELS = _translated(words.RULES)
SEVERITY_LABELS = _translated(words.SEVERITY)
STATUS_LABELS = _translated(words.FLAG_STATUS)
ACTION_LABELS = _translated(words.RESOLVE_ACTION)
VERIFICATION_LABELS = _translated(words.VERIFICATION_STATE)
OUTCOME_LABELS = _translated(words.OUTCOME)
SOURCE_LABELS = _translated(words.HISTORY_SOURCE)
PHOTO_KIND_LABELS = _translated(words.PHOTO_KIND)
PHOTO_MISSING = _l(words.PHOTO_MISSING)
ROLE_LABELS = _translated(words.ROLE)
AUDIT_LABELS = _translated(words.AUDIT_ACTION)
SIGNIN_FAILURE_LABELS = _translated(words.SIGNIN_FAILURE)
FIELD_LABELS = _translated(words.FIELD)
LIST_CHANGE_LABELS = _translated(words.LIST_CHANGE)
PERIOD_STATE_LABELS = _translated(words.PERIOD_STATE)
VALUE_LABELS: dict[str, dict[Any, Any]] = {
    field: _translated(choices) for field, choices in words.VALUES.items()
}
PROGRAM_LABELS = words.PROGRAM


def label(mapping: dict[str, Any], code: str | None) -> str:
    """The label of a code, or the code itself when this release does not know it."""
    if code is None:
        return "—"
    return str(mapping.get(code, code))


def field_name(path: str | None) -> str:
    """The last part of a path, the field a CSV column or a label is about."""
    if not path:
        return ""
    try:
        place = parse_path(path)
    except PathError:
        return path
    return place.field or ("member" if place.kind == "member" else path)


def place_label(path: str | None, names: dict[str, str] | None = None) -> str:
    """`members[m1].occupation` → "Pekerjaan (Siti Aminah)"; None → the whole household.

    `names` holds the members' names by member_id (the registry's, and a new member's as
    the field gave it); a member not in it is "anggota lain", never its id.
    """
    if not path:
        return _("Seluruh keluarga")
    try:
        place = parse_path(path)
    except PathError:
        return path
    if place.kind != "member":
        return label(FIELD_LABELS, place.field)
    who = (names or {}).get(place.member_id or "") or _("anggota lain")
    if place.field is None:
        return _("Anggota Keluarga: %(name)s", name=who)
    return _("%(field)s (%(name)s)", field=label(FIELD_LABELS, place.field), name=who)


def member_names(*households: dict[str, Any] | None) -> dict[str, str]:
    """member_id → name over some households' members; later households win."""
    names: dict[str, str] = {}
    for household in households:
        for member in (household or {}).get("members") or ():
            if isinstance(member, dict) and member.get("member_id") and member.get("name"):
                names[member["member_id"]] = member["name"]
    return names


def show_value(field: str | None, value: Any) -> str:
    """A value as a person reads it: labels for codes, Ya/Tidak, programs with years."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Ya") if value else _("Tidak")
    if field in VALUE_LABELS and isinstance(value, str):
        return label(VALUE_LABELS[field], value)
    if field in ("birth_date", "since") and isinstance(value, str):
        return format_day(value)
    if field == "programs" and isinstance(value, list):
        return show_programs(value)
    if isinstance(value, dict) and "member_id" in value:
        return show_member(value)
    if isinstance(value, dict) and "members" in value:
        return _("Keluarga baru: %(n)s anggota, %(address)s",
                 n=len(value.get("members") or []), address=value.get("address") or "—")
    if isinstance(value, list) and all(isinstance(v, dict) and "household_id" in v for v in value):
        return ", ".join(f"{v['household_id']} ({v.get('member_id', '—')})" for v in value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def show_programs(programs: list[Any]) -> str:
    if not programs:
        return _("Tidak ada")
    parts = []
    for item in programs:
        if isinstance(item, dict):
            name = PROGRAM_LABELS.get(item.get("program", ""), str(item.get("program")))
            since = item.get("since")
            parts.append(_("%(p)s sejak %(y)s", p=name, y=since[:4]) if since else name)
        else:
            parts.append(str(item))
    return ", ".join(parts)


def show_member(member: dict[str, Any]) -> str:
    relationship = label(VALUE_LABELS["relationship"], member.get("relationship"))
    status = label(VALUE_LABELS["status"], member.get("status") or "alive")
    return f"{member.get('name') or '—'} ({relationship}, {member.get('birth_date') or '—'}, {status})"


def show_at(path: str | None, value: Any) -> str:
    if not path and isinstance(value, str) and value in OUTCOME_LABELS:
        return label(OUTCOME_LABELS, value)  # the whole household: a visit's outcome
    return show_value(field_name(path), value)


def show_listed(path: str | None, value: Any) -> str:
    """A value on a village's list of changes: a whole household's place (`None`) holds
    a visit's outcome (Pindah, Tidak Ditemukan)."""
    if path is None and isinstance(value, str):
        return label(OUTCOME_LABELS, value)
    return show_at(path, value)
