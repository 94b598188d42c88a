"""Validating import records: from a raw record to a storable household or a rejection.

Pure and picklable, so the importer can run it in a pool of worker processes: a
registry import spends most of its time here, not in the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import ValidationError

from schemas import HouseholdSchema, flatten_errors
from schemas.fastload import FastLoader
from schemas.household import AssetsSchema, HousingSchema, MemberSchema
from server.services.registry_import import member_ids
from server.services.registry_import.formats import Problem, RawRecord, parse_jsonl_line
from server.store.households import StoredForm, stored_form


@dataclass(frozen=True, slots=True)
class Rejected:
    """A household left out of the import, with every reason found."""

    line: int
    household_id: str | None
    problems: tuple[Problem, ...]


@dataclass(slots=True)
class Valid:
    """A household that passed the schema; `form` is set once its member ids are final.

    Until then (`pending` lists members that came without an id) `body` holds the
    validated household, for `member_ids.resolve` against the registry.
    """

    line: int
    household_id: str
    body: dict[str, Any] | None
    pending: tuple[int, ...]
    form: StoredForm | None = None

    def __reduce__(self) -> tuple[type[Valid], tuple[Any, ...]]:
        # Sent back from a validating process once per household: see StoredForm's.
        return (Valid, (self.line, self.household_id, self.body, self.pending, self.form))


Outcome = Valid | Rejected


_GROUPS = (("housing", tuple(HousingSchema().load_fields)),
           ("assets", tuple(AssetsSchema().load_fields)))
_MEMBER_NULLS = dict.fromkeys(MemberSchema().load_fields)


def canonical(body: dict[str, Any]) -> dict[str, Any]:
    """Unknown is null, however the file said it.

    The contract lets a field be absent or null alike when unknown, and a JSONL file
    tends to leave keys out where a CSV has empty cells. Stored as given, the same
    household would hash differently in the two forms and a format change would
    version every household. So every optional field is stored, null when unknown, and
    a `housing` or `assets` with nothing known is stored as null.
    """
    body.setdefault("address", None)
    body.setdefault("desil", None)
    for group, names in _GROUPS:
        given = body.get(group)
        if given is not None:
            filled = {name: given.get(name) for name in names}
            body[group] = filled if any(v is not None for v in filled.values()) else None
    body["members"] = [{**_MEMBER_NULLS, **member} for member in body["members"]]
    return body


class Validator:
    """Turns a raw record into a valid household or a rejection."""

    def __init__(self) -> None:
        self.loader = FastLoader(HouseholdSchema())

    def __call__(self, record: RawRecord) -> Outcome:
        household_id = record.household_id
        if record.problems:
            return Rejected(record.line, household_id, tuple(record.problems))
        pending = member_ids.mark_missing(record.data)
        try:
            body = canonical(self.loader.load(record.data))
        except ValidationError as exc:
            return Rejected(record.line, household_id, problems_of(record, exc.messages))
        if pending:
            return Valid(record.line, body["household_id"], body, pending)
        return Valid(record.line, body["household_id"], None, (), stored_form(body))


def problems_of(record: RawRecord, messages: Any) -> tuple[Problem, ...]:
    """Field paths from the schema, each on the line it comes from (a CSV member's own row)."""
    problems: list[Problem] = []
    for path, texts in flatten_errors(messages).items():
        line = record.line
        head, _, rest = path.partition(".")
        if head == "members" and record.member_lines:
            index = rest.partition(".")[0]
            if index.isdigit() and int(index) < len(record.member_lines):
                line = record.member_lines[int(index)]
        problems.extend(Problem(line, path, text) for text in texts)
    return tuple(problems)


_worker_validator: Validator | None = None


def check_chunk(items: list[Any], jsonl: bool) -> list[Outcome]:
    """A worker's job: validate a chunk (raw JSONL lines or CSV records), in order."""
    global _worker_validator
    if _worker_validator is None:
        _worker_validator = Validator()
    validate = _worker_validator
    if jsonl:
        return [validate(parse_jsonl_line(number, raw)) for number, raw in items]
    return [validate(record) for record in items]
