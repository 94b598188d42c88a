"""Which photos wait to be uploaded, for which visit, and what the server said of them.

Statements on the `photo_outbox` table (migration `m002_photo_outbox` in `schema.py`),
run on the store's connection inside its transactions; the bytes themselves are in
`photo_files`. A photo is uploaded only once its visit is acknowledged (the server
refuses a photo no stored survey names), oldest visit first, and its row moves on only
by the server's answer: `uploaded` when it confirmed the whole photo, `refused` with
the reason when it will never take it. The file is deleted only after `uploaded`.
"""

from __future__ import annotations

import sqlite3
from typing import Any, NamedTuple

from sync_agent.store import Store, now_iso

STATES = ("waiting", "uploaded", "refused")


class Waiting(NamedTuple):
    photo_id: str
    bytes: int
    survey_id: str
    attempts: int = 0  # syncs that tried it and stopped: it may stand part-way there


def add(store: Store, survey: dict[str, Any]) -> None:
    """The photos of a survey just recorded (inside the transaction that stores it)."""
    at = now_iso()
    store.conn.executemany(
        "INSERT OR IGNORE INTO photo_outbox(survey_id, photo_id, position, device_seq, kind, "
        "bytes, state, added_at) VALUES (?, ?, ?, ?, ?, ?, 'waiting', ?)",
        [(survey["survey_id"], p["photo_id"], index, survey["device_seq"], p["kind"],
          p["bytes"], at) for index, p in enumerate(survey.get("photos") or ())],
    )


def ready(store: Store, limit: int | None = None) -> list[Waiting]:
    """Photos to upload now: waiting, their visit acknowledged, oldest visit first."""
    sql = ("SELECT p.photo_id, p.bytes, min(p.survey_id) AS survey_id, min(p.device_seq) AS seq, "
           "max(p.attempts) "
           "FROM photo_outbox p JOIN outbox o ON o.survey_id = p.survey_id "
           "WHERE p.state = 'waiting' AND o.state = 'acknowledged' "
           "GROUP BY p.photo_id, p.bytes ORDER BY seq, min(p.position)")
    params: list[Any] = []
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [Waiting(r[0], r[1], r[2], r[4]) for r in store.conn.execute(sql, params)]


def waiting_ids(store: Store) -> list[str]:
    """Every photo still to be sent, of visits not refused by the server (for a bundle)."""
    rows = store.conn.execute(
        "SELECT DISTINCT p.photo_id FROM photo_outbox p JOIN outbox o ON o.survey_id = "
        "p.survey_id WHERE p.state = 'waiting' AND o.state IN ('pending', 'sent', "
        "'acknowledged') ORDER BY p.photo_id")
    return [r[0] for r in rows]


def mark_uploaded(store: Store, photo_id: str) -> None:
    store.conn.execute(
        "UPDATE photo_outbox SET state = 'uploaded', uploaded_at = ?, error = NULL "
        "WHERE photo_id = ? AND state = 'waiting'", [now_iso(), photo_id])


def mark_refused(store: Store, photo_id: str, reason: str) -> None:
    store.conn.execute(
        "UPDATE photo_outbox SET state = 'refused', error = ? WHERE photo_id = ? "
        "AND state = 'waiting'", [reason[:500], photo_id])


def note_attempt(store: Store, photo_id: str, reason: str | None) -> None:
    store.conn.execute(
        "UPDATE photo_outbox SET attempts = attempts + 1, error = ? WHERE photo_id = ? "
        "AND state = 'waiting'", [reason[:500] if reason else None, photo_id])


def still_needed(store: Store, photo_id: str) -> bool:
    """Whether any row still waits for this photo's file (the same bytes in two visits)."""
    row = store.conn.execute(
        "SELECT 1 FROM photo_outbox WHERE photo_id = ? AND state IN ('waiting', 'refused') "
        "LIMIT 1", [photo_id]).fetchone()
    return row is not None


def of_survey(store: Store, survey_id: str) -> list[dict[str, Any]]:
    cursor = store.conn.cursor()
    cursor.row_factory = sqlite3.Row
    rows = cursor.execute(
        "SELECT photo_id, kind, bytes, state, error FROM photo_outbox WHERE survey_id = ? "
        "ORDER BY position", [survey_id])
    return [dict(r) for r in rows]


def counts(store: Store) -> dict[str, int]:
    """Distinct photos waiting and their bytes, and those refused (for `status`)."""
    waiting = store.conn.execute(
        "SELECT count(*), coalesce(sum(bytes), 0) FROM (SELECT DISTINCT photo_id, bytes "
        "FROM photo_outbox WHERE state = 'waiting')").fetchone()
    refused = store.conn.execute(
        "SELECT count(DISTINCT photo_id) FROM photo_outbox WHERE state = 'refused'").fetchone()
    return {"waiting": waiting[0], "waiting_bytes": waiting[1], "refused": refused[0]}
