"""Web sessions end on the server: a session generation per user.

`users.session_generation` (0 for every existing account) is carried in the web
session cookie and changed at sign-out, password change and token revocation or
rotation; a cookie with another number is over. Cookies signed before this revision
carry no number, so everyone signs in to the web pages once more after the upgrade.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 23:04:04.710367
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
