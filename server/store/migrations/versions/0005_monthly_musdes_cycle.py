"""The monthly musdes cycle: frozen village lists and the regency's approvals.

`period_villages` holds a village's list of a period once its musyawarah desa ratified
it (or an SPTJM was signed); `period_approvals` the regency's approval of a period and
the submission files it produced. Both are new tables: nothing existing changes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 03:25:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'period_villages',
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('village_code', sa.String(length=10), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('signed_as', sa.String(length=16), nullable=False),
        sa.Column('held_on', sa.String(length=10), nullable=True),
        sa.Column('attendees', sa.Integer(), nullable=True),
        sa.Column('scan_sha256', sa.String(length=64), nullable=True),
        sa.Column('scan_type', sa.String(length=40), nullable=True),
        sa.Column('document_sha256', sa.String(length=64), nullable=True),
        sa.Column('listing', sa.Text(), nullable=False),
        sa.Column('frozen_at', sa.String(length=40), nullable=False),
        sa.Column('frozen_by', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('period', 'village_code', name=op.f('pk_period_villages')),
    )
    op.create_table(
        'period_approvals',
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('regency_code', sa.String(length=4), nullable=False),
        sa.Column('approved_at', sa.String(length=40), nullable=False),
        sa.Column('approved_by', sa.String(length=64), nullable=False),
        sa.Column('changes', sa.Integer(), nullable=False),
        sa.Column('csv_sha256', sa.String(length=64), nullable=False),
        sa.Column('jsonl_sha256', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('period', 'regency_code', name=op.f('pk_period_approvals')),
    )


def downgrade() -> None:
    op.drop_table('period_approvals')
    op.drop_table('period_villages')
