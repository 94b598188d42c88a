"""USB bundles on the laptop: `export-bundle FILE` and `import-ack FILE`.

For a village with no link for weeks: the pending surveys go into one signed file
that someone carries to the district office, where `verivali-server import-bundle`
ingests it with push semantics. The surveys stay pending here until an
acknowledgement file (or a later push) says what arrived, so a lost USB stick costs
nothing, and a survey both carried and pushed is counted once by the server.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from schemas.bundle import BundleError, bundle_key, open_envelope, seal, token_hash, verify
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
        bundle_id = payload.get("bundle_id")
        if isinstance(bundle_id, str):
            store.conn.execute(
                "UPDATE bundles SET acked_at = ? WHERE bundle_id = ?", [now_iso(), bundle_id]
            )
    return report
