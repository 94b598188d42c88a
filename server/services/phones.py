"""The phones' use cases (OpenRosa, docs/protocol.md §6): the form, its media, a submission.

A submission becomes a Survey (`server.forms.submission`) and goes through the very
ingest of `POST /sync/push`, in one transaction with the row that remembers its XML and
attachments: a resend of the same XML is answered as the first time, nothing stored
twice; other XML under a used instanceID is a conflict.

Its photos are the survey's `photos` (§5), as a laptop's are: each attachment passes the
laptop upload's image check before anything is written, and its bytes go to the blob
store before the transaction ends (a blob no row names is never shown). A photo the form
names but this POST did not bring (Collect splits a large submission over several POSTs)
has an awaited row in `survey_photos`, so it counts as pending until a later POST of the
same submission brings it.
"""

from __future__ import annotations

import hashlib
import io
import threading
import weakref
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.support import Translations
from sqlalchemy import Connection, Engine

from server.forms import entity_list, settings_qr
from server.forms.submission import NotTheForm, Submission, read_submission
from server.forms.xform import FORM_ID, PHOTO_KINDS, BuiltForm, build_form
from server.services.grouped import GroupCommit
from server.services.images import BadImage, check_jpeg, is_png, png_as_jpeg
from server.services.ingest.batch import ingest_sent
from server.services.ingest.core import ID_REUSED, NEW_OUTSIDE, NOT_ASSIGNED
from server.store import phones as phone_store
from server.store import photos as photo_store
from server.store import surveys as survey_store
from server.store.blobs import BlobStore
from server.store.db import reading
from server.timeutil import now_iso

__all__ = ["FORM_ID", "MAX_SUBMISSION_BYTES", "Refused", "collect_qr_svg", "current_form",
           "integrity",
           "md5_of", "media_files", "receive_submission"]

MAX_SUBMISSION_BYTES = 10 * 1024 * 1024
PHOTO_TYPES = ("image/jpeg", "image/png")
_CATALOGUE = Path(__file__).resolve().parent.parent / "translations"

ID_TAKEN = "instanceID ini sudah dipakai untuk isi kunjungan yang lain."
STORED = "Kunjungan diterima dan sedang dicocokkan dengan DTSEN."
STORED_OLD_FORM = ("Kunjungan diterima, tetapi formulir di ponsel sudah lama: "
                   "perbarui formulir (Unduh Formulir) sebelum kunjungan berikutnya.")


class Refused(Exception):
    """A submission not taken: the HTTP status and the message the enumerator reads."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Receipt:
    message: str
    survey_state: str | None


@dataclass(frozen=True)
class MediaFile:
    name: str
    text: str
    md5: str
    entity_list: bool


@lru_cache(maxsize=1)
def current_form() -> BuiltForm:
    """The form of this server's schemas, built once per process."""
    english = Translations.load(str(_CATALOGUE), ["en"])
    return build_form(english.gettext)


# (user_id, fingerprint) -> the user's media files: unchanged rows, no rebuild.
_media_cache: dict[tuple[int, str], tuple[MediaFile, MediaFile]] = {}


def md5_of(text: str) -> str:
    """The hash Collect compares to tell whether a file changed."""
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


_md5 = md5_of


def media_files(engine: Engine, user_id: int) -> tuple[MediaFile, MediaFile]:
    """`households.csv` (the entity list) and `members.csv` of the user's open and
    revisit assignments; rebuilt only when one of their rows changed."""
    with reading(engine) as conn:
        rows = phone_store.listed_fingerprints(conn, user_id)
        fingerprint = _md5(repr(rows))
        cached = _media_cache.get((user_id, fingerprint))
        if cached is not None:
            return cached
        households = phone_store.listed_households(conn, user_id)
    listed = entity_list.households_csv(households)
    members = entity_list.members_csv(households)
    files = (MediaFile("households.csv", listed, _md5(listed), entity_list=True),
             MediaFile("members.csv", members, _md5(members), entity_list=False))
    if len(_media_cache) > 1000:
        _media_cache.clear()
    _media_cache[(user_id, fingerprint)] = files
    return files


def integrity(engine: Engine, user_id: int, entity_ids: list[str]) -> list[tuple[str, bool]]:
    """For each entity the phone asks about: whether it left the user's list."""
    with reading(engine) as conn:
        listed = {row[0] for row in phone_store.listed_fingerprints(conn, user_id)}
    return [(entity_id, entity_id not in listed) for entity_id in entity_ids]


def collect_qr_svg(server_root: str, token: str, user_name: str) -> str:
    """The QR code that points an enumerator's Collect at their own key URL."""
    url = f"{server_root.rstrip('/')}/key/{token}"
    return settings_qr.qr_svg(settings_qr.encode(settings_qr.collect_settings(url, user_name)))


def _device_id(user: dict[str, Any], submission: Submission) -> str:
    return (submission.device_id or f"openrosa:{user['user_id']}")[:64]


def _parent(conn: Connection, user: dict[str, Any], sub: Submission) -> str | None:
    """The survey this one replaces: an edited form's old instance, or the phone's earlier
    visit of the same household before a sync (the entity branch)."""
    if sub.deprecated_id:
        return sub.deprecated_id
    if sub.branch_id and sub.trunk_version and sub.base_version and \
            sub.base_version > sub.trunk_version:
        return phone_store.branch_parent(conn, user["user_id"], sub.branch_id,
                                         sub.base_version)
    return None


def _refusal(errors: dict[str, list[str]]) -> Refused:
    if errors.get("survey_id") == [ID_REUSED]:
        return Refused(409, ID_TAKEN)
    flat = [message for messages in errors.values() for message in messages]
    if NOT_ASSIGNED in flat or NEW_OUTSIDE in flat:
        return Refused(403, NOT_ASSIGNED if NOT_ASSIGNED in flat else NEW_OUTSIDE)
    where = "; ".join(f"{path}: {' '.join(messages)}" for path, messages in errors.items())
    return Refused(400, f"Isian tidak sah ({where}).")


@dataclass(frozen=True)
class _Photo:
    """An attachment of this POST, checked: the JPEG bytes the server keeps."""

    kind: str
    data: bytes
    sha256: str


def _checked_photos(sub: Submission, files: list[tuple[str, str, bytes]]) -> list[_Photo]:
    """The POST's attachments as the photos kept, each through the laptop upload's image
    check (a PNG kept as JPEG); `Refused` before anything is written otherwise."""
    for file_name, content_type, _ in files:
        if sub.photos.get(file_name) not in PHOTO_KINDS:
            raise Refused(400, f"Lampiran {file_name!r} tidak disebut formulir.")
        if content_type not in PHOTO_TYPES:
            raise Refused(415, f"Lampiran {file_name!r} harus foto JPEG atau PNG.")
    photos: dict[str, _Photo] = {}
    for file_name, _, data in files:
        kind = sub.photos[file_name]
        try:
            if is_png(data):
                data = png_as_jpeg(data)
            else:
                check_jpeg(io.BytesIO(data))
        except BadImage as bad:
            raise Refused(400, f"Lampiran {file_name!r} ditolak: {bad}.") from None
        photos[kind] = _Photo(kind, data, hashlib.sha256(data).hexdigest())
    if len({p.sha256 for p in photos.values()}) < len(photos):
        raise Refused(400, "Foto yang sama dilampirkan untuk dua isian.")
    return [photos[kind] for kind in PHOTO_KINDS if kind in photos]


def _photo_entry(photo: dict[str, Any]) -> dict[str, Any]:
    """A photo as a survey names it (§5), from its row."""
    return {"photo_id": photo["photo_id"], "kind": photo["kind"],
            "taken_at": photo["taken_at"], "bytes": photo["bytes"],
            "content_type": "image/jpeg"}


def _keep(blobs: BlobStore, photos: list[_Photo]) -> None:
    for photo in photos:
        blobs.put(photo.data, expected_sha256=photo.sha256)


def _arrivals(conn: Connection, blobs: BlobStore, survey_id: str,
              photos: list[_Photo]) -> None:
    """A later POST of a known submission: the photos it awaited now kept and named by
    its survey; one already here is not kept twice."""
    rows = photo_store.rows_of_survey(conn, survey_id)
    awaited = {r["kind"] for r in rows if r["received_at"] is None
               and r["photo_id"] == photo_store.awaited_id(survey_id, r["kind"])}
    coming = [p for p in photos if p.kind in awaited]
    if not coming:
        return
    _keep(blobs, coming)
    at = now_iso()
    for photo in coming:
        photo_store.arrive(conn, survey_id, photo.kind, photo.sha256, len(photo.data), at)
        photo_store.mark_received(conn, photo.sha256, at)
    kept = [r for r in photo_store.rows_of_survey(conn, survey_id) if r["received_at"]]
    survey_store.set_photos(conn, survey_id, [_photo_entry(r) for r in kept])


@dataclass(frozen=True)
class _Job:
    """One POST, read and checked, waiting for its group's transaction."""

    blobs: BlobStore
    user: dict[str, Any]
    sub: Submission
    xml_sha: str
    photos: list[_Photo]

    @property
    def device_id(self) -> str:
        return _device_id(self.user, self.sub)


def receive_submission(engine: Engine, blobs: BlobStore, user: dict[str, Any], xml: bytes,
                       files: list[tuple[str, str, bytes]]) -> Receipt:
    """Store one POST of a submission (the XML and some or all of its attachments).

    Read and checked here, in the request's thread; stored in a group with the POSTs of
    other phones arriving at the same time (`server.services.grouped`), answered only
    once that group has committed.
    """
    try:
        sub = read_submission(xml)
    except NotTheForm as error:
        raise Refused(400, f"{error.field}: {error.reason}") from None
    job = _Job(blobs, user, sub, hashlib.sha256(xml).hexdigest(), _checked_photos(sub, files))
    return _group_of(engine).run(job)


_groups: weakref.WeakKeyDictionary[Engine, GroupCommit[_Job, Receipt]] = \
    weakref.WeakKeyDictionary()
_groups_made = threading.Lock()


def _group_of(engine: Engine) -> GroupCommit[_Job, Receipt]:
    with _groups_made:
        group = _groups.get(engine)
        if group is None:
            group = _groups[engine] = GroupCommit(engine, _store_group)
        return group


def _store_group(conn: Connection, jobs: list[_Job]) -> list[Receipt | Exception]:
    """A group's POSTs in one transaction, in rounds: one POST of a device and of an
    instance a round, so a phone's visits and a resend keep the order they came in."""
    rounds: list[list[int]] = []
    for index, job in enumerate(jobs):
        for taken in rounds:
            if all(jobs[i].device_id != job.device_id
                   and jobs[i].sub.instance_id != job.sub.instance_id for i in taken):
                taken.append(index)
                break
        else:
            rounds.append([index])
    outcomes: list[Receipt | Exception | None] = [None] * len(jobs)
    for taken in rounds:
        for index, outcome in zip(taken, _store_round(conn, [jobs[i] for i in taken]),
                                  strict=True):
            outcomes[index] = outcome
    return [o for o in outcomes if o is not None]


def _receipt(job: _Job, state: str | None) -> Receipt:
    old = job.sub.form_version != current_form().version
    return Receipt(STORED_OLD_FORM if old else STORED, state)


def _store_round(conn: Connection, jobs: list[_Job]) -> list[Receipt | Exception]:
    """POSTs of distinct devices and instances: the new ones through one ingest."""
    known = phone_store.submissions(conn, [j.sub.instance_id for j in jobs])
    seqs = phone_store.next_device_seqs(conn, [j.device_id for j in jobs
                                               if j.sub.instance_id not in known])
    outcomes: list[Receipt | Exception | None] = [None] * len(jobs)
    fresh: list[tuple[int, _Job, dict[str, Any]]] = []
    for index, job in enumerate(jobs):
        stored = known.get(job.sub.instance_id)
        if stored is None:
            fresh.append((index, job, _survey_of(conn, job, seqs[job.device_id])))
        elif stored["xml_sha256"] != job.xml_sha or stored["user_id"] != job.user["user_id"]:
            outcomes[index] = Refused(409, ID_TAKEN)
        else:
            _arrivals(conn, job.blobs, job.sub.instance_id, job.photos)
            outcomes[index] = _receipt(job, None)
    results = ingest_sent(conn, [(job.user, job.device_id, survey)
                                 for _, job, survey in fresh])
    rows, at = [], now_iso()
    for (index, job, survey), result in zip(fresh, results, strict=True):
        if result["status"] == "rejected":
            outcomes[index] = _refusal(result["errors"])
            continue
        _kept_photos(conn, job, survey, at)
        rows.append(_submission_row(job, survey, at))
        outcomes[index] = _receipt(job, str(result["state"]))
    phone_store.add_submissions(conn, rows)
    for row in rows:
        survey_store.touch_device(conn, row["device_id"], row["user_id"], at, pushed=True,
                                  pending=None, agent_version="openrosa")
    return [o for o in outcomes if o is not None]


def _survey_of(conn: Connection, job: _Job, seq: int) -> dict[str, Any]:
    """The Survey a new submission is stored as, naming the photos this POST brought."""
    sub = job.sub
    survey = {**sub.survey, "device_seq": seq, "parent_survey_id": _parent(conn, job.user, sub)}
    if sub.base_version and sub.trunk_version and sub.base_version > sub.trunk_version:
        survey["base_version"] = sub.trunk_version
    if job.photos:
        survey["photos"] = [_photo_entry({
            "photo_id": p.sha256, "kind": p.kind, "taken_at": survey["completed_at"],
            "bytes": len(p.data)}) for p in job.photos]
    return survey


def _kept_photos(conn: Connection, job: _Job, survey: dict[str, Any], at: str) -> None:
    """The bytes of the photos a stored survey names, kept inside its transaction (rolled
    back, no row names them); a row awaits each photo the form names that is not here."""
    _keep(job.blobs, job.photos)
    for photo in job.photos:
        photo_store.mark_received(conn, photo.sha256, at)
    brought = {p.kind for p in job.photos}
    named = set(job.sub.photos.values())
    photo_store.add_awaited(conn, survey, [k for k in PHOTO_KINDS if k in named
                                           and k not in brought], len(job.photos))


def _submission_row(job: _Job, survey: dict[str, Any], at: str) -> dict[str, Any]:
    sub = job.sub
    return {"instance_id": sub.instance_id, "user_id": job.user["user_id"],
            "device_id": job.device_id, "device_seq": survey["device_seq"],
            "xml_sha256": job.xml_sha, "form_version": sub.form_version[:32],
            "branch_id": (sub.branch_id or None) and sub.branch_id[:64],
            "entity_version": sub.base_version, "received_at": at}
