"""The agent's local database: one SQLite file in the agent's home folder.

A laptop may lose power or be killed at any moment, so every write is one
`BEGIN IMMEDIATE` transaction on a WAL database with `synchronous=FULL`: a survey is
on disk when `record` returns, and a half-applied sync is never seen. Tables change
only through named migrations (sqlite-utils' `Migrations`), never by deleting data;
a store written by a newer agent is refused rather than damaged.

Surveys in the outbox are immutable JSON: a resend carries the very bytes that were
sent first, which is what the server's idempotency key expects. The household a survey
was recorded against is kept in `base_snapshots`, apart from the pulled copy in
`households`, so a later pull never changes what an outbox survey was based on.

Every statement on the laptop's data lives in this class and its two bases (migrations
apart, in `schema.py`): `store_pulled.PulledReads`, what the form and `households` read
of the pulled copy, and `store_upkeep.Upkeep`, the sync log and the lost-laptop wipe.
One class owns the transaction discipline, so no other module can write around it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import sqlcipher3

from sync_agent.schema import SCHEMA_VERSION, apply_migrations
from sync_agent.store_pulled import PulledReads
from sync_agent.store_pulled import named as _named
from sync_agent.store_upkeep import Upkeep, now_iso

if TYPE_CHECKING:
    from sqlite_utils import Database

DB_FILE = "agent.db"
UNSENT = ("pending", "sent")
OUTBOX_STATES = ("pending", "sent", "acknowledged", "rejected", "replaced")


class StoreError(Exception):
    """The local store cannot be used as asked; the text is safe to show."""


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class Unsent(NamedTuple):
    """A survey waiting in the outbox, as a push sends it."""

    survey_id: str
    device_seq: int
    body: str  # the JSON stored by `add_survey`


def key_pragma(key: bytes) -> str:
    """SQLCipher's raw-key form: our key is random 256 bits, so no second KDF."""
    return f"\"x'{key.hex()}'\""


def _connect(path: Path, key: bytes) -> sqlcipher3.Connection:
    conn = sqlcipher3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA key = {key_pragma(key)}")
    try:
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.DatabaseError as exc:
        conn.close()
        raise StoreError(f"the local store {path} does not open with this key") from exc
    mode = _named(conn, "PRAGMA journal_mode=WAL").fetchone()["journal_mode"]
    if str(mode).lower() != "wal":
        raise StoreError(f"cannot switch the local store to WAL mode (got {mode})")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


class Store(PulledReads, Upkeep):
    """One open local store. Not shared between threads: open one per thread or request.

    `key` is the data key (sync_agent.vault); it also seals the token and photos.
    """

    def __init__(self, path: Path, key: bytes):
        self.path = path
        self.key = key
        self.conn = _connect(path, key)
        self._db: Database | None = None
        self._ensure_schema()

    @property
    def db(self) -> Database:
        """sqlite-utils over the same connection, loaded on first use (keeps `record` quick)."""
        if self._db is None:
            from sqlite_utils import Database

            self._db = Database(self.conn, execute_plugins=False)
        return self._db

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- schema -----------------------------------------------------------------

    def _ensure_schema(self) -> None:
        version = _named(self.conn, "PRAGMA user_version").fetchone()["user_version"]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"local store {self.path} was written by a newer agent (schema {version}); "
                "install the newer verivali-agent"
            )
        if version == SCHEMA_VERSION:
            return
        # One process migrates at a time; the others wait on the write lock, then see
        # the migrations recorded and do nothing.
        with self.write():
            apply_migrations(self.db)
            self.conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    @contextmanager
    def write(self) -> Iterator[Store]:
        """One write transaction, taken at once (`BEGIN IMMEDIATE`) so writers queue."""
        if self.conn.in_transaction:
            with self.db.atomic():
                yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def integrity_ok(self) -> bool:
        return _named(self.conn, "PRAGMA integrity_check").fetchone()["integrity_check"] == "ok"

    # -- config -----------------------------------------------------------------

    def get(self, key: str, default: str | None = None) -> str | None:
        row = _named(self.conn, "SELECT value FROM config WHERE key = ?", [key]).fetchone()
        return row["value"] if row and row["value"] is not None else default

    def put(self, key: str, value: str | None) -> None:
        self.conn.execute(
            "INSERT INTO config(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value],
        )

    def next_device_seq(self) -> int:
        """The next `device_seq`; call inside the transaction that stores the survey."""
        seq = int(self.get("last_device_seq", "0") or 0) + 1
        self.put("last_device_seq", str(seq))
        return seq

    # -- households, assignments, flags as pulled ------------------------------------

    def household(self, household_id: str) -> dict[str, Any] | None:
        """The pulled copy with `version`, or None when it was never pulled."""
        row = _named(
            self.conn, "SELECT body, version FROM households WHERE household_id = ?",
            [household_id],
        ).fetchone()
        if row is None:
            return None
        body = json.loads(row["body"])
        body["version"] = row["version"]
        return body

    def save_base(self, household_id: str, version: int, body: dict[str, Any]) -> None:
        """Freeze the household a survey is recorded against (first copy wins)."""
        self.conn.execute(
            "INSERT OR IGNORE INTO base_snapshots(household_id, version, body, saved_at) "
            "VALUES (?, ?, ?, ?)",
            [household_id, version, dumps(_strip(body)), now_iso()],
        )

    def base(self, household_id: str, version: int) -> dict[str, Any] | None:
        row = _named(
            self.conn, "SELECT body FROM base_snapshots WHERE household_id = ? AND version = ?",
            [household_id, version],
        ).fetchone()
        return json.loads(row["body"]) if row else None

    def apply_pull_page(self, changes: list[dict[str, Any]],
                        generation: int) -> tuple[int, int, int]:
        """Store one pulled page (inside the caller's transaction).

        Returns (households, assignments, findings) so the summary can name what came.
        """
        at = now_iso()
        households: dict[str, dict[str, Any]] = {}
        assignments: dict[str, dict[str, Any]] = {}
        flags: dict[str, dict[str, Any]] = {}
        for change in changes:
            kind = change.get("kind")
            if kind == "household":
                h = change["household"]
                households[h["household_id"]] = {
                    "household_id": h["household_id"], "version": h["version"],
                    "region_code": h.get("region_code"), "body": dumps(_strip(h)),
                    "verification": dumps(h.get("verification")), "generation": generation,
                    "pulled_at": at,
                }
            elif kind == "assignment":
                a = change["assignment"]
                assignments[a["assignment_id"]] = {
                    "assignment_id": a["assignment_id"], "household_id": a["household_id"],
                    "status": a["status"], "note": a.get("note"), "generation": generation,
                    "pulled_at": at,
                }
            elif kind == "flag":
                f = change["flag"]
                flags[f["flag_id"]] = {
                    "flag_id": f["flag_id"], "household_id": f.get("household_id"),
                    "survey_id": f.get("survey_id"), "rule": f.get("rule"),
                    "status": f.get("status"), "body": dumps(f), "generation": generation,
                    "pulled_at": at,
                }
        for table, rows, pk in (
            ("households", households, "household_id"),
            ("assignments", assignments, "assignment_id"),
            ("flags", flags, "flag_id"),
        ):
            if rows:
                self.db.table(table).upsert_all(list(rows.values()), pk=pk)
        return len(households), len(assignments), len(flags)

    def prune_older_generations(self, generation: int) -> None:
        """After a full re-pull: forget what the server no longer sends. The outbox stays."""
        for table in ("households", "assignments", "flags"):
            self.conn.execute(f"DELETE FROM {table} WHERE generation < ?", [generation])

    # -- outbox -----------------------------------------------------------------

    def add_survey(self, survey: dict[str, Any]) -> None:
        """Insert a complete survey (inside the caller's transaction)."""
        self.conn.execute(
            "INSERT INTO outbox(survey_id, device_seq, household_id, base_version, "
            "parent_survey_id, outcome, state, body, created_at, attempts) "
            "VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, 0)",
            [survey["survey_id"], survey["device_seq"], survey["household_id"],
             survey["base_version"], survey.get("parent_survey_id"), survey["outcome"],
             dumps(survey), now_iso()],
        )

    def unsent_survey_of(self, household_id: str) -> str | None:
        """The latest survey of this household the server has not acknowledged yet."""
        row = _named(
            self.conn,
            "SELECT survey_id FROM outbox WHERE household_id = ? AND state IN ('pending', 'sent') "
            "ORDER BY device_seq DESC LIMIT 1",
            [household_id],
        ).fetchone()
        return row["survey_id"] if row else None

    def survey(self, survey_id: str) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM outbox WHERE survey_id = ?", [survey_id]))
        return _outbox_row(rows[0]) if rows else None

    def surveys(self, states: tuple[str, ...], limit: int | None = None) -> list[dict[str, Any]]:
        marks = ",".join("?" * len(states))
        sql = f"SELECT * FROM outbox WHERE state IN ({marks}) ORDER BY device_seq"
        params: list[Any] = list(states)
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [_outbox_row(r) for r in self.db.query(sql, params)]

    def next_batch(self, size: int, after_seq: int = 0) -> list[Unsent]:
        """The next unsent surveys, oldest first."""
        rows = _named(
            self.conn,
            "SELECT survey_id, device_seq, body FROM outbox WHERE state IN ('pending', 'sent') "
            "AND device_seq > ? ORDER BY device_seq LIMIT ?",
            [after_seq, size],
        ).fetchall()
        return [Unsent(r["survey_id"], r["device_seq"], r["body"]) for r in rows]

    def mark_sent(self, survey_ids: list[str]) -> None:
        at = now_iso()
        self.conn.executemany(
            "UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1 "
            "WHERE survey_id = ? AND state IN ('pending', 'sent')",
            [(at, sid) for sid in survey_ids],
        )

    def apply_result(self, result: dict[str, Any], via: str) -> str | None:
        """Record the server's answer for one survey; returns the new state, or None.

        Only an answer naming the survey moves it: accepted/duplicate → acknowledged,
        rejected → rejected with the server's errors. A later answer never undoes an
        acknowledgement (a late, stale bundle ack, say).
        """
        status = result.get("status")
        survey_id = result.get("survey_id")
        if status in ("accepted", "duplicate"):
            state = "acknowledged"
        elif status == "rejected":
            state = "rejected"
        else:
            return None
        cursor = self.conn.execute(
            "UPDATE outbox SET state = ?, answered_at = ?, answered_via = ?, result_status = ?, "
            "result_state = ?, result_flags = ?, errors = ? "
            "WHERE survey_id = ? AND state IN ('pending', 'sent')",
            [state, now_iso(), via, status, result.get("state"),
             dumps(result.get("flags") or []), dumps(result.get("errors")) if state == "rejected"
             else None, survey_id],
        )
        return state if cursor.rowcount else None

    def mark_replaced(self, survey_id: str, by: str) -> None:
        self.conn.execute(
            "UPDATE outbox SET state = 'replaced', replaced_by = ? "
            "WHERE survey_id = ? AND state = 'rejected'",
            [by, survey_id],
        )

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(OUTBOX_STATES, 0)
        for state, count in self.conn.execute("SELECT state, count(*) FROM outbox GROUP BY state"):
            out[state] = count
        return out

    def pending_count(self) -> int:
        return _named(
            self.conn, "SELECT count(*) AS n FROM outbox WHERE state IN ('pending', 'sent')"
        ).fetchone()["n"]


def _strip(household: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in household.items() if k not in ("version", "verification")}


def _outbox_row(row: dict[str, Any]) -> dict[str, Any]:
    row = dict(row)
    row["body"] = json.loads(row["body"])
    row["result_flags"] = json.loads(row["result_flags"]) if row.get("result_flags") else []
    row["errors"] = json.loads(row["errors"]) if row.get("errors") else None
    return row


def store_path(home: Path) -> Path:
    return home / DB_FILE


def open_store(home: Path, key: bytes | None = None) -> Store:
    """Open (creating, upgrading or encrypting a plain one) the store in `home`.

    Without `key` the PIN is asked for (sync_agent.pin) or the one this process
    unlocked is reused; see sync_agent.unlock.
    """
    from sync_agent.unlock import open_home_store

    return open_home_store(home, key)
