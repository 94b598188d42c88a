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
from collections.abc import Callable
from dataclasses import dataclass, field

from sync_agent.client import Client, CursorExpired, DeviceLost, ServerError, SyncError
from sync_agent.errors import Offline
from sync_agent.photo_sync import upload_photos
from sync_agent.store import Store, now_iso
from sync_agent.unlock import RECOVERY_KEY

DEFAULT_BATCH = 50
DEFAULT_PAGE = 500  # the largest pull page asked for; pages start at FIRST_PAGE
FIRST_PAGE = 25
MIN_PAGE = 5
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
    assignments: int = 0
    findings: int = 0
    full_pull: bool = False
    restarted: bool = False
    resent: int = 0
    photos_uploaded: int = 0
    photos_refused: int = 0
    photo_bytes_sent: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    retries: int = 0
    notes: list[str] = field(default_factory=list)
    wiped: tuple[int, int] | None = None  # (surveys wiped, kept) once marked lost
    progress: Progress | None = field(default=None, repr=False)

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
                f"pulled {self.households} household(s), {self.assignments} assignment(s) "
                f"and {self.findings} finding(s)"
            )
        if self.restarted:
            parts.append("pulled again from scratch (server did not know our position)")
        if self.resent:
            parts.append(f"sent {self.resent} acknowledged survey(s) again")
        if self.wiped is not None:
            wiped, kept = self.wiped
            return (f"this laptop was marked lost: pending visits handed in ({self.pushed} "
                    f"sent), then local personal data wiped ({wiped} acknowledged visit(s) "
                    f"and the pulled households; {kept} visit(s) not acknowledged kept)")
        if self.photos_uploaded or self.photos_refused:
            parts.append(f"uploaded {self.photos_uploaded} photo(s) "
                         f"({self.photo_bytes_sent} bytes sent)"
                         + (f", {self.photos_refused} refused" if self.photos_refused else ""))
        if self.bytes_sent or self.bytes_received or self.retries:
            parts.append(f"{_kb(self.bytes_sent)} sent, {_kb(self.bytes_received)} received, "
                         f"{self.retries} retr{'y' if self.retries == 1 else 'ies'}")
        return "; ".join(parts) or "nothing to do"

    def tell(self, client: Client, what: str) -> None:
        """One progress line (bytes, items, retries) for the terminal, if anyone listens."""
        if self.progress is not None:
            self.progress(f"{what} · {_kb(client.bytes_sent)} sent, "
                          f"{_kb(client.bytes_received)} received, "
                          f"{client.retries_made} retries")


Progress = Callable[[str], None]


def _kb(count: int) -> str:
    return f"{count / 1024:.0f} KB" if count < 10 * 1024 * 1024 else f"{count / 2**20:.1f} MB"


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
        report.tell(client, f"push: {report.pushed} visit(s) sent")
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
    size, failures = min(FIRST_PAGE, page_size), 0
    while True:
        try:  # a cut page is asked again, smaller; pages grow again while they pass
            page = client.pull(cursor, size, pending=store.pending_count(), retries=0)
        except Offline:
            failures += 1
            if failures > client.retries:
                raise
            size = max(MIN_PAGE, size // 2)
            client.retries_made += 1
            report.tell(client, f"pull: page cut, asking {size} change(s)")
            client.pause(failures, None)
            continue
        failures, size = 0, min(page_size, size * 2)
        with store.write():
            households, assignments, findings = store.apply_pull_page(page["changes"],
                                                                      generation)
            store.put("pull_cursor", page["cursor"])
            if not page["has_more"] and store.get("full_pull_active"):
                store.prune_older_generations(generation)
                store.put("full_pull_active", None)
            store.put("last_pull_at", now_iso())
        report.pages += 1
        report.households += households
        report.assignments += assignments
        report.findings += findings
        report.tell(client, f"pull: {report.households} household(s), "
                            f"{report.assignments} assignment(s), {report.findings} finding(s)")
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
    progress: Progress | None = None,
) -> Report:
    """`push`, `pull` or `sync` (push then pull), written to the sync log either way.

    The caller holds the sync lock. A SyncError propagates after it is logged.
    `progress` receives a line after each batch, page and photo chunk.
    """
    log_id = store.log_start(action, os.getpid())
    report = Report(progress=progress)
    try:
        escrow_recovery_key(store, client, report)
        try:
            if action in ("push", "sync"):
                push(store, client, batch_size, report)
            if action in ("pull", "sync"):
                pull(store, client, page_size, report)
            if action in ("push", "sync") and not client.wipe_requested:
                upload_photos(store, client, report)  # after the surveys and the pull
        except DeviceLost:
            client.wipe_requested = True
        if client.wipe_requested:
            hand_in_and_wipe(store, client, batch_size, report)
    except SyncError as exc:
        _counted(report, client)
        store.log_finish(log_id, False, f"{exc} ({report.summary()})", report.pushed,
                         report.households)
        raise
    except BaseException:
        store.log_finish(log_id, False, "stopped by an unexpected error", report.pushed,
                         report.households)
        raise
    _counted(report, client)
    store.log_finish(log_id, True, report.summary(), report.pushed, report.households)
    return report


def escrow_recovery_key(store: Store, client: Client, report: Report) -> None:
    """Leave a new recovery key with the server (after `init` or a recovery), once.

    The key stays in the (encrypted) store until the server has it; a server that does
    not know the call, or a lost token, leaves it there and the sync goes on.
    """
    key = store.get(RECOVERY_KEY)
    if key is None:
        return
    try:
        client.escrow(key)
    except (ServerError, DeviceLost):
        report.notes.append("recovery key not escrowed yet")
        return
    with store.write():
        store.put(RECOVERY_KEY, None)


def hand_in_and_wipe(store: Store, client: Client, batch_size: int, report: Report) -> None:
    """Marked lost: push whatever is still pending, then wipe what the server holds anyway.

    A push cut off (offline) propagates before anything is wiped; a survey the server has
    not acknowledged is never wiped. The token goes last, so the laptop can do no more.
    """
    from sync_agent.home import token_path

    push(store, client, batch_size, report)
    if store.pending_count():
        raise ServerError("server error: pending visits not all handed in; sync again")
    report.wiped = store.wipe_personal_data()
    token_path(store.path.parent).unlink(missing_ok=True)
def _counted(report: Report, client: Client) -> None:
    report.bytes_sent = client.bytes_sent
    report.bytes_received = client.bytes_received
    report.retries = client.retries_made
