"""Indexes for the supervisor pages: index-only dashboard counts, queue counts, exports.

Plain index additions: existing data stays as it is; on a large registry the upgrade
takes a few seconds while the indexes are built.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 10:37:57.485544
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index('ix_assignments_household_status', ['household_id', 'status', 'enumerator_id'], unique=False)

    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_action_at', ['action', 'at'], unique=False)

    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.create_index('ix_flags_open_counts', ['status', 'region_code', 'rule', 'severity', 'created_at'], unique=False)
        batch_op.create_index('ix_flags_queue_order', ['status', 'created_at', 'flag_id', 'region_code'], unique=False)
        batch_op.create_index('ix_flags_rule_order', ['status', 'rule', 'created_at', 'flag_id', 'region_code'], unique=False)

    with op.batch_alter_table('household_versions', schema=None) as batch_op:
        batch_op.create_index('ix_household_versions_source_at', ['source', 'at'], unique=False)

    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.create_index('ix_households_region_state', ['region_code', 'verification_state', 'household_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_index('ix_households_region_state')

    with op.batch_alter_table('household_versions', schema=None) as batch_op:
        batch_op.drop_index('ix_household_versions_source_at')

    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.drop_index('ix_flags_rule_order')
        batch_op.drop_index('ix_flags_queue_order')
        batch_op.drop_index('ix_flags_open_counts')

    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_action_at')

    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index('ix_assignments_household_status')

