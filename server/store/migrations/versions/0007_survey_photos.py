"""Survey photos: which survey names which photo, and whether its bytes have arrived.

The bytes themselves are files in the blob store (`server/store/blobs.py`), named by
their SHA-256; this table is what the database knows of them (docs/protocol.md §5).
Surveys stored before this revision name no photos: nothing to fill in.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 03:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'survey_photos',
        sa.Column('survey_id', sa.String(length=36), nullable=False),
        sa.Column('photo_id', sa.String(length=64), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('taken_at', sa.String(length=40), nullable=False),
        sa.Column('bytes', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.String(length=40), nullable=False),
        sa.Column('received_at', sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(['survey_id'], ['surveys.survey_id'],
                                name='fk_survey_photos_survey_id_surveys'),
        sa.PrimaryKeyConstraint('survey_id', 'photo_id', name='pk_survey_photos'),
    )
    op.create_index('ix_survey_photos_photo', 'survey_photos', ['photo_id'])
    op.create_index('ix_survey_photos_household', 'survey_photos',
                    ['household_id', 'received_at'])


def downgrade() -> None:
    op.drop_index('ix_survey_photos_household', table_name='survey_photos')
    op.drop_index('ix_survey_photos_photo', table_name='survey_photos')
    op.drop_table('survey_photos')
