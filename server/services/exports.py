"""Exports of a region: taking one is audited first, then its rows are streamed.

The rows come from generators that open their read transaction when the first row is
asked for and close it after the last, so the connection is held only while rows
flow and a regency's registry is never held whole in memory.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Generator, Iterator
from typing import Any

from sqlalchemy import Engine

from server.store import audit
from server.store.blobs import BlobStore
from server.store.db import reading, transaction
from server.store.pages import exports as queries


def record(engine: Engine, user: dict[str, Any], action: str, detail: dict[str, Any]) -> None:
    """Who took which region's data, when: written before the first byte leaves."""
    with transaction(engine) as conn:
        audit.record(conn, user["name"], action, "region", detail["region"], detail)


def corrections(engine: Engine, region: str, start: str, end: str) -> Generator[dict[str, Any], None, None]:
    """Each place an accepted decision changed in the region within [start, end)."""
    with reading(engine) as conn:
        yield from queries.corrections(conn, region, start, end)


def registry(engine: Engine, region: str) -> Generator[str, None, None]:
    """The region's current registry, one JSON line per household."""
    with reading(engine) as conn:
        yield from queries.registry(conn, region)


def photo_list(engine: Engine, region: str) -> Generator[str, None, None]:
    """One JSON line per survey of the region naming photos: its ids, kinds, arrival."""
    with reading(engine) as conn:
        for survey in queries.survey_photos_of(conn, region):
            yield json.dumps(survey, ensure_ascii=False, separators=(",", ":")) + "\n"


class _Chunks:
    """A write-only file for `zipfile`: what was written is taken out in pieces."""

    def __init__(self) -> None:
        self.pieces: list[bytes] = []
        self.offset = 0

    def write(self, data: bytes) -> int:
        self.pieces.append(bytes(data))
        self.offset += len(data)
        return len(data)

    def tell(self) -> int:
        return self.offset

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        out = b"".join(self.pieces)
        self.pieces = []
        return out


def photos_zip(engine: Engine, blobs: BlobStore, region: str) -> Iterator[bytes]:
    """A zip of the region's received photos, `<household>/<survey>-<n>-<kind>.jpg`, with
    the photo list as `foto.jsonl`; streamed a photo at a time (JPEG is not compressed)."""
    with reading(engine) as conn:
        surveys = list(queries.survey_photos_of(conn, region))
    sink = _Chunks()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as archive:  # type: ignore[call-overload]
        archive.writestr("foto.jsonl", "".join(
            json.dumps(s, ensure_ascii=False, separators=(",", ":")) + "\n" for s in surveys))
        yield sink.take()
        for survey in surveys:
            for index, photo in enumerate(survey["photos"], start=1):
                if not photo["received"] or not blobs.has(photo["photo_id"]):
                    continue
                name = f"{survey['household_id']}/{survey['survey_id']}-{index}-{photo['kind']}.jpg"
                with archive.open(name, "w", force_zip64=True) as entry:
                    for piece in blobs.read_chunks(photo["photo_id"]):
                        entry.write(piece)
                        yield sink.take()
        # closing the archive writes its directory
    yield sink.take()
