"""The initial schema: the tables of release 0.1, made before migrations existed.

A database that release made with `create_all` is stamped with this revision and then
upgraded (see `server.store.migrate`). Frozen: it must never import `tables.py`, whose
later shape would otherwise leak back into it.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('audit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', sa.String(length=40), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('target_kind', sa.String(length=32), nullable=True),
    sa.Column('target_id', sa.String(length=64), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('audit_id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_target', ['target_kind', 'target_id'], unique=False)

    op.create_table('changes',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('entity_id', sa.String(length=64), nullable=False),
    sa.Column('household_id', sa.String(length=40), nullable=False),
    sa.Column('enumerator_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_changes'))
    )
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.create_index('ix_changes_enumerator', ['enumerator_id', 'seq'], unique=False)
        batch_op.create_index('ix_changes_household', ['household_id', 'seq'], unique=False)
        batch_op.create_index('ix_changes_kind_entity', ['kind', 'entity_id'], unique=False)

    op.create_table('flags',
    sa.Column('flag_id', sa.String(length=36), nullable=False),
    sa.Column('household_id', sa.String(length=40), nullable=False),
    sa.Column('region_code', sa.String(length=10), nullable=False),
    sa.Column('survey_id', sa.String(length=36), nullable=True),
    sa.Column('rule', sa.String(length=32), nullable=False),
    sa.Column('severity', sa.String(length=8), nullable=False),
    sa.Column('path', sa.String(length=200), nullable=True),
    sa.Column('registry_value', sa.Text(), nullable=True),
    sa.Column('field_value', sa.Text(), nullable=True),
    sa.Column('other_value', sa.Text(), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.String(length=40), nullable=False),
    sa.Column('resolved_by', sa.String(length=64), nullable=True),
    sa.Column('resolved_at', sa.String(length=40), nullable=True),
    sa.Column('resolution_note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('flag_id', name=op.f('pk_flags'))
    )
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.create_index('ix_flags_household', ['household_id', 'status'], unique=False)
        batch_op.create_index('ix_flags_status_region', ['status', 'region_code'], unique=False)
        batch_op.create_index('ix_flags_status_rule', ['status', 'rule'], unique=False)
        batch_op.create_index('ix_flags_survey', ['survey_id'], unique=False)

    op.create_table('households',
    sa.Column('household_id', sa.String(length=40), nullable=False),
    sa.Column('region_code', sa.String(length=10), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('verification_state', sa.String(length=16), nullable=False),
    sa.Column('verification_survey_id', sa.String(length=36), nullable=True),
    sa.Column('verification_at', sa.String(length=40), nullable=True),
    sa.Column('updated_at', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('household_id', name=op.f('pk_households'))
    )
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_households_region_code'), ['region_code'], unique=False)

    op.create_table('meta',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_meta'))
    )
    op.create_table('users',
    sa.Column('user_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=128), nullable=True),
    sa.Column('password_hash', sa.String(length=256), nullable=True),
    sa.Column('active', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.String(length=40), nullable=False),
    sa.Column('revoked_at', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_users')),
    sa.UniqueConstraint('name', name=op.f('uq_users_name')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_users_token_hash'))
    )
    op.create_table('assignments',
    sa.Column('assignment_id', sa.String(length=36), nullable=False),
    sa.Column('household_id', sa.String(length=40), nullable=False),
    sa.Column('enumerator_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.String(length=40), nullable=False),
    sa.Column('updated_at', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['enumerator_id'], ['users.user_id'], name=op.f('fk_assignments_enumerator_id_users')),
    sa.ForeignKeyConstraint(['household_id'], ['households.household_id'], name=op.f('fk_assignments_household_id_households')),
    sa.PrimaryKeyConstraint('assignment_id', name=op.f('pk_assignments'))
    )
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index('ix_assignments_enumerator', ['enumerator_id', 'status'], unique=False)
        batch_op.create_index('ix_assignments_household', ['household_id'], unique=False)

    op.create_table('devices',
    sa.Column('device_id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('first_seen_at', sa.String(length=40), nullable=False),
    sa.Column('last_push_at', sa.String(length=40), nullable=True),
    sa.Column('last_pull_at', sa.String(length=40), nullable=True),
    sa.Column('pending_reported', sa.Integer(), nullable=True),
    sa.Column('agent_version', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.user_id'], name=op.f('fk_devices_user_id_users')),
    sa.PrimaryKeyConstraint('device_id', name=op.f('pk_devices'))
    )
    op.create_table('household_versions',
    sa.Column('household_id', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('source_id', sa.String(length=64), nullable=True),
    sa.Column('actor', sa.String(length=64), nullable=True),
    sa.Column('at', sa.String(length=40), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.household_id'], name=op.f('fk_household_versions_household_id_households')),
    sa.PrimaryKeyConstraint('household_id', 'version', name=op.f('pk_household_versions'))
    )
    op.create_table('members',
    sa.Column('household_id', sa.String(length=40), nullable=False),
    sa.Column('member_id', sa.String(length=40), nullable=False),
    sa.Column('nik', sa.String(length=16), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.household_id'], name=op.f('fk_members_household_id_households')),
    sa.PrimaryKeyConstraint('household_id', 'member_id', name=op.f('pk_members'))
    )
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_members_nik'), ['nik'], unique=False)

    op.create_table('surveys',
    sa.Column('survey_id', sa.String(length=36), nullable=False),
    sa.Column('household_id', sa.String(length=40), nullable=False),
    sa.Column('enumerator_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.String(length=64), nullable=False),
    sa.Column('device_seq', sa.Integer(), nullable=False),
    sa.Column('base_version', sa.Integer(), nullable=True),
    sa.Column('parent_survey_id', sa.String(length=36), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('completed_at', sa.String(length=40), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('result', sa.Text(), nullable=False),
    sa.Column('superseded_by', sa.String(length=36), nullable=True),
    sa.Column('received_at', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['enumerator_id'], ['users.user_id'], name=op.f('fk_surveys_enumerator_id_users')),
    sa.PrimaryKeyConstraint('survey_id', name=op.f('pk_surveys'))
    )
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_surveys_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_surveys_parent_survey_id'), ['parent_survey_id'], unique=False)

    op.create_table('user_regions',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('region_prefix', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.user_id'], name=op.f('fk_user_regions_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', 'region_prefix', name=op.f('pk_user_regions'))
    )


def downgrade() -> None:
    op.drop_table('user_regions')
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_surveys_parent_survey_id'))
        batch_op.drop_index(batch_op.f('ix_surveys_household_id'))

    op.drop_table('surveys')
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_members_nik'))

    op.drop_table('members')
    op.drop_table('household_versions')
    op.drop_table('devices')
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index('ix_assignments_household')
        batch_op.drop_index('ix_assignments_enumerator')

    op.drop_table('assignments')
    op.drop_table('users')
    op.drop_table('meta')
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_households_region_code'))

    op.drop_table('households')
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.drop_index('ix_flags_survey')
        batch_op.drop_index('ix_flags_status_rule')
        batch_op.drop_index('ix_flags_status_region')
        batch_op.drop_index('ix_flags_household')

    op.drop_table('flags')
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.drop_index('ix_changes_kind_entity')
        batch_op.drop_index('ix_changes_household')
        batch_op.drop_index('ix_changes_enumerator')

    op.drop_table('changes')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_target')

    op.drop_table('audit_log')
