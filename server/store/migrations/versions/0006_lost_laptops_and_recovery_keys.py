"""Lost laptops and the agents' recovery keys: tables `lost_tokens` and `device_recovery`.

`lost_tokens` holds the hash of a token an admin marked lost (it may still push, and
is told to wipe); `device_recovery` each laptop's escrowed recovery key and the hash
of a one-time code that releases it. Both start empty.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 03:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'lost_tokens',
        sa.Column('token_hash', sa.String(length=128), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('marked_at', sa.String(length=40), nullable=False),
        sa.Column('marked_by', sa.String(length=64), nullable=True),
        sa.Column('last_push_at', sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.user_id']),
        sa.PrimaryKeyConstraint('token_hash'),
    )
    op.create_table(
        'device_recovery',
        sa.Column('device_id', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('recovery_key', sa.String(length=64), nullable=False),
        sa.Column('escrowed_at', sa.String(length=40), nullable=False),
        sa.Column('code_hash', sa.String(length=128), nullable=True),
        sa.Column('code_expires_at', sa.String(length=40), nullable=True),
        sa.Column('released_at', sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.user_id']),
        sa.PrimaryKeyConstraint('device_id', 'user_id'),
    )


def downgrade() -> None:
    op.drop_table('device_recovery')
    op.drop_table('lost_tokens')
