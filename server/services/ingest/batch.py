"""A whole push at once: the same answers as `ingest_survey` item by item, far fewer queries.

Item by item, a survey costs about eleven statements and a savepoint; on PostgreSQL each
is a network round trip and a parse on the server, and 50 laptops pushing at once spend
more time on those than on reconciliation. Here the surveys of one push that stand
alone (one per household in the batch, no parent in play, not a new-household
proposal) are read in a handful of queries for the whole batch, decided in memory by
the very same `core.decide`, and written with one multi-row statement per table.

Everything else (a parent and its child in one push, two visits of one household, a
proposal, a survey already stored) goes through `ingest_survey` as before, in request
order. A batch write that meets a unique violation (the same survey arriving through
another request at that moment) is rolled back to its savepoint and redone item by
item, where the primary key decides as it always did.

Households are locked (FOR UPDATE) in household_id order, so two pushes touching the
same households queue instead of deadlocking.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from schemas import flatten_errors
from server.services.ingest.core import (
    BAD_BASE,
    NOT_ASSIGNED,
    accepted,
    decide,
    nik_lookup,
    rejected,
    repeat,
    survey_loader,
)
from server.services.ingest.single import ingest_survey, store_photos, verification_of
from server.store import assignments, feed, jsoncol
from server.store import flags as flag_store
from server.store import households as household_store
from server.store import surveys as survey_store
from server.timeutil import now_iso


@dataclass
class _Item:
    index: int
    survey: dict[str, Any]
    text: str  # the canonical JSON: stored as the body, hashed for the idempotency check
    user: dict[str, Any]  # who sent it, from which device
    device_id: str

    @property
    def digest(self) -> str:
        return jsoncol.text_hash(self.text)


def ingest_batch(
    conn: Connection, user: dict[str, Any], device_id: str, items: list[Any]
) -> list[dict[str, Any]]:
    """One push result per item, in request order (never raises for input)."""
    return ingest_sent(conn, [(user, device_id, item) for item in items])


def ingest_sent(
    conn: Connection, sent: list[tuple[dict[str, Any], str, Any]]
) -> list[dict[str, Any]]:
    """`ingest_batch` of items from several senders at once, each `(user, device_id,
    item)`: the phones' group commit stores the submissions of many phones this way."""
    results: list[dict[str, Any] | None] = [None] * len(sent)
    loaded: list[_Item] = []
    for index, (user, device_id, item) in enumerate(sent):
        try:
            survey = survey_loader.load(item)
        except ValidationError as exc:
            raw_id = item.get("survey_id") if isinstance(item, dict) else None
            results[index] = rejected(raw_id if isinstance(raw_id, str) else None,
                                       flatten_errors(exc.messages))
            continue
        loaded.append(_Item(index, survey, jsoncol.dumps(survey), user, device_id))
    alone, slow = _split(conn, loaded, results)
    if alone:
        savepoint = conn.begin_nested()
        try:
            for item, result in zip(alone, _ingest_alone(conn, alone), strict=True):
                results[item.index] = result
            savepoint.commit()
        except IntegrityError:
            savepoint.rollback()  # another request stored one of them meanwhile
            slow.extend(alone)
    for item in sorted(slow, key=lambda i: i.index):
        user, device_id, raw = sent[item.index]
        results[item.index] = ingest_survey(conn, user, device_id, raw)
    answered = [result for result in results if result is not None]
    assert len(answered) == len(results)
    return answered


def _split(
    conn: Connection, loaded: list[_Item], results: list[dict[str, Any] | None]
) -> tuple[list[_Item], list[_Item]]:
    """Answer the repeats; part the rest into (stands alone, goes item by item)."""
    stored = survey_store.answers_of(conn, [i.survey["survey_id"] for i in loaded])
    fresh = []
    for item in loaded:
        existing = stored.get(item.survey["survey_id"])
        if existing is not None:
            results[item.index] = repeat(existing, item.digest, item.survey["survey_id"])
        else:
            fresh.append(item)
    households_seen = Counter(i.survey["household_id"] for i in fresh)
    ids_seen = Counter(i.survey["survey_id"] for i in fresh)
    named_parents = {i.survey["parent_survey_id"] for i in fresh}
    alone: list[_Item] = []
    slow: list[_Item] = []
    for item in fresh:
        survey = item.survey
        stands_alone = (
            survey["base_version"] is not None
            and survey["parent_survey_id"] is None
            and survey["survey_id"] not in named_parents
            and households_seen[survey["household_id"]] == 1
            and ids_seen[survey["survey_id"]] == 1
        )
        (alone if stands_alone else slow).append(item)
    return alone, slow


def _assigned(conn: Connection, alone: list[_Item]) -> set[tuple[int, str]]:
    """(enumerator, household) pairs of the batch that were ever assigned."""
    by_user: dict[int, set[str]] = {}
    for item in alone:
        by_user.setdefault(item.user["user_id"], set()).add(item.survey["household_id"])
    return {(user_id, household_id) for user_id, household_ids in by_user.items()
            for household_id in assignments.ever_assigned(conn, user_id, sorted(household_ids))}


def _ingest_alone(conn: Connection, alone: list[_Item]) -> list[dict[str, Any]]:
    assigned = _assigned(conn, alone)
    current = household_store.lock_bodies(conn, sorted({h for _, h in assigned}))
    bases = _base_versions(conn, [i.survey for i in alone], current)
    children = survey_store.children_of(conn, [i.survey["survey_id"] for i in alone])
    open_flags, decided = flag_store.open_and_decided_for_households(conn, list(current))
    nik_holders = nik_lookup(conn, [i.survey for i in alone if i.survey["survey_id"]
                                     not in children])
    writes = _Writes()
    answers = []
    for item in alone:
        survey = item.survey
        household_id = survey["household_id"]
        if (item.user["user_id"], household_id) not in assigned:
            answers.append(rejected(survey["survey_id"], {"household_id": [NOT_ASSIGNED]}))
            continue
        body, version = current[household_id]
        base = body if survey["base_version"] == version else bases.get(
            (household_id, survey["base_version"]))
        if base is None:
            answers.append(rejected(survey["survey_id"], {"base_version": [BAD_BASE]}))
            continue
        child = children.get(survey["survey_id"])
        drafts: list[Any]
        if child is not None:
            state, drafts = "superseded", []
        else:
            state, drafts = decide(survey, item.device_id, base, body,
                                   open_flags.get(household_id, []), nik_holders(household_id),
                                   decided.get(household_id, []))
        answers.append(writes.add(item, state, drafts, body["region_code"], child))
    writes.flush(conn)
    return answers


def _base_versions(
    conn: Connection, batch: list[dict[str, Any]], current: dict[str, tuple[dict, int]]
) -> dict[tuple[str, int], dict[str, Any]]:
    """The older versions surveys were recorded against (most were shown the latest)."""
    return household_store.get_versions(conn, (
        (s["household_id"], s["base_version"]) for s in batch
        if s["household_id"] in current and s["base_version"] != current[s["household_id"]][1]
    ))


class _Writes:
    """The rows of a batch, written with one statement per table at the end."""

    def __init__(self) -> None:
        self.surveys: list[dict[str, Any]] = []
        self.flags: list[dict[str, Any]] = []
        self.feed: list[tuple[str, str, str, int | None]] = []
        self.verifications: list[dict[str, Any]] = []
        self.stored: list[dict[str, Any]] = []
        self.at = now_iso()

    def add(self, item: _Item, state: str, drafts: list[Any], region: str,
            child: str | None) -> dict[str, Any]:
        survey = item.survey
        rows = flag_store.new_rows(drafts, household_id=survey["household_id"],
                                   region_code=region, survey_id=survey["survey_id"])
        self.flags.extend(rows)
        enumerator_id = item.user["user_id"]
        self.feed.extend(("flag", row["flag_id"], row["household_id"], enumerator_id)
                         for row in rows)
        result = accepted(survey["survey_id"], state, [flag_store.to_dict(row) for row in rows])
        self.surveys.append(survey_store.new_row(
            survey, text=item.text, digest=item.digest, enumerator_id=enumerator_id,
            device_id=item.device_id, state=state, result=result, superseded_by=child,
            received_at=self.at,
        ))
        self.stored.append(survey)
        verification = verification_of(survey, state) if state != "superseded" else None
        if verification is not None:
            self.verifications.append({
                "household_id": survey["household_id"], "state": verification,
                "survey_id": survey["survey_id"], "at": survey["completed_at"]})
        return result

    def flush(self, conn: Connection) -> None:
        flag_store.insert_many(conn, self.flags)
        survey_store.insert_many(conn, self.surveys)  # marks the surveys' villages
        store_photos(conn, self.stored, self.at)
        feed.emit_many(conn, self.feed)
        # Every verification is of a household just marked with its survey.
        household_store.set_verification_many(conn, self.verifications, marked=True)
