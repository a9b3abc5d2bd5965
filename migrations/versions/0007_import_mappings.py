"""import mappings and cancelled issues

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 09:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('importmapping',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shape', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('saved_by_id', sa.Integer(), nullable=True),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['saved_by_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('shape')
    )
    with op.batch_alter_table('issue') as batch_op:
        batch_op.add_column(sa.Column('cancelled', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('issue') as batch_op:
        batch_op.drop_column('cancelled')
    op.drop_table('importmapping')
