"""The local store's tables, as named migrations applied in order (sqlite-utils `Migrations`).

A laptop may skip releases, so every schema change is a new function appended to
MIGRATIONS, applied once and recorded in `_sqlite_migrations`; `PRAGMA user_version`
holds how many apply. A shipped migration is never edited or removed, and none deletes
surveys: a field laptop's outbox outlives any agent release.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database


def m001_initial(db: Database) -> None:
    db.table("config").create({"key": str, "value": str}, pk="key")
    db.table("households").create(
        {"household_id": str, "version": int, "region_code": str, "body": str,
         "verification": str, "generation": int, "pulled_at": str},
        pk="household_id", not_null=["version", "body"],
    )
    db.table("households").create_index(["region_code"])
    db.table("base_snapshots").create(
        {"household_id": str, "version": int, "body": str, "saved_at": str},
        pk=("household_id", "version"), not_null=["body"],
    )
    db.table("assignments").create(
        {"assignment_id": str, "household_id": str, "status": str, "note": str,
         "generation": int, "pulled_at": str},
        pk="assignment_id",
    )
    db.table("assignments").create_index(["household_id"])
    db.table("flags").create(
        {"flag_id": str, "household_id": str, "survey_id": str, "rule": str, "status": str,
         "body": str, "generation": int, "pulled_at": str},
        pk="flag_id",
    )
    db.table("outbox").create(
        {"survey_id": str, "device_seq": int, "household_id": str, "base_version": int,
         "parent_survey_id": str, "outcome": str, "state": str, "body": str,
         "created_at": str, "sent_at": str, "attempts": int, "answered_at": str,
         "answered_via": str, "result_status": str, "result_state": str,
         "result_flags": str, "errors": str, "replaced_by": str},
        pk="survey_id", not_null=["device_seq", "household_id", "state", "body"],
        defaults={"state": "pending", "attempts": 0},
    )
    db.table("outbox").create_index(["device_seq"], unique=True)
    db.table("outbox").create_index(["state", "device_seq"])
    db.table("outbox").create_index(["household_id", "device_seq"])
    db.table("sync_log").create(
        {"id": int, "action": str, "started_at": str, "finished_at": str, "ok": int,
         "reason": str, "pushed": int, "pulled": int, "pid": int},
        pk="id",
    )
    db.table("bundles").create(
        {"bundle_id": str, "created_at": str, "file": str, "surveys": int, "acked_at": str},
        pk="bundle_id",
    )


def m002_photo_outbox(db: Database) -> None:
    """Photos waiting to be uploaded, per visit (`sync_agent/photo_outbox.py`)."""
    db.table("photo_outbox").create(
        {"survey_id": str, "photo_id": str, "position": int, "device_seq": int, "kind": str,
         "bytes": int, "state": str, "error": str, "attempts": int, "added_at": str,
         "uploaded_at": str},
        pk=("survey_id", "photo_id"), not_null=["device_seq", "bytes", "state"],
        defaults={"state": "waiting", "attempts": 0},
    )
    db.table("photo_outbox").create_index(["state", "device_seq"])
    db.table("photo_outbox").create_index(["photo_id"])


# In order; never edit or remove one that shipped — add the next.
MIGRATIONS = (m001_initial, m002_photo_outbox)
SCHEMA_VERSION = len(MIGRATIONS)


def apply_migrations(db: Database) -> None:
    """Apply the pending migrations (the caller holds the write transaction)."""
    from sqlite_utils import Migrations

    migrations = Migrations("verivali-agent")
    for step in MIGRATIONS:
        migrations()(step)
    migrations.apply(db)
