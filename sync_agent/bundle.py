"""USB bundles on the laptop: `export-bundle FILE` and `import-ack FILE`.

For a village with no link for weeks: the pending surveys go into one signed file
that someone carries to the district office, where `verivali-server import-bundle`
ingests it with push semantics. The surveys stay pending here until an
acknowledgement file (or a later push) says what arrived, so a lost USB stick costs
nothing, and a survey both carried and pushed is counted once by the server.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from pathlib import Path

from schemas.bundle import BundleError, bundle_key, open_envelope, seal, token_hash, verify
from sync_agent import photo_files, photo_outbox
from sync_agent.client import agent_version
from sync_agent.home import read_token
from sync_agent.platform import write_file_durably
from sync_agent.store import Store, now_iso

__all__ = ["BundleError", "export_bundle", "import_ack"]


@dataclass
class AckReport:
    acknowledged: int = 0
    rejected: int = 0
    unchanged: int = 0  # already answered, or not from this laptop's outbox
    photos_received: int = 0
    photos_refused: int = 0


def _key(home: Path, store: Store) -> bytes:
    return bundle_key(token_hash(read_token(home, store.key)))


def export_bundle(home: Path, store: Store, path: Path) -> tuple[str, int]:
    """Write every unsent survey to `path`; returns (bundle_id, number of surveys)."""
    surveys = [row["body"] for row in store.surveys(("pending", "sent"))]
    bundle_id = str(uuid.uuid4())
    payload = {
        "bundle_id": bundle_id,
        "device_id": store.get("device_id"),
        "user": store.get("user_name"),
        "created_at": now_iso(),
        "agent_version": agent_version(),
        "surveys": surveys,
        "photos": _photos(home, store),
    }
    write_file_durably(path, seal("surveys", payload, _key(home, store)))
    with store.write():
        store.db.table("bundles").insert(
            {"bundle_id": bundle_id, "created_at": payload["created_at"], "file": str(path),
             "surveys": len(surveys)}
        )
    return bundle_id, len(surveys)


def import_ack(home: Path, store: Store, path: Path) -> AckReport:
    """Apply the server's acknowledgement of a bundle exactly like a push answer."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BundleError(f"cannot read {path}: {exc.strerror or exc}") from exc
    payload = verify(open_envelope(data, "ack"), _key(home, store))
    if payload.get("device_id") != store.get("device_id"):
        raise BundleError("this acknowledgement is for another laptop (device id differs)")
    results = payload.get("results")
    if not isinstance(results, list):
        raise BundleError("the acknowledgement lists no results")
    report = AckReport()
    with store.write():
        for result in results:
            if not isinstance(result, dict):
                continue
            state = store.apply_result(result, via="bundle")
            if state == "acknowledged":
                report.acknowledged += 1
            elif state == "rejected":
                report.rejected += 1
            else:
                report.unchanged += 1
        received, refused = _photo_answers(store, payload.get("photos"))
        report.photos_received, report.photos_refused = len(received), len(refused)
        bundle_id = payload.get("bundle_id")
        if isinstance(bundle_id, str):
            store.conn.execute(
                "UPDATE bundles SET acked_at = ? WHERE bundle_id = ?", [now_iso(), bundle_id]
            )
    for photo_id in received:  # after the commit: the server has it, the copy may go
        if not photo_outbox.still_needed(store, photo_id):
            photo_files.delete(home, photo_id)
    return report


def _photos(home: Path, store: Store) -> dict[str, str]:
    """photo_id -> base64 of its bytes, for every photo still to be sent."""
    carried = {}
    for photo_id in photo_outbox.waiting_ids(store):
        try:
            carried[photo_id] = base64.b64encode(photo_files.read(home, store.key, photo_id)).decode()
        except (FileNotFoundError, photo_files.PhotoDamaged):
            continue  # `sync` marks it refused with the reason
    return carried


def _photo_answers(store: Store, answer: object) -> tuple[list[str], dict[str, str]]:
    """Apply the ack's photo answers (inside the caller's transaction)."""
    if not isinstance(answer, dict):
        return [], {}
    received = [p for p in answer.get("received") or [] if isinstance(p, str)]
    refused = {k: str(v) for k, v in (answer.get("refused") or {}).items() if isinstance(k, str)}
    for photo_id in received:
        photo_outbox.mark_uploaded(store, photo_id)
    for photo_id, reason in refused.items():
        photo_outbox.mark_refused(store, photo_id, f"photo refused: {reason}")
    return received, refused
