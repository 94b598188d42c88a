"""Reading a stored survey and its photos, for a caller allowed to see them (§5).

Who may see a survey: the enumerator who sent it, and supervisors and admins whose
regions hold its household (a new-household proposal by the village it names). A photo
is seen by whoever may see a survey naming it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Engine

from server.errors import Forbidden, NotFound
from server.services.access import may_see_region
from server.services.images import BadImage, thumbnail
from server.store import households as household_store
from server.store import jsoncol
from server.store import photos as photo_store
from server.store import surveys as survey_store
from server.store.blobs import BlobStore, is_blob_name
from server.store.db import reading
from server.store.thumbnails import ThumbnailStore

PHOTO_NOT_HERE = "Foto belum diterima."
PHOTO_UNREADABLE = "Foto ini rusak dan tidak bisa ditampilkan."


def may_see_survey(user: dict[str, Any], enumerator_id: int, region: str | None) -> bool:
    if user["role"] == "enumerator":
        return bool(enumerator_id == user["user_id"])
    return region is not None and may_see_region(user, region)


def survey_region(conn: Connection, survey: dict[str, Any]) -> str | None:
    """The village of the survey's household; a proposal's from what it observed."""
    region = household_store.region_of(conn, survey["household_id"])
    if region is None and survey.get("observed"):
        region = survey["observed"].get("region_code")
    return region


def survey_for(engine: Engine, user: dict[str, Any], survey_id: str) -> dict[str, Any]:
    """The survey as stored, `photos[].received` saying which bytes have arrived."""
    with reading(engine) as conn:
        row = survey_store.get(conn, survey_id)
        if row is None:
            raise NotFound("Kunjungan tidak ditemukan.")
        body = row["body"]
        if not may_see_survey(user, row["enumerator_id"], survey_region(conn, body)):
            raise Forbidden()
        if body.get("photos"):
            received = photo_store.of_survey(conn, survey_id)
            body["photos"] = [{**p, "received": received.get(p["photo_id"], False)}
                              for p in body["photos"]]
        return body


def may_see_photo(conn: Connection, user: dict[str, Any], photo_id: str) -> list[dict[str, Any]]:
    """The surveys naming `photo_id`; 404 when none does, 403 when the caller sees none."""
    namers = photo_store.namers(conn, photo_id) if is_blob_name(photo_id) else []
    if not namers:
        raise NotFound("Foto tidak ditemukan.")
    for namer in namers:
        region = namer["region_code"]
        if region is None:
            region = (jsoncol.loads(namer["body"]).get("observed") or {}).get("region_code")
        if may_see_survey(user, namer["enumerator_id"], region):
            return namers
    raise Forbidden()


def photo_bytes(engine: Engine, blobs: BlobStore, user: dict[str, Any],
                photo_id: str) -> tuple[int, Iterator[bytes]]:
    """(size, chunks) of a photo the caller may see; 404 while its bytes have not arrived."""
    size = _kept_size(engine, blobs, user, photo_id)
    return size, blobs.read_chunks(photo_id)


def thumbnail_bytes(engine: Engine, blobs: BlobStore, user: dict[str, Any],
                    photo_id: str) -> bytes:
    """A small JPEG of a photo the caller may see: made on first asking, then kept."""
    _kept_size(engine, blobs, user, photo_id)
    thumbs = ThumbnailStore.beside(blobs)
    small = thumbs.get(photo_id)
    if small is None:
        try:
            with blobs.get(photo_id) as whole:
                small = thumbnail(whole)
        except BadImage:  # its structure was whole, its scan data are not
            raise NotFound(PHOTO_UNREADABLE) from None
        thumbs.put(photo_id, small)
    return small


def _kept_size(engine: Engine, blobs: BlobStore, user: dict[str, Any], photo_id: str) -> int:
    with reading(engine) as conn:
        namers = may_see_photo(conn, user, photo_id)
    size = blobs.size(photo_id)
    if size is None or not any(n["received_at"] for n in namers):
        raise NotFound(PHOTO_NOT_HERE)
    return size
