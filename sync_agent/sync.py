"""Push and pull: the only module that knows both the local store and the HTTP client.

The rules that keep a survey from being lost or doubled:
- A batch is marked `sent` before it goes out and moves on only by the server's
  per-item answer. A batch cut off mid-way stays `sent` and is resent whole next
  time; the server's idempotency (same `survey_id`, same content → `duplicate`)
  does the rest.
- A rejected survey keeps the server's errors and is never sent again by itself:
  it never blocks the surveys behind it.
- A pulled page and the cursor after it are stored in one transaction, so a crash
  repeats a page (harmless upserts) and never skips one.
- `cursor_expired`: pull from scratch, then forget what the server no longer sends.
  The outbox and the base snapshots are never touched by a pull. The server may have
  been restored from an older backup, which lost what it acknowledged after that
  backup: every acknowledged survey is sent once more (`resend_acknowledged`), and the
  server answers `duplicate` for those it still holds. The resend position is stored,
  so a resend cut off by the network carries on at the next push.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

from sync_agent.client import Client, CursorExpired, ServerError, SyncError
from sync_agent.errors import Offline
from sync_agent.store import Store, now_iso

DEFAULT_BATCH = 50
DEFAULT_PAGE = 500
RESEND_AFTER = "resend_after_seq"  # set while acknowledged surveys are being sent again


@dataclass
class Report:
    """What one sync did, for the CLI, the daemon and the sync log."""

    pushed: int = 0
    acknowledged: int = 0
    rejected: int = 0
    batches: int = 0
    pages: int = 0
    households: int = 0
    other_changes: int = 0
    full_pull: bool = False
    restarted: bool = False
    resent: int = 0
    notes: list[str] = field(default_factory=list)

    did_push: bool = False
    did_pull: bool = False

    def summary(self) -> str:
        parts = []
        if self.did_push:
            parts.append(
                f"pushed {self.pushed} (acknowledged {self.acknowledged}, rejected {self.rejected})"
            )
        if self.did_pull:
            parts.append(
                f"pulled {self.households} household(s) and {self.other_changes} other change(s)"
            )
        if self.restarted:
            parts.append("pulled again from scratch (server did not know our position)")
        if self.resent:
            parts.append(f"sent {self.resent} acknowledged survey(s) again")
        return "; ".join(parts) or "nothing to do"


def push(store: Store, client: Client, batch_size: int = DEFAULT_BATCH, report: Report | None = None) -> Report:
    """Send every unsent survey, oldest first, `batch_size` at a time."""
    report = report or Report()
    report.did_push = True
    resend_acknowledged(store, client, batch_size, report)  # older than anything pending
    after_seq = 0
    while True:
        batch = store.next_batch(batch_size, after_seq)
        if not batch:
            if not report.batches and not report.resent:
                _check_reachable(client)
            return report
        survey_ids = [row.survey_id for row in batch]
        with store.write():
            store.mark_sent(survey_ids)
        surveys = [json.loads(row.body) for row in batch]
        results = client.push(surveys, pending=store.pending_count())
        with store.write():
            for result in results:
                state = store.apply_result(result, via="push")
                report.acknowledged += state == "acknowledged"
                report.rejected += state == "rejected"
            store.put("last_push_at", now_iso())
        report.pushed += len(batch)
        report.batches += 1
        after_seq = batch[-1].device_seq


def _check_reachable(client: Client) -> None:
    """Nothing to send is a success only when the server is there to say so: otherwise
    the sync log would record a last success the laptop never had."""
    if not client.health():
        raise Offline("offline: the server cannot be reached (nothing was waiting to be sent)")


def pull(store: Store, client: Client, page_size: int = DEFAULT_PAGE, report: Report | None = None) -> Report:
    """Pull pages until `has_more` is false; on `cursor_expired` start again from scratch."""
    report = report or Report()
    report.did_pull = True
    try:
        _pull_pages(store, client, page_size, report)
    except CursorExpired:
        with store.write():
            store.put("pull_cursor", None)
            store.put("full_pull_active", None)
            store.put(RESEND_AFTER, "0")
        report.restarted = True
        _pull_pages(store, client, page_size, report)
        resend_acknowledged(store, client, report=report)
    return report


def resend_acknowledged(
    store: Store, client: Client, batch_size: int = DEFAULT_BATCH, report: Report | None = None
) -> Report:
    """After `cursor_expired`: send every acknowledged survey again, oldest first.

    Their outbox state stays `acknowledged` (the answer is `duplicate`, or `accepted`
    where a restore had lost them). A survey the restored server now refuses is noted in
    the sync log and kept on the laptop, never dropped.
    """
    report = report or Report()
    mark = store.get(RESEND_AFTER)
    if mark is None:
        return report
    after_seq = int(mark)
    waiting = [row for row in store.surveys(("acknowledged",)) if row["device_seq"] > after_seq]
    for start in range(0, len(waiting), batch_size):
        batch = waiting[start:start + batch_size]
        results = client.push([row["body"] for row in batch], pending=store.pending_count())
        refused = sum(result.get("status") == "rejected" for result in results)
        if refused:
            report.notes.append(f"{refused} acknowledged survey(s) refused when sent again")
        report.resent += len(batch)
        with store.write():
            store.put(RESEND_AFTER, str(batch[-1]["device_seq"]))
    with store.write():
        store.put(RESEND_AFTER, None)
    return report


def _pull_pages(store: Store, client: Client, page_size: int, report: Report) -> None:
    cursor = store.get("pull_cursor")
    if cursor is None:
        with store.write():
            if store.get("full_pull_active") is None:
                store.put("pull_generation", str(int(store.get("pull_generation", "0") or 0) + 1))
                store.put("full_pull_active", "1")
        report.full_pull = True
    generation = int(store.get("pull_generation", "1") or 1)
    while True:
        page = client.pull(cursor, page_size, pending=store.pending_count())
        with store.write():
            households, others = store.apply_pull_page(page["changes"], generation)
            store.put("pull_cursor", page["cursor"])
            if not page["has_more"] and store.get("full_pull_active"):
                store.prune_older_generations(generation)
                store.put("full_pull_active", None)
            store.put("last_pull_at", now_iso())
        report.pages += 1
        report.households += households
        report.other_changes += others
        if not page["has_more"]:
            return
        if page["cursor"] == cursor:
            raise ServerError("server error: the pull cursor did not move; try again later")
        cursor = page["cursor"]


def run(
    store: Store,
    client: Client,
    action: str,
    *,
    batch_size: int = DEFAULT_BATCH,
    page_size: int = DEFAULT_PAGE,
) -> Report:
    """`push`, `pull` or `sync` (push then pull), written to the sync log either way.

    The caller holds the sync lock. A SyncError propagates after it is logged.
    """
    log_id = store.log_start(action, os.getpid())
    report = Report()
    try:
        if action in ("push", "sync"):
            push(store, client, batch_size, report)
        if action in ("pull", "sync"):
            pull(store, client, page_size, report)
    except SyncError as exc:
        store.log_finish(log_id, False, str(exc), report.pushed, report.households)
        raise
    except BaseException:
        store.log_finish(log_id, False, "stopped by an unexpected error", report.pushed,
                         report.households)
        raise
    store.log_finish(log_id, True, report.summary(), report.pushed, report.households)
    return report
