"""USB bundles from field laptops: `verivali-server import-bundle FILE [--ack FILE]`.

A laptop with no link for weeks exports its pending surveys to one signed file
(`verivali-agent export-bundle`); someone carries it to the office. Importing it has
exactly the push semantics — each survey goes through `ingest.single.ingest_survey`, so a
survey that also arrives over the network later is a `duplicate`, never a double.
The bundle is refused whole when its checksum or signature fails or its signer is
not an active enumerator. The acknowledgement file, signed with the same key, tells
the laptop what arrived (`verivali-agent import-ack`). See `schemas.bundle` for the
format and why the key is derived from the stored token hash.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from schemas import MAX_PUSH_BATCH
from schemas.bundle import BundleError, bundle_key, key_id, open_envelope, seal, verify
from server.services.bundle_photos import take_photos
from server.services.ingest.single import ingest_survey
from server.store import surveys as survey_store
from server.store import users as user_store
from server.store.blobs import BlobStore
from server.store.db import reading, transaction
from server.timeutil import now_iso

__all__ = ["BundleError", "Imported", "import_bundle"]


@dataclass
class Imported:
    user: str
    device_id: str
    bundle_id: str
    results: list[dict[str, Any]]
    ack: bytes  # the signed acknowledgement file
    photos: dict[str, Any] = field(default_factory=dict)  # {"received": [...], "refused": {...}}

    def counts(self) -> dict[str, int]:
        out = {"accepted": 0, "duplicate": 0, "rejected": 0}
        for result in self.results:
            out[result["status"]] = out.get(result["status"], 0) + 1
        return out


def _signer(engine: Engine, envelope: dict[str, Any], named: str | None) -> tuple[dict[str, Any], bytes]:
    with reading(engine) as conn:
        candidates = [
            u for u in user_store.list_all(conn)
            if u["role"] == "enumerator" and u["active"] and u["token_hash"]
        ]
    for user in candidates:
        key = bundle_key(user["token_hash"])
        if key_id(key) == envelope["key_id"]:
            if named is not None and named != user["name"]:
                raise BundleError(f"the bundle names user {named!r} but was signed by another")
            return user, key
    raise BundleError(
        "no active enumerator's token signed this bundle (token revoked or rotated since?)"
    )


def _payload(data: bytes, engine: Engine) -> tuple[dict[str, Any], dict[str, Any], bytes]:
    envelope = open_envelope(data, "surveys")
    # Who signed it is only known after the signature checks out, so the named user
    # is read from the (not yet trusted) payload just to cross-check the signer.
    try:
        named = json.loads(envelope["payload"]).get("user")
    except (ValueError, AttributeError) as exc:
        raise BundleError("the bundle payload is not valid JSON") from exc
    user, key = _signer(engine, envelope, named if isinstance(named, str) else None)
    payload = verify(envelope, key)
    surveys = payload.get("surveys")
    device_id = payload.get("device_id")
    if not isinstance(surveys, list) or not isinstance(device_id, str) or not 1 <= len(device_id) <= 64:
        raise BundleError("the bundle payload lacks its surveys or device_id")
    return user, payload, key


def import_bundle(engine: Engine, data: bytes, blob_root: Path | None = None) -> Imported:
    """Verify, then ingest every survey with push semantics, then keep the photos they
    name (into the blob store at `blob_root`); returns results and the ack."""
    user, payload, key = _payload(data, engine)
    device_id = payload["device_id"]
    surveys = payload["surveys"]
    results: list[dict[str, Any]] = []
    for start in range(0, max(len(surveys), 1), MAX_PUSH_BATCH):
        chunk = surveys[start : start + MAX_PUSH_BATCH]
        with transaction(engine) as conn:
            # The signer's current row (regions, role) as a push would see it.
            signer = user_store.by_id(conn, user["user_id"])
            assert signer is not None
            results.extend(ingest_survey(conn, signer, device_id, item) for item in chunk)
            agent = payload.get("agent_version")
            survey_store.touch_device(
                conn, device_id, user["user_id"], now_iso(), pushed=True, pending=None,
                agent_version=f"{agent} (bundle)"[:32] if isinstance(agent, str) else "bundle",
            )
    photos = payload.get("photos") or {}
    if not isinstance(photos, dict):
        raise BundleError("the bundle's photos are not a map of photo_id to bytes")
    kept: dict[str, Any] = {}
    if photos:
        if blob_root is None:
            raise BundleError("this bundle carries photos but no blob folder was given")
        kept = take_photos(engine, BlobStore(blob_root), user, photos)
    bundle_id = str(payload.get("bundle_id") or "")
    ack = seal(
        "ack",
        {"bundle_id": bundle_id, "device_id": device_id, "user": user["name"],
         "created_at": now_iso(), "results": results, "photos": kept},
        key,
    )
    return Imported(user["name"], device_id, bundle_id, results, ack, kept)
