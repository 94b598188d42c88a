"""Between the HTML form and the contract's household shape.

Form field names are the contract's own paths (`housing.floor`, `members.0.nik`,
`gps.lat`), so an error keyed `observed.members.0.nik` by `schemas` lands next to its
input. Values the form cannot turn into a number are passed on as typed, so the
schema's Bahasa Indonesia message ("Harus berupa bilangan bulat.") explains them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from schemas import enums
from schemas.shape import ASSET_FIELDS, HOUSING_FIELDS, MEMBER_DEFAULTS, TOP_FIELDS
from schemas.shape import MEMBER_FIELDS as _MEMBER_DATA_FIELDS
from sync_agent.capture.labels import ASSET_COUNTS, FIELD, HOUSING

# A member row of the form carries its key beside the schema's member fields.
MEMBER_FIELDS = ("member_id", *_MEMBER_DATA_FIELDS)
META_FIELDS = ("outcome", "notes", "gps.lat", "gps.lon", "gps.accuracy_m", "started_at")


@dataclass
class FormValues:
    """What the form shows: flat text fields and one dict of text per member row."""

    fields: dict[str, str] = field(default_factory=dict)
    members: list[dict[str, str]] = field(default_factory=list)

    def get(self, name: str) -> str:
        return self.fields.get(name, "")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def blank_member() -> dict[str, str]:
    """A new person: a fresh UUID member_id, never reused (docs/protocol.md §2)."""
    row = dict.fromkeys(MEMBER_FIELDS, "")
    row.update(MEMBER_DEFAULTS, member_id=str(uuid.uuid4()), is_new="1")
    return row


def values_from_household(household: dict[str, Any] | None) -> FormValues:
    values = FormValues()
    household = household or {}
    for name in TOP_FIELDS:
        values.fields[name] = _text(household.get(name))
    housing = household.get("housing") or {}
    for name in HOUSING_FIELDS:
        values.fields[f"housing.{name}"] = _text(housing.get(name))
    assets = household.get("assets") or {}
    for name in ASSET_FIELDS:
        values.fields[f"assets.{name}"] = _text(assets.get(name))
    for program in household.get("programs") or []:
        values.fields[f"programs.{program.get('program')}"] = "on"
        values.fields[f"programs.{program.get('program')}.since"] = _text(program.get("since"))
    for member in household.get("members") or []:
        values.members.append({name: _text(member.get(name)) for name in MEMBER_FIELDS})
    return values


def values_from_survey(survey: dict[str, Any], fallback: dict[str, Any] | None) -> FormValues:
    """A stored survey back into the form (to correct a rejected one)."""
    values = values_from_household(survey.get("observed") or fallback)
    values.fields["outcome"] = survey.get("outcome") or "found"
    values.fields["notes"] = _text(survey.get("notes"))
    gps = survey.get("gps") or {}
    for name in ("lat", "lon", "accuracy_m"):
        values.fields[f"gps.{name}"] = _text(gps.get(name))
    values.fields["started_at"] = _text(survey.get("started_at"))
    return values


def values_from_form(form: Any) -> FormValues:
    """Everything posted, as text, members in form order."""
    values = FormValues()
    count = _int_or(form.get("members_count"), 0)
    for name, value in form.items():
        if not name.startswith("members."):
            values.fields[name] = value.strip() if isinstance(value, str) else value
    for index in range(min(count, 200)):
        row = {name: (form.get(f"members.{index}.{name}") or "").strip() for name in MEMBER_FIELDS}
        row["is_new"] = form.get(f"members.{index}.is_new", "")
        values.members.append(row)
    return values


def _int_or(value: Any, default: Any) -> Any:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _number(text: str, kind: type = int) -> Any:
    """'' → None; a number → int/float; anything else as typed (the schema names the fault)."""
    if text == "":
        return None
    try:
        return kind(text.replace(",", ".")) if kind is float else kind(text)
    except ValueError:
        return text


def _member_is_blank(row: dict[str, str]) -> bool:
    """A new row left empty: 'Tambah Anggota' pressed but nothing typed."""
    return row.get("is_new") == "1" and not any(
        row.get(name) for name in ("nik", "name", "birth_date", "relationship", "sex")
    )


@dataclass
class Placement:
    """Where each observed list item sits in the form: member row index, program code."""

    members: list[int] = field(default_factory=list)
    programs: list[str] = field(default_factory=list)


def household_from_values(values: FormValues, household_id: str) -> tuple[dict[str, Any], Placement]:
    """The observed household, and where its members and programs sit in the form."""
    get = values.get
    observed: dict[str, Any] = {
        "household_id": household_id,
        "kk_number": get("kk_number"),
        "region_code": get("region_code"),
        "address": get("address") or None,
        "desil": _number(get("desil")),
    }
    housing: dict[str, Any] = {name: get(f"housing.{name}") or None for name in HOUSING}
    housing["floor_area_m2"] = _number(get("housing.floor_area_m2"))
    observed["housing"] = housing
    assets: dict[str, Any] = {name: _number(get(f"assets.{name}")) for name in ASSET_COUNTS}
    assets["refrigerator"] = {"true": True, "false": False}.get(get("assets.refrigerator"))
    observed["assets"] = assets
    observed["programs"] = [
        {"program": program, "since": get(f"programs.{program}.since")}
        for program in enums.PROGRAM
        if get(f"programs.{program}")
    ]
    placement = Placement(programs=[p["program"] for p in observed["programs"]])
    members: list[dict[str, Any]] = []
    for index, row in enumerate(values.members):
        if _member_is_blank(row):
            continue
        member: dict[str, Any] = {name: row.get(name, "") for name in MEMBER_FIELDS}
        for optional in ("nik", "marital_status", "education", "occupation"):
            member[optional] = member[optional] or None
        for name, default in MEMBER_DEFAULTS.items():
            member[name] = member[name] or default
        members.append(member)
        placement.members.append(index)
    observed["members"] = members
    return observed, placement


def gps_from_values(values: FormValues) -> dict[str, Any] | None:
    lat, lon, accuracy = (values.get(f"gps.{n}") for n in ("lat", "lon", "accuracy_m"))
    if not (lat or lon or accuracy):
        return None
    gps: dict[str, Any] = {"lat": _number(lat, float), "lon": _number(lon, float)}
    if accuracy:
        gps["accuracy_m"] = _number(accuracy, float)
    return gps


def map_errors(errors: dict[str, list[str]], placement: Placement) -> dict[str, list[str]]:
    """Schema/server error paths → form field names; the rest under `_form`."""
    out: dict[str, list[str]] = {}
    for path, messages in errors.items():
        name = path.removeprefix("observed.")
        if name.startswith("photos."):  # one field for all photos: say which one
            out.setdefault("photos", []).extend(f"Foto ke-{int(name.split('.')[1]) + 1}: {m}"
                                                if name.split(".")[1].isdigit() else m
                                                for m in messages)
            continue
        parts = name.split(".")
        if len(parts) >= 2 and parts[1].isdigit():
            index = int(parts[1])
            where: list[Any] = placement.members if parts[0] == "members" else (
                placement.programs if parts[0] == "programs" else []
            )
            if index < len(where):
                parts[1] = str(where[index])
            name = ".".join(parts)
        known = (
            name in TOP_FIELDS or name in META_FIELDS or name == "members"
            or name.startswith(("housing.", "assets.", "programs", "members."))
            or name == "photos"
        )
        out.setdefault(name if known else "_form", []).extend(
            messages if known else [f"{path}: {m}" for m in messages]
        )
    return out


# Fields answered by picking from a list: an empty one is "wajib dipilih", not "diisi".
_CHOSEN = {"sex", "relationship", "marital_status", "education", "disability", "status",
           "outcome", "region_code", *HOUSING}


def plain_errors(errors: dict[str, list[str]], values: FormValues) -> dict[str, list[str]]:
    """Each message beside a field names that field in plain Indonesian.

    An empty field says it is needed ("Jenis Kelamin wajib dipilih."), never the schema's
    "Harus salah satu dari: M, F." or a date format; other messages get the field's name
    in front ("Tanggal Lahir: Tanggal harus berformat ...").
    """
    out: dict[str, list[str]] = {}
    for name, messages in errors.items():
        field_name = name.rsplit(".", 1)[-1]
        word = FIELD.get(field_name)
        if word is None or name == "_form":
            out[name] = messages
            continue
        if _form_value(values, name) == "":
            verb = "dipilih" if field_name in _CHOSEN else "diisi"
            out[name] = [f"{word} wajib {verb}."]
        else:
            out[name] = [m if m.startswith(word) else f"{word}: {_plain(m)}" for m in messages]
    return out


def _plain(message: str) -> str:
    if message.startswith("Harus salah satu dari"):
        return "pilih salah satu dari daftar."
    return message[:1].lower() + message[1:]


def _form_value(values: FormValues, name: str) -> str:
    parts = name.split(".")
    if parts[0] == "members" and len(parts) == 3 and parts[1].isdigit():
        index = int(parts[1])
        return values.members[index].get(parts[2], "") if index < len(values.members) else ""
    return values.get(name)
