"""The review queue's default view from counts kept by the flag writers.

`queue_households` holds a row per household with open flags (its severities, oldest
flag and rank, walked in order for the first page); `queue_village_rules` the open flags
per village and rule; `queue_marks` the households whose flags changed since they were
counted. Both kept tables are filled here from the flags, set-wise, so the first view
after the upgrade reads them directly.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 09:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        'queue_households',
        sa.Column('household_id', sa.String(length=40), nullable=False),
        sa.Column('region_code', sa.String(length=10), nullable=False),
        sa.Column('region_max', sa.String(length=10), nullable=False),
        sa.Column('errors', sa.Integer(), nullable=False),
        sa.Column('warnings', sa.Integer(), nullable=False),
        sa.Column('notes', sa.Integer(), nullable=False),
        sa.Column('oldest', sa.String(length=40), nullable=False),
        sa.Column('rank', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('household_id', name=op.f('pk_queue_households')),
    )
    op.create_index('ix_queue_households_order', 'queue_households',
                    ['rank', 'oldest', 'household_id'])
    op.create_index(op.f('ix_queue_households_region_code'), 'queue_households',
                    ['region_code'])
    op.create_index('ix_queue_households_straddling', 'queue_households', ['household_id'],
                    sqlite_where=sa.text("region_code <> region_max"),
                    postgresql_where=sa.text("region_code <> region_max"))
    op.create_table(
        'queue_village_rules',
        sa.Column('region_code', sa.String(length=10), nullable=False),
        sa.Column('rule', sa.String(length=32), nullable=False),
        sa.Column('open_flags', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('region_code', 'rule', name=op.f('pk_queue_village_rules')),
    )
    op.create_table(
        'queue_marks',
        sa.Column('mark_id', BigId, autoincrement=True, nullable=False),
        sa.Column('household_id', sa.String(length=40), nullable=False),
        sa.Column('region_code', sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint('mark_id', name=op.f('pk_queue_marks')),
    )
    op.execute(
        "INSERT INTO queue_households (household_id, region_code, region_max, errors, "
        "warnings, notes, oldest, rank) "
        "SELECT household_id, low, high, errors, warnings, notes, oldest, "
        "CASE WHEN errors > 0 THEN 0 WHEN warnings > 0 THEN 1 ELSE 2 END "
        "FROM (SELECT household_id, MIN(region_code) AS low, MAX(region_code) AS high, "
        "SUM(CASE WHEN severity = 'error' THEN 1 ELSE 0 END) AS errors, "
        "SUM(CASE WHEN severity = 'warning' THEN 1 ELSE 0 END) AS warnings, "
        "SUM(CASE WHEN severity = 'info' THEN 1 ELSE 0 END) AS notes, "
        "MIN(created_at) AS oldest "
        "FROM flags WHERE status = 'open' GROUP BY household_id) AS counted")
    op.execute(
        "INSERT INTO queue_village_rules (region_code, rule, open_flags) "
        "SELECT region_code, rule, COUNT(*) FROM flags WHERE status = 'open' "
        "GROUP BY region_code, rule")


def downgrade() -> None:
    op.drop_table('queue_marks')
    op.drop_table('queue_village_rules')
    op.drop_index('ix_queue_households_straddling', table_name='queue_households')
    op.drop_index(op.f('ix_queue_households_region_code'), table_name='queue_households')
    op.drop_index('ix_queue_households_order', table_name='queue_households')
    op.drop_table('queue_households')
