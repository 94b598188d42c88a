"""Three-way merge of one survey: what the field saw against what the registry holds.

`base` is the version the enumerator was shown, `current` the registry now, `observed`
what the field saw. Only places the field changed (base → observed) can raise a flag:

- changed in the field only: `FIELD_CHANGED` (`MEMBER_ADDED` / `MEMBER_REMOVED` for
  members), registry value → field value;
- changed in the registry since base as well: nothing if both now agree, else
  `CONFLICT` (registry = current, field = observed, other = base);
- held by another open observation flag (`others`) with a different field value:
  `CONFLICT` (other = that flag's field value). Two agreeing observations are no conflict.

A place changed on the registry side only never flags: the newer registry value stands.
A `null` observed at a household-level or member field means "not observed" (the form
left it blank), never "erase what the registry knows"; a member absent from `observed`
is a removal, except one the registry already holds as deceased or moved out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from server.reconcile.diff import Difference, Household, diff_households, get_at, members_by_id
from server.reconcile.draft import FlagDraft, make_draft
from server.reconcile.fields import GONE_STATUSES, member_path, member_value, parse_path
from server.reconcile.labels import label
from server.reconcile.normalize import values_equal
from server.reconcile.rules import OBSERVATION_RULES

_REMOVED_MESSAGES = {
    "deceased": "Anggota keluarga dilaporkan meninggal.",
    "moved_out": "Anggota keluarga dilaporkan pindah.",
    None: "Anggota keluarga tidak tercantum di data lapangan.",
}

# A flag sent for a revisit is still undecided: its observation still stands.
_UNDECIDED = frozenset({"open", "revisit"})

OtherFlags = Mapping[str, list[Mapping[str, Any]]]


def merge(base: Household, current: Household | None, observed: Household,
          others: Iterable[Mapping[str, Any]] = ()) -> list[FlagDraft]:
    """Flag drafts for every place the field changed; `current=None` means unchanged."""
    current = base if current is None else current
    by_path = index_others(others)
    drafts: list[FlagDraft] = []
    current_members = members_by_id(current.get("members"))
    observed_members = members_by_id(observed.get("members"))
    gone_in_registry: set[str] = set()
    for diff in diff_households(base, observed):
        place = parse_path(diff.path)
        if place.kind != "member":
            if diff.after is not None:
                _add(drafts, _resolve(diff, "FIELD_CHANGED", get_at(current, diff.path), by_path))
            continue
        member_id = place.member_id
        assert member_id is not None
        if place.whole_member:
            _add(drafts, _whole_member(diff, current_members.get(member_id), by_path))
        elif diff.after is None:
            continue  # not observed
        elif member_id not in current_members:
            # The registry dropped this member since base; the field still lists them.
            if member_id not in gone_in_registry:
                gone_in_registry.add(member_id)
                _add(drafts, _dropped_member(member_id, observed_members[member_id]))
        else:
            rule = "FIELD_CHANGED"
            if place.field == "status" and diff.after in GONE_STATUSES:
                rule = "MEMBER_REMOVED"
            current_value = member_value(current_members[member_id], place.field or "")
            _add(drafts, _resolve(diff, rule, current_value, by_path))
    return drafts


def index_others(others: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    """Other surveys' open observation flags by path; data-quality findings are skipped."""
    by_path: dict[str, list[Mapping[str, Any]]] = {}
    for flag in others:
        if flag.get("rule", "FIELD_CHANGED") not in OBSERVATION_RULES:
            continue
        if flag.get("status", "open") not in _UNDECIDED or flag.get("path") is None:
            continue
        by_path.setdefault(flag["path"], []).append(flag)
    return by_path


def _whole_member(diff: Difference, current_member: dict[str, Any] | None,
                  by_path: OtherFlags) -> FlagDraft | None:
    if diff.before is None:
        return _resolve(diff, "MEMBER_ADDED", current_member, by_path)
    if member_value(diff.before, "status") in GONE_STATUSES:
        return None  # already gone in the version shown: leaving them off the list says nothing
    if current_member is not None and member_value(current_member, "status") in GONE_STATUSES:
        return None  # the registry has marked them gone since: both sides agree
    return _resolve(diff, "MEMBER_REMOVED", current_member, by_path)


def _dropped_member(member_id: str, observed_member: dict[str, Any]) -> FlagDraft | None:
    if member_value(observed_member, "status") in GONE_STATUSES:
        return None
    path = member_path(member_id)
    return make_draft("CONFLICT", path, _conflict_message(path, registry=True),
                      registry_value=None, field_value=dict(observed_member),
                      other_value=None)


def _resolve(diff: Difference, rule: str, current_value: Any,
             by_path: OtherFlags) -> FlagDraft | None:
    path, base_value, observed_value = diff.path, diff.before, diff.after
    if not values_equal(path, base_value, current_value):
        if values_equal(path, current_value, observed_value):
            return None
        return make_draft("CONFLICT", path, _conflict_message(path, registry=True),
                          registry_value=_copy(current_value), field_value=_copy(observed_value),
                          other_value=_copy(base_value))
    for other in by_path.get(path, ()):
        if not values_equal(path, other.get("field_value"), observed_value):
            return make_draft("CONFLICT", path, _conflict_message(path, registry=False),
                              registry_value=_copy(current_value),
                              field_value=_copy(observed_value),
                              other_value=_copy(other.get("field_value")))
    return make_draft(rule, path, _message(rule, path, observed_value),
                      registry_value=_copy(current_value), field_value=_copy(observed_value))


def _message(rule: str, path: str, observed_value: Any) -> str:
    if rule == "MEMBER_ADDED":
        return "Anggota keluarga baru ditemukan di lapangan."
    if rule == "MEMBER_REMOVED":
        status = observed_value if isinstance(observed_value, str) else None
        return _REMOVED_MESSAGES.get(status, _REMOVED_MESSAGES[None])
    return f"Data lapangan berbeda dengan DTSEN: {label(path)}."


def _conflict_message(path: str, *, registry: bool) -> str:
    if registry:
        return f"Konflik data: {label(path)} di DTSEN berubah sejak versi yang dilihat petugas."
    return f"Konflik data: {label(path)} berbeda dengan kunjungan lain yang belum diputuskan."


def _copy(value: Any) -> Any:
    """Drafts outlive the call: copy members and program lists, not their callers' dicts."""
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return [dict(v) if isinstance(v, dict) else v for v in value]
    return value


def _add(drafts: list[FlagDraft], draft: FlagDraft | None) -> None:
    if draft is not None:
        drafts.append(draft)
