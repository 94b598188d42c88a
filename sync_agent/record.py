"""Recording one verification visit into the outbox (the CLI's `record` and the form's save).

A visit is checked with the same `schemas.SurveySchema` the server uses, so what the
laptop accepts the server accepts, and it is committed to disk before this returns.
The agent fills in what the enumerator should not have to think about: a fresh
`survey_id`, the next `device_seq`, the `base_version` of the local copy, and
`parent_survey_id` when an earlier visit to the same household is still unsent.
"""

from __future__ import annotations

import copy
import uuid
from datetime import datetime
from typing import Any

from marshmallow import ValidationError

from schemas import SurveySchema, flatten_errors
from sync_agent import photo_files, photo_outbox
from sync_agent.photo_encode import LONG_EDGE, PhotoInvalid, reencode
from sync_agent.store import Store

NEW_PREFIX = "NEW-"
NOT_LOCAL = "Keluarga ini tidak ada di salinan lokal; lakukan Sinkronisasi (pull) dulu."
NEW_OUTSIDE = "Usulan baru harus berada di desa tempat Anda mendapat tugas."
NEW_NOT_FOUND = "Usulan baru harus berhasil ditemukan (found)."

_schema = SurveySchema()


class SurveyInvalid(ValueError):
    """The visit does not pass the contract's checks; `errors` is keyed by field path."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("survey not valid")
        self.errors = errors

    def one_line(self) -> str:
        return "; ".join(f"{path}: {' '.join(msgs)}" for path, msgs in sorted(self.errors.items()))


def local_now() -> str:
    """Now, with the laptop's UTC offset (WIB +07:00, WITA +08:00, WIT +09:00)."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


def new_household_id() -> str:
    return NEW_PREFIX + str(uuid.uuid4())


def _observed_copy(observed: dict[str, Any], household_id: str) -> dict[str, Any]:
    """The household as seen; `version`/`verification` of a copied pulled record dropped."""
    seen = {k: v for k, v in copy.deepcopy(observed).items() if k not in ("version", "verification")}
    seen.setdefault("household_id", household_id)
    return seen


def record_survey(
    store: Store,
    *,
    household_id: str | None,
    outcome: str,
    observed: dict[str, Any] | None = None,
    notes: str | None = None,
    gps: dict[str, Any] | None = None,
    new: bool = False,
    started_at: str | None = None,
    base_version: int | None = None,
    replaces: str | None = None,
    photos: list[tuple[str, bytes]] | None = None,
    photo_long_edge: int = LONG_EDGE,
) -> dict[str, Any]:
    """Validate and store one visit; returns the survey as stored.

    `photos` are (kind, file bytes) as taken: each is re-encoded (`photo_encode`), kept
    durably under its hash (`photo_files`) and named in the survey by that hash.

    `base_version` overrides the local copy's version: a corrected resend keeps the
    version the enumerator was shown at the door. `replaces` names a rejected survey
    the new one corrects; it is marked `replaced` in the same transaction.
    """
    local: dict[str, Any] | None = None
    if new:
        if outcome != "found":
            raise SurveyInvalid({"outcome": [NEW_NOT_FOUND]})
        if observed is None:
            raise SurveyInvalid({"observed": ["Wajib diisi untuk usulan baru."]})
        given = observed.get("household_id")
        household_id = given if isinstance(given, str) and given.startswith(NEW_PREFIX) else (
            household_id if household_id and household_id.startswith(NEW_PREFIX)
            else new_household_id()
        )
        observed = {**observed, "household_id": household_id}
        base_version = None
    else:
        if not household_id:
            raise SurveyInvalid({"household_id": ["Wajib diisi."]})
        local = store.household(household_id)
        if local is None and base_version is None:
            raise SurveyInvalid({"household_id": [NOT_LOCAL]})
        if base_version is None:
            assert local is not None
            base_version = local["version"]
        if outcome == "found" and observed is None and local is not None:
            observed = local  # everything confirmed as the registry holds it
    if observed is not None and outcome == "found":
        observed = _observed_copy(observed, household_id or "")
    elif outcome != "found":
        observed = None
    completed_at = local_now()
    draft: dict[str, Any] = {
        "survey_id": str(uuid.uuid4()),
        "household_id": household_id,
        "base_version": base_version,
        "parent_survey_id": None,
        "device_seq": 1,  # the real number is taken inside the write transaction
        "started_at": started_at or completed_at,
        "completed_at": completed_at,
        "outcome": outcome,
        "observed": observed,
        "gps": gps,
        "notes": notes or None,
    }
    encoded = _encode_photos(photos or [], photo_long_edge, completed_at)
    if encoded:
        draft["photos"] = [entry for entry, _ in encoded]
    try:
        survey = _schema.load(draft)
    except ValidationError as exc:
        raise SurveyInvalid(flatten_errors(exc.messages)) from exc
    if new:
        region = survey["observed"]["region_code"]
        if region not in store.assigned_villages():
            raise SurveyInvalid({"observed.region_code": [NEW_OUTSIDE]})
    for _, data in encoded:  # on disk before the visit that names them is committed
        photo_files.write(store.path.parent, store.key, data)
    with store.write():
        survey["device_seq"] = store.next_device_seq()
        survey["parent_survey_id"] = store.unsent_survey_of(survey["household_id"])
        if local is not None and base_version is not None and base_version == local["version"]:
            store.save_base(survey["household_id"], base_version, local)
        store.add_survey(survey)
        photo_outbox.add(store, survey)
        if replaces:
            store.mark_replaced(replaces, survey["survey_id"])
    return survey


def _encode_photos(photos: list[tuple[str, bytes]], long_edge: int,
                   taken_at: str) -> list[tuple[dict[str, Any], bytes]]:
    """(the survey's `photos[]` entry, the bytes to keep) for each photo, re-encoded."""
    encoded = []
    errors: dict[str, list[str]] = {}
    for index, (kind, raw) in enumerate(photos):
        try:
            data = reencode(raw, long_edge=long_edge)
        except PhotoInvalid as exc:
            errors[f"photos.{index}"] = [f"Foto tidak dapat dipakai: {exc}."]
            continue
        encoded.append(({"photo_id": photo_files.photo_id_of(data), "kind": kind,
                         "taken_at": taken_at, "bytes": len(data),
                         "content_type": "image/jpeg"}, data))
    if errors:
        raise SurveyInvalid(errors)
    return encoded
