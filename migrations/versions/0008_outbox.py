"""Notices: the outbox, the channels (e-mail server, area robots), escalation contacts, each person's language
and channels, and each area's meeting time

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('area') as batch:
        batch.add_column(sa.Column('meeting_time', sa.Time(), nullable=True))
    with op.batch_alter_table('person') as batch:
        batch.add_column(sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False,
                                   server_default='zh'))
        batch.add_column(sa.Column('notify_email', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column('wecom_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False,
                                   server_default=''))
        batch.add_column(sa.Column('notify_wecom', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table('notifychannel',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('secret', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('sender', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('area_id', 'kind')
    )
    op.create_table('escalationcontact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('area_id', 'level', 'person_id')
    )
    op.create_index(op.f('ix_escalationcontact_area_id'), 'escalationcontact', ['area_id'], unique=False)
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('event_key', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
    sa.Column('event', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=True),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('mentions', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('html', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('next_try_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tries', sa.Integer(), nullable=False),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['issue_id'], ['issue.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    op.create_index(op.f('ix_outbox_event_key'), 'outbox', ['event_key'], unique=False)
    op.create_index(op.f('ix_outbox_issue_id'), 'outbox', ['issue_id'], unique=False)
    op.create_index(op.f('ix_outbox_next_try_at'), 'outbox', ['next_try_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_outbox_next_try_at'), table_name='outbox')
    op.drop_index(op.f('ix_outbox_issue_id'), table_name='outbox')
    op.drop_index(op.f('ix_outbox_event_key'), table_name='outbox')
    op.drop_table('outbox')
    op.drop_index(op.f('ix_escalationcontact_area_id'), table_name='escalationcontact')
    op.drop_table('escalationcontact')
    op.drop_table('notifychannel')
    with op.batch_alter_table('person') as batch:
        batch.drop_column('notify_wecom')
        batch.drop_column('wecom_id')
        batch.drop_column('notify_email')
        batch.drop_column('language')
    with op.batch_alter_table('area') as batch:
        batch.drop_column('meeting_time')
