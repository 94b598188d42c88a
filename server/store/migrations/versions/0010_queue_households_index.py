"""The review queue by household reads its flags from one covering index.

Grouping a province's open flags by household read each flag's row for its household id
(235,000 row reads at 1,000,000 households); with (status, region_code, household_id,
severity, created_at) the grouping reads the index alone. Missing photos are found from a
partial index of the rows still waiting for bytes, not by visiting every household of the
region.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 18:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_flags_queue_households", "flags",
                    ["status", "region_code", "household_id", "severity", "created_at"])
    op.create_index("ix_survey_photos_missing", "survey_photos", ["household_id"],
                    sqlite_where=sa.text("received_at IS NULL"),
                    postgresql_where=sa.text("received_at IS NULL"))


def downgrade() -> None:
    op.drop_index("ix_survey_photos_missing", table_name="survey_photos")
    op.drop_index("ix_flags_queue_households", table_name="flags")
