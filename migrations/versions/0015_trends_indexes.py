"""Indexes for the trends at plant-group scale: the audit trail by the kind of change (field, entity, entity id),
so the targets moved and the reopenings are read without scanning years of events; the steps by state, so the N/A
ones are read without scanning every step

Revision ID: 0015
Revises: 0014
"""
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_auditevent_field_entity', 'auditevent', ['field', 'entity', 'entity_id'], unique=False)
    op.create_index('ix_issuestep_state', 'issuestep', ['state'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_issuestep_state', table_name='issuestep')
    op.drop_index('ix_auditevent_field_entity', table_name='auditevent')
