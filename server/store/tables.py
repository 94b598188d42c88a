"""Every table of the central store, in one place (SQLAlchemy Core).

Portable SQL only: the same definitions serve embedded SQLite and PostgreSQL.
JSON bodies are kept as text: the registry is read and written whole per household,
and text round-trips identically on both databases. Long because every table is here:
one place to read the whole schema, and the one a migrated database is compared with.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)

# Named constraints, so a later migration can drop or alter one by name on both databases
# (SQLite's batch mode rebuilds a table and needs the names).
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# Autoincrement integers that are BIGINT on PostgreSQL and INTEGER (rowid) on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("user_id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("token_hash", String(128), unique=True),
    Column("password_hash", String(256)),
    Column("active", Integer, nullable=False, default=1),
    Column("created_at", String(40), nullable=False),
    Column("revoked_at", String(40)),
    # Changed when the user signs out, the password changes or the token is revoked or
    # rotated: a web session cookie carrying another number is over (server.web.session).
    Column("session_generation", Integer, nullable=False, default=0, server_default="0"),
)

user_regions = Table(
    "user_regions",
    metadata,
    Column("user_id", Integer, ForeignKey("users.user_id"), primary_key=True),
    Column("region_prefix", String(10), primary_key=True),
)

households = Table(
    "households",
    metadata,
    Column("household_id", String(40), primary_key=True),
    Column("region_code", String(10), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("body", Text, nullable=False),  # current version, JSON, without `version`
    Column("content_hash", String(64), nullable=False),
    Column("verification_state", String(16), nullable=False, default="unverified"),
    Column("verification_survey_id", String(36)),
    Column("verification_at", String(40)),
    Column("updated_at", String(40), nullable=False),
    # Dashboard progress per village without reading any household body (web pages).
    Index("ix_households_region_state", "region_code", "verification_state", "household_id"),
)

household_versions = Table(
    "household_versions",
    metadata,
    Column("household_id", String(40), ForeignKey("households.household_id"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("source", String(16), nullable=False),  # import / survey / review
    Column("source_id", String(64)),
    Column("actor", String(64)),
    Column("at", String(40), nullable=False),
    Column("body", Text, nullable=False),
    # Export of accepted corrections by period (web pages).
    Index("ix_household_versions_source_at", "source", "at"),
)

members = Table(
    "members",
    metadata,
    Column("household_id", String(40), ForeignKey("households.household_id"), primary_key=True),
    Column("member_id", String(40), primary_key=True),
    Column("nik", String(16), index=True),
    Column("status", String(16), nullable=False),
)

assignments = Table(
    "assignments",
    metadata,
    Column("assignment_id", String(36), primary_key=True),
    Column("household_id", String(40), ForeignKey("households.household_id"), nullable=False),
    Column("enumerator_id", Integer, ForeignKey("users.user_id"), nullable=False),
    Column("status", String(16), nullable=False),  # open / revisit / cancelled
    Column("note", Text),
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Index("ix_assignments_enumerator", "enumerator_id", "status"),
    Index("ix_assignments_household", "household_id"),
    # Assigned households per village and enumerator, index-only (web dashboard).
    Index("ix_assignments_household_status", "household_id", "status", "enumerator_id"),
)

surveys = Table(
    "surveys",
    metadata,
    Column("survey_id", String(36), primary_key=True),
    Column("household_id", String(40), nullable=False, index=True),
    Column("enumerator_id", Integer, ForeignKey("users.user_id"), nullable=False),
    Column("device_id", String(64), nullable=False),
    Column("device_seq", Integer, nullable=False),
    Column("base_version", Integer),
    Column("parent_survey_id", String(36), index=True),
    Column("outcome", String(16), nullable=False),
    Column("completed_at", String(40), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("state", String(16), nullable=False),
    Column("result", Text, nullable=False),  # JSON: the first push answer, repeated to duplicates
    Column("superseded_by", String(36)),
    Column("received_at", String(40), nullable=False),
)

# Which survey names which photo (docs/protocol.md §5), and whether its bytes have arrived:
# the bytes are in the blob store under `photo_id`; `received_at` is set on every row
# naming a photo once they are (an upload, a bundle), so a photo named twice counts once.
survey_photos = Table(
    "survey_photos",
    metadata,
    Column("survey_id", String(36), ForeignKey("surveys.survey_id"), primary_key=True),
    Column("photo_id", String(64), primary_key=True),
    Column("position", Integer, nullable=False),  # the photo's place in the survey's list
    Column("kind", String(16), nullable=False),
    Column("taken_at", String(40), nullable=False),
    Column("bytes", Integer, nullable=False),
    Column("household_id", String(40), nullable=False),
    Column("received_at", String(40)),
    Index("ix_survey_photos_photo", "photo_id"),
    Index("ix_survey_photos_household", "household_id", "received_at"),
    # Photos still waiting for bytes, per household (the dashboard's count).
    Index("ix_survey_photos_missing", "household_id",
          sqlite_where=text("received_at IS NULL"), postgresql_where=text("received_at IS NULL")),
)

flags = Table(
    "flags",
    metadata,
    Column("flag_id", String(36), primary_key=True),
    Column("household_id", String(40), nullable=False),
    Column("region_code", String(10), nullable=False),
    Column("survey_id", String(36)),
    Column("rule", String(32), nullable=False),
    Column("severity", String(8), nullable=False),
    Column("path", String(200)),
    Column("registry_value", Text),  # JSON
    Column("field_value", Text),  # JSON
    Column("other_value", Text),  # JSON
    Column("message", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("resolved_by", String(64)),
    Column("resolved_at", String(40)),
    Column("resolution_note", Text),
    Index("ix_flags_household", "household_id", "status"),
    Index("ix_flags_status_region", "status", "region_code"),
    Index("ix_flags_status_rule", "status", "rule"),
    Index("ix_flags_survey", "survey_id"),
    # Review-queue counts per rule and village under any filter, index-only (web pages).
    Index("ix_flags_open_counts", "status", "region_code", "rule", "severity", "created_at"),
    # The queue oldest first by keyset, all rules or one, with the region checked in the index.
    Index("ix_flags_queue_order", "status", "created_at", "flag_id", "region_code"),
    Index("ix_flags_rule_order", "status", "rule", "created_at", "flag_id", "region_code"),
    # The queue by household groups a region's flags from this index alone.
    Index("ix_flags_queue_households", "status", "region_code", "household_id", "severity",
          "created_at"),
)

# The pull feed: one row per change, read by cursor. `enumerator_id` targets
# assignment and flag changes; household changes reach whoever is assigned it.
changes = Table(
    "changes",
    metadata,
    Column("seq", BigId, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("entity_id", String(64), nullable=False),
    Column("household_id", String(40), nullable=False),
    Column("enumerator_id", Integer),
    Column("at", String(40), nullable=False),
    Index("ix_changes_household", "household_id", "seq"),
    Index("ix_changes_kind_entity", "kind", "entity_id"),
    Index("ix_changes_enumerator", "enumerator_id", "seq"),
)

# The dashboard's counts per village, kept so a regency's page reads a row per village
# instead of counting its households (server.store.progress). A write that changes a
# village's counts adds a mark; the dashboard recounts the marked villages before reading.
village_progress = Table(
    "village_progress",
    metadata,
    Column("region_code", String(10), primary_key=True),
    Column("households", Integer, nullable=False),
    Column("assigned", Integer, nullable=False),
    Column("visited", Integer, nullable=False),
    Column("verified", Integer, nullable=False),
    Column("flagged", Integer, nullable=False),
    Column("not_found", Integer, nullable=False),
)

# Open assignments per village and enumerator (the dashboard's sync health).
village_enumerators = Table(
    "village_enumerators",
    metadata,
    Column("region_code", String(10), primary_key=True),
    Column("enumerator_id", Integer, primary_key=True),
    Column("assigned", Integer, nullable=False),
)

# Villages whose counts changed since they were last counted; append-only for the
# writers (no row is ever updated, so writers of one village never wait on each other).
progress_marks = Table(
    "progress_marks",
    metadata,
    Column("mark_id", BigId, primary_key=True, autoincrement=True),
    Column("region_code", String(10), nullable=False, index=True),
)

# The review queue's default view, kept so a province's first page reads 50 rows in
# order instead of grouping every open flag (server.store.flag_counts). One row per
# household with open flags: its region (the least of its flags'; `region_max` the
# greatest, to tell a household whose flags lie in two villages), counts by severity,
# oldest flag and rank (0 any error, 1 any warning, 2 notes only).
queue_households = Table(
    "queue_households",
    metadata,
    Column("household_id", String(40), primary_key=True),
    Column("region_code", String(10), nullable=False, index=True),
    Column("region_max", String(10), nullable=False),
    Column("errors", Integer, nullable=False),
    Column("warnings", Integer, nullable=False),
    Column("notes", Integer, nullable=False),
    Column("oldest", String(40), nullable=False),
    Column("rank", Integer, nullable=False),
    Index("ix_queue_households_order", "rank", "oldest", "household_id"),
    # The few households whose open flags lie in more than one village.
    Index("ix_queue_households_straddling", "household_id",
          sqlite_where=text("region_code <> region_max"),
          postgresql_where=text("region_code <> region_max")),
)

# Open flags per village and rule (the queue's rule chooser and village list).
queue_village_rules = Table(
    "queue_village_rules",
    metadata,
    Column("region_code", String(10), primary_key=True),
    Column("rule", String(32), primary_key=True),
    Column("open_flags", Integer, nullable=False),
)

# Households (and their villages) whose open flags changed since they were last counted;
# append-only for the writers, like `progress_marks`.
queue_marks = Table(
    "queue_marks",
    metadata,
    Column("mark_id", BigId, primary_key=True, autoincrement=True),
    Column("household_id", String(40), nullable=False),
    Column("region_code", String(10), nullable=False),
)

devices = Table(
    "devices",
    metadata,
    Column("device_id", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.user_id"), nullable=False),
    Column("first_seen_at", String(40), nullable=False),
    Column("last_push_at", String(40)),
    Column("last_pull_at", String(40)),
    Column("pending_reported", Integer),
    Column("agent_version", String(32)),
)

# A token an admin marked lost (a lost laptop): it may still hand in pending surveys,
# whose push answers tell the laptop to wipe; every other call is refused.
lost_tokens = Table(
    "lost_tokens",
    metadata,
    Column("token_hash", String(128), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.user_id"), nullable=False),
    Column("marked_at", String(40), nullable=False),
    Column("marked_by", String(64)),
    Column("last_push_at", String(40)),
)

# Each laptop's recovery key (it opens that laptop's store after five wrong PINs),
# released once against a one-time code an admin issued (stored hashed).
device_recovery = Table(
    "device_recovery",
    metadata,
    Column("device_id", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.user_id"), primary_key=True),
    Column("recovery_key", String(64), nullable=False),
    Column("escrowed_at", String(40), nullable=False),
    Column("code_hash", String(128)),
    Column("code_expires_at", String(40)),
    Column("released_at", String(40)),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("audit_id", BigId, primary_key=True, autoincrement=True),
    Column("at", String(40), nullable=False),
    Column("actor", String(64)),
    Column("action", String(64), nullable=False),
    Column("target_kind", String(32)),
    Column("target_id", String(64)),
    Column("detail", Text),  # JSON, never personal data
    Index("ix_audit_target", "target_kind", "target_id"),
    # Recent sign-in failures per client address (web sign-in throttle).
    Index("ix_audit_action_at", "action", "at"),
)


# --- phones (OpenRosa, docs/protocol.md §6) ---------------------------------------------

# One row per submission taken from a phone: its instanceID is the survey's id.
phone_submissions = Table(
    "phone_submissions",
    metadata,
    Column("instance_id", String(36), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.user_id"), nullable=False),
    Column("device_id", String(64), nullable=False),
    Column("device_seq", Integer, nullable=False),
    Column("xml_sha256", String(64), nullable=False),  # a resend is the same XML
    Column("form_version", String(32)),
    Column("branch_id", String(64)),  # the entity's offline branch (second visits)
    Column("entity_version", Integer),  # the entity's baseVersion on the phone
    Column("received_at", String(40), nullable=False),
    Index("ix_phone_submissions_device", "device_id", "device_seq"),
    Index("ix_phone_submissions_branch", "branch_id", "entity_version"),
)

# HTTP Digest for Collect: MD5(name:realm:password), kept beside the web password hash.
phone_digest = Table(
    "phone_digest",
    metadata,
    Column("user_id", Integer, ForeignKey("users.user_id"), primary_key=True),
    Column("ha1", String(32), nullable=False),
)

# Digest nonces handed out: each one expires, and a nonce count never goes back (replay).
phone_nonces = Table(
    "phone_nonces",
    metadata,
    Column("nonce", String(64), primary_key=True),
    Column("issued_at", Float, nullable=False),
    Column("last_count", Integer, nullable=False, default=0),
)

# The monthly cycle (docs/musdes.md): a village's list of a period once the musdes (or an
# SPTJM) froze it. An open list has no row; it is read from the accepted flags.
period_villages = Table(
    "period_villages",
    metadata,
    Column("period", String(7), primary_key=True),  # YYYY-MM
    Column("village_code", String(10), primary_key=True),
    Column("state", String(16), nullable=False),  # ratified / sptjm / approved
    Column("signed_as", String(16), nullable=False),  # musdes / sptjm
    Column("held_on", String(10)),  # the musdes's date, YYYY-MM-DD
    Column("attendees", Integer),
    Column("scan_sha256", String(64)),  # the signed scan in the blob store
    Column("scan_type", String(40)),
    Column("document_sha256", String(64)),  # the berita acara as first printed after
    Column("listing", Text, nullable=False),  # JSON: the frozen list with the decisions
    Column("frozen_at", String(40), nullable=False),
    Column("frozen_by", String(64), nullable=False),
)

# A regency's approval of a period and the submission files it produced (blob store).
period_approvals = Table(
    "period_approvals",
    metadata,
    Column("period", String(7), primary_key=True),
    Column("regency_code", String(4), primary_key=True),
    Column("approved_at", String(40), nullable=False),
    Column("approved_by", String(64), nullable=False),
    Column("changes", Integer, nullable=False),
    Column("csv_sha256", String(64), nullable=False),
    Column("jsonl_sha256", String(64), nullable=False),
)
