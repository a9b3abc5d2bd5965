"""Retired template steps: a step no longer given to new issues (the issues that have it keep it)

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('templatestep') as batch:
        batch.add_column(sa.Column('retired_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('templatestep') as batch:
        batch.drop_column('retired_on')
