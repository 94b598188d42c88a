"""What the single and the batch ingest share: loading, answers, the decision.

Both paths must answer a survey the same way (tests/test_ingest_batch.py compares
them), so the pieces that decide an answer live here once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection

from schemas import SurveySchema, known_village
from schemas.fastload import FastLoader
from server.reconcile.decided import without_decided
from server.reconcile.engine import RuleContext, reconcile_survey, survey_state
from server.reconcile.rules import OBSERVATION_RULES
from server.store import households as household_store

# Compiled for valid input (the common case); anything doubtful goes to marshmallow,
# so a rejection carries marshmallow's own messages (schemas/fastload.py).
survey_loader = FastLoader(SurveySchema())

NOT_ASSIGNED = "Keluarga ini tidak pernah ditugaskan kepada Anda."
NEW_OUTSIDE = "Usulan baru harus berada di desa tempat Anda mendapat tugas."
NEW_EXISTS = "household_id usulan baru sudah ada di DTSEN."
NEW_TAKEN = "household_id ini sudah dipakai usulan baru petugas lain."
ID_REUSED = "survey_id ini sudah dipakai untuk isi kunjungan yang lain."
BAD_BASE = "Versi dasar ini tidak pernah ada untuk keluarga ini."
BAD_PARENT = "Kunjungan induk milik keluarga atau perangkat lain."


def accepted(survey_id: str, state: str, flags: list[dict[str, Any]]) -> dict[str, Any]:
    """The push result of a stored survey (also kept with it, for a repeat's answer)."""
    return {"survey_id": survey_id, "status": "accepted", "state": state, "flags": flags,
            "errors": None}


def rejected(survey_id: str | None, errors: dict[str, list[str]]) -> dict[str, Any]:
    """The push result of a refused survey."""
    return {"survey_id": survey_id, "status": "rejected", "state": None, "flags": [],
            "errors": errors}


def repeat(existing: dict[str, Any], digest: str, survey_id: str) -> dict[str, Any]:
    """The answer to a survey_id already stored: its first answer, or a refusal when the
    content differs (one id, two visits)."""
    if existing["content_hash"] != digest:
        return rejected(survey_id, {"survey_id": [ID_REUSED]})
    return {**existing["result"], "status": "duplicate"}


def decide(
    survey: dict[str, Any],
    device_id: str,
    base: dict[str, Any] | None,
    current: dict[str, Any] | None,
    open_flags: list[dict[str, Any]],
    nik_holders: Callable[[str], list[tuple[str, str]]],
    decided: Sequence[Mapping[str, Any]] = (),
) -> tuple[str, list[Any]]:
    """(state, flag drafts) of a survey that is not superseded: reconciliation, no I/O.

    `open_flags` are the household's open flags with the `device_id` of their survey;
    those from this device are no independent evidence, so never a conflict. `decided`
    are its accepted and rejected flags: a finding one of them already settled on the
    same values is not raised again, and the state is worked out without it (a visit
    that found only settled differences is `verified`: the earlier decision stands).
    """
    others = [f for f in open_flags if f["device_id"] != device_id]
    ctx = RuleContext(
        as_of=date.fromisoformat(survey["completed_at"][:10]),
        nik_holders=nik_holders,
        known_village=known_village,
        outcome=survey["outcome"],
    )
    drafts, _settled = without_decided(reconcile_survey(survey, base, current, others, ctx),
                                       decided)
    return survey_state(drafts), _without_repeats(drafts, open_flags)


def nik_lookup(
    conn: Connection, surveys: list[dict[str, Any]]
) -> Callable[[str], Callable[[str], list[tuple[str, str]]]]:
    """Per household: NIK holders elsewhere, every observed NIK of `surveys` in one query."""
    niks = {m["nik"] for s in surveys for m in ((s["observed"] or {}).get("members") or ())
            if m.get("nik")}
    known = household_store.nik_holders_many(conn, niks)

    def for_household(household_id: str) -> Callable[[str], list[tuple[str, str]]]:
        def holders(nik: str) -> list[tuple[str, str]]:
            found = known[nik] if nik in known else household_store.nik_holders(conn, nik)
            return [h for h in found if h[0] != household_id]

        return holders

    return for_household


def _without_repeats(drafts: list[Any], open_flags: list[dict[str, Any]]) -> list[Any]:
    """A data-quality finding already open on the household is not raised again.

    Observations (FIELD_CHANGED, MEMBER_*, CONFLICT) are kept per survey: each is its own
    evidence, compared with the others for agreement or conflict.
    """
    held = {(f["rule"], f["path"]) for f in open_flags if f["rule"] not in OBSERVATION_RULES}
    return [d for d in drafts if d.rule in OBSERVATION_RULES or (d.rule, d.path) not in held]
