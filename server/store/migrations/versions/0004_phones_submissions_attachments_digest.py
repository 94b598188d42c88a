"""Phones: submissions taken over OpenRosa, their attachments, Digest sign-in.

New tables only (`phone_submissions`, `phone_attachments`, `phone_digest`,
`phone_nonces`); existing data is untouched. A user's Digest secret exists once their
password is set again after the upgrade.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 03:23:56.547725
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('phone_nonces',
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('issued_at', sa.Float(), nullable=False),
    sa.Column('last_count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('nonce', name=op.f('pk_phone_nonces'))
    )
    op.create_table('phone_digest',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('ha1', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.user_id'], name=op.f('fk_phone_digest_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_phone_digest'))
    )
    op.create_table('phone_submissions',
    sa.Column('instance_id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.String(length=64), nullable=False),
    sa.Column('device_seq', sa.Integer(), nullable=False),
    sa.Column('xml_sha256', sa.String(length=64), nullable=False),
    sa.Column('form_version', sa.String(length=32), nullable=True),
    sa.Column('branch_id', sa.String(length=64), nullable=True),
    sa.Column('entity_version', sa.Integer(), nullable=True),
    sa.Column('received_at', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.user_id'], name=op.f('fk_phone_submissions_user_id_users')),
    sa.PrimaryKeyConstraint('instance_id', name=op.f('pk_phone_submissions'))
    )
    with op.batch_alter_table('phone_submissions', schema=None) as batch_op:
        batch_op.create_index('ix_phone_submissions_branch', ['branch_id', 'entity_version'], unique=False)
        batch_op.create_index('ix_phone_submissions_device', ['device_id', 'device_seq'], unique=False)

    op.create_table('phone_attachments',
    sa.Column('instance_id', sa.String(length=36), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('field', sa.String(length=32), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['phone_submissions.instance_id'], name=op.f('fk_phone_attachments_instance_id_phone_submissions')),
    sa.PrimaryKeyConstraint('instance_id', 'file_name', name=op.f('pk_phone_attachments'))
    )


def downgrade() -> None:
    op.drop_table('phone_attachments')
    with op.batch_alter_table('phone_submissions', schema=None) as batch_op:
        batch_op.drop_index('ix_phone_submissions_device')
        batch_op.drop_index('ix_phone_submissions_branch')

    op.drop_table('phone_submissions')
    op.drop_table('phone_digest')
    op.drop_table('phone_nonces')
