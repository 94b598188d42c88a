"""A phone's photos are its survey's photos: `phone_attachments` folded into `survey_photos`.

Each attachment kept before this revision becomes a received `survey_photos` row of its
submission's survey, and the survey's body names it under `photos` (§5) with its content
hash recomputed, so old phone photos show, export and serve as new ones do. The bytes
stay where they are in the blob store (named by the same SHA-256). Downgrade brings the
table back empty: what a survey names stays in `survey_photos`.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 08:10:00
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ("house_front", "house_inside", "kk")


def _dumps(value: object) -> str:
    # server.store.jsoncol's canonical encoding, written out so this revision never changes
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT a.instance_id, a.field, a.sha256, a.size, a.content_type, a.received_at, "
        "s.household_id, s.completed_at, s.body FROM phone_attachments a "
        "JOIN surveys s ON s.survey_id = a.instance_id "
        "ORDER BY a.instance_id, a.received_at, a.file_name")).mappings().all()
    by_survey: dict[str, list[dict[str, object]]] = {}
    for row in rows:
        by_survey.setdefault(row["instance_id"], []).append(dict(row))
    for survey_id, attachments in by_survey.items():
        attachments.sort(key=lambda a: KINDS.index(str(a["field"]))
                         if a["field"] in KINDS else len(KINDS))
        seen: set[str] = set()
        photos: list[dict[str, object]] = []
        for attachment in attachments:
            if attachment["sha256"] in seen:
                continue
            seen.add(str(attachment["sha256"]))
            conn.execute(sa.text(
                "INSERT INTO survey_photos (survey_id, photo_id, position, kind, taken_at, "
                "bytes, household_id, received_at) VALUES (:survey_id, :photo_id, :position, "
                ":kind, :taken_at, :bytes, :household_id, :received_at)"), {
                    "survey_id": survey_id, "photo_id": attachment["sha256"],
                    "position": len(photos), "kind": attachment["field"],
                    "taken_at": attachment["completed_at"], "bytes": attachment["size"],
                    "household_id": attachment["household_id"],
                    "received_at": attachment["received_at"]})
            photos.append({"photo_id": attachment["sha256"], "kind": attachment["field"],
                           "taken_at": attachment["completed_at"],
                           "bytes": attachment["size"],
                           "content_type": attachment["content_type"]})
        body = json.loads(str(attachments[0]["body"]))
        body["photos"] = photos
        text = _dumps(body)
        conn.execute(sa.text("UPDATE surveys SET body = :body, content_hash = :hash "
                             "WHERE survey_id = :survey_id"),
                     {"body": text, "hash": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                      "survey_id": survey_id})
    op.drop_table('phone_attachments')


def downgrade() -> None:
    op.create_table(
        'phone_attachments',
        sa.Column('instance_id', sa.String(length=36), nullable=False),
        sa.Column('file_name', sa.String(length=255), nullable=False),
        sa.Column('field', sa.String(length=32), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('content_type', sa.String(length=64), nullable=False),
        sa.Column('received_at', sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(['instance_id'], ['phone_submissions.instance_id'],
                                name=op.f('fk_phone_attachments_instance_id_phone_submissions')),
        sa.PrimaryKeyConstraint('instance_id', 'file_name', name=op.f('pk_phone_attachments')),
    )
