"""Reading a registry file record by record: JSONL (a household a line) and member CSV.

Both readers stream: one line (JSONL) or one household's rows (CSV) in memory at a time,
whatever the file's size. They only shape the input into the contract's Household form;
whether it is valid is the schema's business. Problems that make a record unreadable
(broken JSON, a CSV row of the wrong width, a household whose repeated columns
disagree) travel with the record, so the importer reports them with the others.

Messages name lines and columns, never cell values: the cells hold NIKs and names.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from marshmallow import fields, missing

from schemas.household import AssetsSchema, HouseholdSchema, HousingSchema, MemberSchema

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}
UTF8_BOM = b"\xef\xbb\xbf"


class ImportFileError(Exception):
    """The file as a whole cannot be imported; the text is safe to show."""


@dataclass(frozen=True, slots=True)
class Problem:
    line: int
    field: str | None
    message: str


@dataclass(slots=True)
class RawRecord:
    """One household as read: `data` in the Household shape, or the problems that stop it."""

    line: int
    end_line: int
    data: Any = None
    member_lines: tuple[int, ...] = ()
    problems: list[Problem] = field(default_factory=list)

    @property
    def household_id(self) -> str | None:
        data = self.data
        if type(data) is dict and type(data.get("household_id")) is str:
            return data["household_id"]
        return None


def detect_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ImportFileError(
            f"unknown file type {path.suffix or '(none)'!r}: use .jsonl (one household a "
            "line) or .csv (one member a row)"
        )
    return fmt


def scan_file(path: Path) -> int:
    """Check the file is readable, UTF-8 and not empty before anything is stored; count lines.

    A file saved in another encoding (Excel's ANSI or UTF-16) would otherwise import
    partly, its plain-ASCII lines in and the rest out.
    """
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise ImportFileError(f"cannot read {path.name}: {exc.strerror}") from exc
    lines, content = 0, False
    with handle:
        for lines, raw in enumerate(handle, 1):
            if lines == 1 and raw.startswith(UTF8_BOM):
                raw = raw[len(UTF8_BOM):]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ImportFileError(
                    f"line {lines}: the file is not UTF-8 text (byte 0x{raw[exc.start]:02X} at "
                    f"column {exc.start + 1}); save it as UTF-8 and import again"
                ) from exc
            content = content or bool(text.strip())
    if not content:
        raise ImportFileError(f"{path.name} is empty: no households to import")
    return lines


def read_records(path: Path, fmt: str) -> Iterator[RawRecord]:
    return read_jsonl(path) if fmt == "jsonl" else read_member_csv(path)


def jsonl_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes) of each line that is not blank; parsing is left to the caller,
    so a pool of processes can share it."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, 1):
            if number == 1 and raw.startswith(UTF8_BOM):
                raw = raw[len(UTF8_BOM):]
            if raw.strip():
                yield number, raw


def parse_jsonl_line(number: int, raw: bytes) -> RawRecord:
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return RawRecord(number, number, problems=[Problem(number, None, "not UTF-8 text")])
    except json.JSONDecodeError as exc:
        problem = Problem(number, None, f"not valid JSON: {exc.msg} (column {exc.colno})")
        return RawRecord(number, number, problems=[problem])
    return RawRecord(number, number, data)


def read_jsonl(path: Path) -> Iterator[RawRecord]:
    for number, raw in jsonl_lines(path):
        yield parse_jsonl_line(number, raw)


# --- member CSV -------------------------------------------------------------------

_GROUPS = {"housing": HousingSchema, "assets": AssetsSchema}
_LISTS = ("programs", "members")


def _column_fields() -> tuple[dict[str, fields.Field], dict[str, fields.Field]]:
    """Household columns and member columns, named as the contract says, from the schemas."""
    household: dict[str, fields.Field] = {}
    for name, f in HouseholdSchema().load_fields.items():
        if name in _GROUPS:
            for sub, sub_field in _GROUPS[name]().load_fields.items():
                household[f"{name}.{sub}"] = sub_field
        elif name not in _LISTS:
            household[name] = f
    household["programs"] = HouseholdSchema().load_fields["programs"]
    member = dict(MemberSchema().load_fields)
    return household, member


HOUSEHOLD_COLUMNS, MEMBER_COLUMNS = _column_fields()


def _cell(column: str, f: fields.Field, text: str) -> Any:
    """A CSV cell as the JSON value the schema expects; `missing` leaves the key out.

    Empty is null, except where the schema has a default instead (`disability`, `status`)
    and for `member_id`, which the server then assigns. A cell that does not parse is
    passed on as text, so the schema's message names the field.
    """
    text = text.strip()
    if text == "":
        if column == "member_id" or (not f.allow_none and f.load_default is not missing):
            return missing
        return None
    if isinstance(f, fields.Integer):
        digits = text[1:] if text[:1] in "+-" else text
        return int(text) if digits.isdigit() and digits.isascii() else text
    if isinstance(f, fields.Boolean):
        return {"true": True, "false": False}.get(text.lower(), text)
    return text


def parse_programs(text: str) -> list[dict[str, str]]:
    """`PKH:2019-03-01;BPNT:2020-01-15` → the contract's list of {program, since}."""
    programs = []
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        program, sep, since = part.partition(":")
        entry = {"program": program.strip()}
        if sep:
            entry["since"] = since.strip()
        programs.append(entry)
    return programs


@dataclass(slots=True)
class _Group:
    household_id: str
    first_line: int
    cells: tuple[str, ...]
    end_line: int = 0
    members: list[dict[str, Any]] = field(default_factory=list)
    member_lines: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class _CsvShape:
    """The header of a member CSV, checked once, and how to turn its rows into households."""

    def __init__(self, header: list[str]) -> None:
        names = [h.strip() for h in header]
        unknown = [n for n in names if n not in HOUSEHOLD_COLUMNS and n not in MEMBER_COLUMNS]
        if unknown:
            raise ImportFileError(
                "line 1: unknown column(s) " + ", ".join(repr(n) for n in unknown)
                + "; columns are the contract's field names, nested ones dotted "
                "(housing.floor), see docs/data-shapes.md"
            )
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ImportFileError(f"line 1: column(s) named twice: {', '.join(repeated)}")
        if "household_id" not in names:
            raise ImportFileError("line 1: the header has no household_id column")
        self.width = len(names)
        self.id_index = names.index("household_id")
        self.household_columns = [(i, n) for i, n in enumerate(names) if n in HOUSEHOLD_COLUMNS]
        self.member_columns = [(i, n) for i, n in enumerate(names) if n in MEMBER_COLUMNS]

    def household_cells(self, row: list[str]) -> tuple[str, ...]:
        return tuple(row[i].strip() for i, _ in self.household_columns)

    def member(self, row: list[str]) -> dict[str, Any]:
        member = {}
        for i, name in self.member_columns:
            value = _cell(name, MEMBER_COLUMNS[name], row[i])
            if value is not missing:
                member[name] = value
        return member

    def household_data(self, cells: tuple[str, ...]) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for (_, name), text in zip(self.household_columns, cells, strict=True):
            if name == "programs":
                data["programs"] = parse_programs(text)
                continue
            value = _cell(name, HOUSEHOLD_COLUMNS[name], text)
            if value is missing:
                continue
            group, dot, sub = name.partition(".")
            if dot:
                data.setdefault(group, {})[sub] = value
            else:
                data[name] = value
        return data

    def record(self, group: _Group) -> RawRecord:
        if group.problems:
            return RawRecord(group.first_line, group.end_line,
                             {"household_id": group.household_id}, problems=group.problems)
        data = self.household_data(group.cells)
        data["members"] = group.members
        return RawRecord(group.first_line, group.end_line, data, tuple(group.member_lines))

    def disagreements(self, group: _Group, cells: tuple[str, ...], line: int) -> list[Problem]:
        return [
            Problem(line, name, f"differs from line {group.first_line} of the same household")
            for (_, name), mine, first in zip(self.household_columns, cells, group.cells, strict=True)
            if mine != first
        ]


def read_member_csv(path: Path) -> Iterator[RawRecord]:
    """Rows of one household must follow each other; the household is read when they end."""
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        shape: _CsvShape | None = None
        group: _Group | None = None
        previous_end = 0
        for row in reader:
            line, previous_end = previous_end + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if shape is None:
                shape = _CsvShape(row)
                continue
            household_id = row[shape.id_index].strip() if len(row) > shape.id_index else ""
            if group is not None and (group.household_id != household_id or not household_id):
                yield shape.record(group)
                group = None
            if len(row) != shape.width:
                problem = Problem(line, None, f"the row has {len(row)} cells, the header "
                                              f"{shape.width}")
                if not household_id:
                    yield RawRecord(line, previous_end, problems=[problem])
                    continue
                if group is None:  # the rows that follow fall with this one
                    group = _Group(household_id, line, ())
                group.problems.append(problem)
                group.end_line = previous_end
                continue
            cells = shape.household_cells(row)
            if group is None:
                group = _Group(household_id, line, cells)
            elif not group.cells:
                group.cells = cells
            else:
                group.problems += shape.disagreements(group, cells, line)
            group.end_line = previous_end
            group.members.append(shape.member(row))
            group.member_lines.append(line)
        if group is not None and shape is not None:
            yield shape.record(group)
