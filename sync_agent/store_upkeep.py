"""The store's upkeep: its sync log, and the wipe a lost laptop does (docs/agent.md).

A base of `sync_agent.store.Store`, apart so that the store's data reads and writes
stay in one readable file; the same connection and transaction discipline.
"""

from __future__ import annotations

import shutil
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlite_utils import Database

PHOTOS_DIR = "photos"
KEEP_STATES = ("pending", "sent", "rejected", "replaced")  # never acknowledged by the server


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class Upkeep:
    conn: Any
    path: Path

    if TYPE_CHECKING:
        @property
        def db(self) -> Database: ...

        def write(self) -> AbstractContextManager[Any]: ...

    def log_start(self, action: str, pid: int) -> int:
        with self.write():
            cursor = self.conn.execute(
                "INSERT INTO sync_log(action, started_at, pid) VALUES (?, ?, ?)",
                [action, now_iso(), pid],
            )
            return int(cursor.lastrowid or 0)

    def log_finish(
        self, log_id: int, ok: bool, reason: str | None, pushed: int = 0, pulled: int = 0
    ) -> None:
        """`reason` is one of our own short messages: never a token, NIK or name."""
        with self.write():
            self.conn.execute(
                "UPDATE sync_log SET finished_at = ?, ok = ?, reason = ?, pushed = ?, pulled = ? "
                "WHERE id = ?",
                [now_iso(), int(ok), reason, pushed, pulled, log_id],
            )

    def last_sync(self, ok_only: bool = False) -> dict[str, Any] | None:
        where = "WHERE finished_at IS NOT NULL" + (" AND ok = 1" if ok_only else "")
        rows = list(self.db.query(f"SELECT * FROM sync_log {where} ORDER BY id DESC LIMIT 1"))
        return rows[0] if rows else None

    def sync_log(self, limit: int = 50) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT * FROM sync_log ORDER BY id DESC LIMIT ?", [limit]))

    def wipe_personal_data(self) -> tuple[int, int]:
        """Forget what the server holds anyway: the pulled copy, assignments, flags,
        acknowledged surveys and the bases only they used. Surveys the server has not
        acknowledged, and their bases, stay. Returns (surveys wiped, surveys kept)."""
        marks = ",".join("?" * len(KEEP_STATES))
        with self.write():
            for table in ("households", "assignments", "flags"):
                self.conn.execute(f"DELETE FROM {table}")
            self.conn.execute(
                "DELETE FROM base_snapshots WHERE NOT EXISTS (SELECT 1 FROM outbox o "
                "WHERE o.household_id = base_snapshots.household_id AND o.base_version = "
                f"base_snapshots.version AND o.state IN ({marks}))", list(KEEP_STATES),
            )
            wiped = self.conn.execute(
                f"DELETE FROM outbox WHERE state NOT IN ({marks})", list(KEEP_STATES)
            ).rowcount
            kept = self.conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
            for key in ("pull_cursor", "full_pull_active"):
                self.conn.execute("UPDATE config SET value = NULL WHERE key = ?", [key])
            self.conn.execute(
                "INSERT INTO config(key, value) VALUES ('wiped_at', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value", [now_iso()],
            )
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.conn.execute("VACUUM")  # no freed page keeps a wiped row
        shutil.rmtree(self.path.parent / PHOTOS_DIR, ignore_errors=True)
        return int(wiped), int(kept)


__all__ = ["Upkeep", "now_iso"]
