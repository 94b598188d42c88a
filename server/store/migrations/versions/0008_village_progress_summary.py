"""The dashboard's counts per village, kept in tables instead of counted per view.

`village_progress` and `village_enumerators` hold a row per village (and per village and
enumerator); `progress_marks` names the villages whose counts changed since. Every
village of an upgraded database is marked here, so the first dashboard view after the
upgrade counts each once.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 03:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        'village_progress',
        sa.Column('region_code', sa.String(length=10), nullable=False),
        sa.Column('households', sa.Integer(), nullable=False),
        sa.Column('assigned', sa.Integer(), nullable=False),
        sa.Column('visited', sa.Integer(), nullable=False),
        sa.Column('verified', sa.Integer(), nullable=False),
        sa.Column('flagged', sa.Integer(), nullable=False),
        sa.Column('not_found', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('region_code', name=op.f('pk_village_progress')),
    )
    op.create_table(
        'village_enumerators',
        sa.Column('region_code', sa.String(length=10), nullable=False),
        sa.Column('enumerator_id', sa.Integer(), nullable=False),
        sa.Column('assigned', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('region_code', 'enumerator_id',
                                name=op.f('pk_village_enumerators')),
    )
    op.create_table(
        'progress_marks',
        sa.Column('mark_id', BigId, autoincrement=True, nullable=False),
        sa.Column('region_code', sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint('mark_id', name=op.f('pk_progress_marks')),
    )
    op.create_index(op.f('ix_progress_marks_region_code'), 'progress_marks', ['region_code'],
                    unique=False)
    op.execute("INSERT INTO progress_marks (region_code) "
               "SELECT DISTINCT region_code FROM households")


def downgrade() -> None:
    op.drop_index(op.f('ix_progress_marks_region_code'), table_name='progress_marks')
    op.drop_table('progress_marks')
    op.drop_table('village_enumerators')
    op.drop_table('village_progress')
