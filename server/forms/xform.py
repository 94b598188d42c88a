"""The verification form for phones (docs/protocol.md §6), built from the schemas and labels.

An XLSForm held as Python rows (no spreadsheet) turned into an XForm by pyxform. Every
question, choice list, range and label comes from `schemas/`: a schema change changes
the rows, and so the form's version (a hash of the rows). Pure: the English words come in
as a function, the caller reads them from the catalogue.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from marshmallow import fields as mfields
from marshmallow import validate

from schemas import enums, labels
from schemas.household import AssetsSchema, HousingSchema, MemberSchema
from schemas.shape import ASSET_FIELDS, HOUSING_FIELDS, MEMBER_FIELDS

FORM_ID = "verifikasi_dtsen"
ENTITY_LIST = "households"
MEMBER_LIST = "members"
ID = "Bahasa Indonesia (id)"
EN = "English (en)"
MAX_PIXELS = 1600
PHOTO_KINDS = ("house_front", "house_inside", "kk")
NIK_RE = "^[0-9]{16}$"
PROGRAMS_RE = "^((" + "|".join(enums.PROGRAM) + r"):[0-9]{4}-[0-9]{2}-[0-9]{2}( |$))*$"

SECTION_TITLES = {"housing": "Perumahan", "assets": "Aset"}  # as the capture form says

Translate = Callable[[str], str]


@dataclass(frozen=True)
class BuiltForm:
    xml: str
    version: str
    warnings: list[str]


def _say(text: str, translate: Translate, column: str = "label") -> dict[str, str]:
    return {f"{column}::{ID}": text, f"{column}::{EN}": translate(text)}


def _lookup(list_name: str, column: str, where: str) -> str:
    return f"instance('{list_name}')/root/item[{where}]/{column}"


def _household_value(prop: str) -> str:
    return _lookup(ENTITY_LIST, prop, "name=${pick}")


def _member_value(column: str) -> str:
    return _lookup(MEMBER_LIST, column,
                   "household_id=${household_id} and idx=position(current()/..)")


def entity_property(section: str | None, name: str) -> str:
    """The entity-list column holding a household field (`housing.floor` → `housing_floor`)."""
    return f"{section}_{name}" if section else name


def _choice_rows(translate: Translate) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    lists: dict[str, dict[str, str]] = {
        "visit_kind": {"registry": "Keluarga dari daftar", "new": "Usulan baru"},
        "outcome": labels.OUTCOME, "yes_no": {"true": "Ya", "false": "Tidak"},
        **{name: labels.VALUES[name] for name in labels.VALUES},
    }
    for list_name, words in lists.items():
        for code, word in words.items():
            rows.append({"list_name": list_name, "name": code, **_say(word, translate)})
    return rows


def _range_constraint(field: mfields.Field) -> str | None:
    for check in field.validators:
        if isinstance(check, validate.Range):
            return f". >= {check.min} and . <= {check.max}"
    return None


def _field_row(name: str, field: mfields.Field, translate: Translate) -> dict[str, str]:
    """One schema field as a question: its type, range and choices from the schema."""
    row: dict[str, str] = {"name": name, **_say(labels.FIELD[name], translate)}
    if name in labels.VALUES:
        row["type"] = f"select_one {name}"
    elif isinstance(field, mfields.Boolean):
        row["type"] = "select_one yes_no"
    elif isinstance(field, mfields.Integer):
        row["type"] = "integer"
    else:
        row["type"] = "text"
    constraint = _range_constraint(field)
    if constraint:
        row["constraint"] = constraint
        row.update(_say("Di luar batas yang diperbolehkan.", translate, "constraint_message"))
    return row


def _prefilled(row: dict[str, str], prop: str) -> dict[str, str]:
    """Filled from the chosen household when it is picked, still editable; kept on the
    phone's copy of the household (`save_to`) for a second visit before a sync."""
    return {**row, "calculation": _household_value(prop), "trigger": "${pick}",
            "save_to": prop}


def _section_rows(section: str, names: tuple[str, ...], schema: Any,
                  translate: Translate) -> list[dict[str, str]]:
    fields = schema().fields
    rows = [{"type": "begin group", "name": section, **_say(SECTION_TITLES[section], translate)}]
    rows += [_prefilled(_field_row(n, fields[n], translate), entity_property(section, n))
             for n in names]
    return [*rows, {"type": "end group"}]


def _top_rows(translate: Translate) -> list[dict[str, str]]:
    text = mfields.String()
    kk = {**_field_row("kk_number", text, translate), "required": "yes",
          "constraint": f"regex(., '{NIK_RE}')",
          **_say("Nomor KK harus 16 angka.", translate, "constraint_message")}
    region = {**_field_row("region_code", text, translate), "required": "yes",
              "constraint": "regex(., '^[0-9]{10}$')",
              **_say("Kode desa harus 10 angka.", translate, "constraint_message")}
    desil = {**_field_row("desil", mfields.Integer(validate=validate.Range(1, 10)),
                          translate)}
    programs = {**_field_row("programs", text, translate),
                "constraint": f"regex(., '{PROGRAMS_RE}')",
                **_say("Tulis PROGRAM:YYYY-MM-DD, dipisah spasi (contoh PKH:2019-03-01).",
                       translate, "constraint_message")}
    return [_prefilled(kk, "kk_number"), _prefilled(region, "region_code"),
            _prefilled(_field_row("address", text, translate), "address"),
            _prefilled(desil, "desil"), _prefilled(programs, "programs")]


def _member_rows(translate: Translate) -> list[dict[str, str]]:
    fields = MemberSchema().fields
    rows = [{"type": "begin repeat", "name": "members", "repeat_count": "${member_total}",
             **_say(labels.MEMBER, translate)},
            {"type": "calculate", "name": "member_id",
             "calculation": "coalesce(" + _member_value("member_id") + ", '')"}]
    for name in MEMBER_FIELDS:
        row = {**_field_row(name, fields[name], translate), "default": _member_value(name)}
        if name == "nik":
            row.update({"constraint": f"regex(., '{NIK_RE}')",
                        **_say("NIK harus 16 angka.", translate, "constraint_message")})
        elif name == "birth_date":
            row["type"] = "date"
            row.update({"constraint": ". <= today()",
                        **_say("Tanggal lahir tidak boleh di masa depan.", translate,
                               "constraint_message")})
        if name in ("name", "sex", "birth_date", "relationship"):
            row["required"] = "yes"
        rows.append(row)
    rows[-1]["default"] = "coalesce(" + _member_value("status") + ", 'alive')"
    return [*rows, {"type": "end repeat"}]


def _visit_rows(translate: Translate) -> list[dict[str, str]]:
    return [
        {"type": "start", "name": "started_at"}, {"type": "end", "name": "completed_at"},
        {"type": "deviceid", "name": "deviceid"},
        {"type": "csv-external", "name": MEMBER_LIST},
        {"type": "select_one visit_kind", "name": "visit_kind", "required": "yes",
         **_say("Jenis kunjungan", translate)},
        {"type": "select_one_from_file households.csv", "name": "pick", "required": "yes",
         "relevant": "${visit_kind} = 'registry'", **_say("Pilih keluarga", translate)},
        {"type": "calculate", "name": "revisit_note",
         "calculation": _household_value("revisit_note")},
        {"type": "note", "name": "revisit_shown", "relevant": "${revisit_note} != ''",
         **_say("Catatan supervisor untuk kunjungan ulang: ${revisit_note}", translate)},
        {"type": "calculate", "name": "new_id", "calculation": "once(concat('NEW-', uuid()))"},
        {"type": "calculate", "name": "household_id",
         "calculation": "if(${visit_kind} = 'new', ${new_id}, ${pick})"},
        {"type": "select_one outcome", "name": "outcome", "required": "yes",
         "constraint": "${visit_kind} = 'registry' or . = 'found'",
         **_say(labels.FIELD["outcome"], translate),
         **_say("Usulan baru hanya untuk keluarga yang ditemukan.", translate,
                "constraint_message")},
        {"type": "integer", "name": "new_member_count", "default": "0",
         "relevant": "${outcome} = 'found'",
         "constraint": ". >= 0 and . <= 30 and (${visit_kind} = 'registry' or . >= 1)",
         **_say("Jumlah anggota keluarga baru", translate),
         **_say("Usulan baru memerlukan paling sedikit satu anggota keluarga.", translate,
                "constraint_message")},
        {"type": "calculate", "name": "member_total", "calculation":
         f"count(instance('{MEMBER_LIST}')/root/item[household_id=${{household_id}}])"
         " + coalesce(${new_member_count}, 0)"},
    ]


def _closing_rows(translate: Translate) -> list[dict[str, str]]:
    photo_words = {"house_front": "Foto rumah tampak depan",
                   "house_inside": "Foto bagian dalam rumah", "kk": "Foto Kartu Keluarga"}
    photos = [{"type": "image", "name": kind, "parameters": f"max-pixels={MAX_PIXELS}",
               **_say(photo_words[kind], translate)} for kind in PHOTO_KINDS]
    return [{"type": "geopoint", "name": "gps", **_say("Lokasi (GPS)", translate)}, *photos,
            {"type": "text", "name": "notes", **_say(labels.FIELD["notes"], translate)}]


def form_rows(translate: Translate) -> dict[str, list[dict[str, str]]]:
    """The XLSForm as sheets of rows, without its version."""
    survey = [*_visit_rows(translate),
              {"type": "begin group", "name": "observed", "relevant": "${outcome} = 'found'",
               **_say("Data keluarga di lapangan", translate)},
              *_top_rows(translate),
              *_section_rows("housing", HOUSING_FIELDS, HousingSchema, translate),
              *_section_rows("assets", ASSET_FIELDS, AssetsSchema, translate),
              *_member_rows(translate), {"type": "end group"},
              *_closing_rows(translate)]
    entities = [{"list_name": ENTITY_LIST, "entity_id": "${pick}",
                 "update_if": "${visit_kind} = 'registry'"}]
    return {"survey": survey, "choices": _choice_rows(translate), "entities": entities}


def _with_headers(sheets: dict[str, list[dict[str, str]]]) -> dict[str, Any]:
    """The sheets and their header rows, as pyxform's spreadsheet readers hand them over."""
    headers = {f"{name}_header": [dict.fromkeys(c for row in rows for c in row)]
               for name, rows in sheets.items()}
    return {**sheets, **headers}


def build_form(translate: Translate) -> BuiltForm:
    """The XForm and its version (a hash of the rows, so it moves with the schemas)."""
    sheets = form_rows(translate)
    version = hashlib.sha256(json.dumps(sheets, sort_keys=True).encode()).hexdigest()[:12]
    sheets["settings"] = [{"form_title": "Verifikasi DTSEN", "form_id": FORM_ID,
                           "version": version, "default_language": ID}]
    warnings: list[str] = []
    # Imported here: pyxform (and openpyxl with it) weigh about 20 MB in every server
    # process, and the form is built once per process, on a phone's first ask.
    from pyxform.xls2xform import convert

    result = convert(xlsform=_with_headers(sheets), warnings=warnings, form_name="data")
    return BuiltForm(xml=result.xform, version=version, warnings=warnings)
