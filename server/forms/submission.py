"""A submission of the verification form, read into the contract's Survey (docs/phones.md).

Pure: XML text in, a `Submission` (the survey without what only the server knows:
`device_seq`, `parent_survey_id` from an offline branch) out, or `NotTheForm` saying
which field and why. The same XML always gives the same survey (new members get ids
derived from the instance), so a resend is recognised as one by the ingest too.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from schemas.shape import ASSET_FIELDS, HOUSING_FIELDS, MEMBER_FIELDS, TOP_FIELDS
from server.forms.xform import FORM_ID, PHOTO_KINDS

INTEGER_FIELDS = frozenset({"desil", "floor_area_m2", "motorcycle", "car", "land_m2"})


class NotTheForm(ValueError):
    """The XML is not a submission of our form; `field` names the place, the text why."""

    def __init__(self, field_name: str, reason: str):
        super().__init__(reason)
        self.field = field_name
        self.reason = reason


@dataclass(frozen=True)
class Submission:
    instance_id: str
    survey: dict[str, Any]  # a Survey without device_seq
    form_version: str
    device_id: str | None
    deprecated_id: str | None
    base_version: int | None  # the entity's, on the phone
    trunk_version: int | None
    branch_id: str | None
    photos: dict[str, str] = field(default_factory=dict)  # file name -> kind


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _children(node: ET.Element) -> dict[str, ET.Element]:
    return {_local(child.tag): child for child in node}


def _text(node: ET.Element | None) -> str | None:
    if node is None or node.text is None or not node.text.strip():
        return None
    return node.text.strip()


def _uuid_of(value: str | None) -> str | None:
    return value.removeprefix("uuid:") if value else None


def _number(value: str | None, name: str) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise NotTheForm(name, "Harus berupa bilangan bulat.") from None


def _value(name: str, text: str | None) -> Any:
    if name in INTEGER_FIELDS:
        return _number(text, name)
    if name == "refrigerator" and text is not None:
        return text == "true"
    return text


def _section(node: ET.Element | None, names: tuple[str, ...]) -> dict[str, Any] | None:
    if node is None:
        return None
    parts = _children(node)
    values = {n: _value(n, _text(parts.get(n))) for n in names}
    kept = {n: v for n, v in values.items() if v is not None}
    return kept or None


def _programs(text: str | None) -> list[dict[str, str]]:
    programs = []
    for item in (text or "").split():
        program, _, since = item.partition(":")
        programs.append({"program": program, "since": since})
    return programs


def _members(observed: ET.Element, instance_id: str) -> list[dict[str, Any]]:
    members = []
    for position, node in enumerate(
            (n for n in observed if _local(n.tag) == "members"), start=1):
        parts = _children(node)
        member: dict[str, Any] = {"member_id": _text(parts.get("member_id")) or str(
            uuid.uuid5(uuid.UUID(instance_id), f"member-{position}"))}
        for name in MEMBER_FIELDS:
            value = _text(parts.get(name))
            if value is not None or name == "nik":
                member[name] = value
        members.append(member)
    return members


def _observed(node: ET.Element, household_id: str, instance_id: str) -> dict[str, Any]:
    parts = _children(node)
    observed: dict[str, Any] = {"household_id": household_id}
    for name in TOP_FIELDS:
        value = _value(name, _text(parts.get(name)))
        if value is not None:
            observed[name] = value
    observed["housing"] = _section(parts.get("housing"), HOUSING_FIELDS)
    observed["assets"] = _section(parts.get("assets"), ASSET_FIELDS)
    observed["programs"] = _programs(_text(parts.get("programs")))
    observed["members"] = _members(node, instance_id)
    return observed


def _gps(text: str | None) -> dict[str, float | None] | None:
    if text is None:
        return None
    numbers = text.split()
    try:
        lat, lon = float(numbers[0]), float(numbers[1])
        accuracy = float(numbers[3]) if len(numbers) > 3 else None
    except (ValueError, IndexError):
        raise NotTheForm("gps", "Lokasi harus 'lintang bujur tinggi akurasi'.") from None
    return {"lat": lat, "lon": lon, "accuracy_m": accuracy}


def _root(xml: bytes) -> ET.Element:
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
        raise NotTheForm("xml_submission_file", "DOCTYPE tidak diterima.")
    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        raise NotTheForm("xml_submission_file", "Bukan XML yang sah.") from None
    if root.get("id") != FORM_ID:
        raise NotTheForm("xml_submission_file", f"Bukan formulir {FORM_ID}.")
    return root


def _instance_id(meta: dict[str, ET.Element]) -> str:
    raw = _uuid_of(_text(meta.get("instanceID")))
    if raw is None:
        raise NotTheForm("meta/instanceID", "instanceID wajib ada.")
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise NotTheForm("meta/instanceID", "instanceID harus UUID.") from None


def read_submission(xml: bytes) -> Submission:
    """The survey a submission's XML holds; `NotTheForm` when it is not our form's."""
    root = _root(xml)
    parts = _children(root)
    meta = _children(parts["meta"]) if "meta" in parts else {}
    instance_id = _instance_id(meta)
    entity = meta.get("entity")
    attrs = entity.attrib if entity is not None else {}
    household_id = _text(parts.get("household_id"))
    if household_id is None:
        raise NotTheForm("household_id", "Keluarga belum dipilih.")
    outcome = _text(parts.get("outcome"))
    survey: dict[str, Any] = {
        "survey_id": instance_id, "household_id": household_id,
        "base_version": _number(attrs.get("baseVersion") or None, "meta/entity/baseVersion"),
        "started_at": _text(parts.get("started_at")),
        "completed_at": _text(parts.get("completed_at")), "outcome": outcome,
        "observed": (_observed(parts["observed"], household_id, instance_id)
                     if outcome == "found" and "observed" in parts else None),
        "gps": _gps(_text(parts.get("gps"))), "notes": _text(parts.get("notes")),
    }
    photos = {name: kind for kind in PHOTO_KINDS if (name := _text(parts.get(kind)))}
    return Submission(
        instance_id=instance_id, survey=survey, form_version=root.get("version") or "",
        device_id=_text(parts.get("deviceid")),
        deprecated_id=_uuid_of(_text(meta.get("deprecatedID"))),
        base_version=survey["base_version"],
        trunk_version=_number(attrs.get("trunkVersion") or None, "meta/entity/trunkVersion"),
        branch_id=attrs.get("branchId") or None, photos=photos,
    )
