"""Server-side sign-in sessions, the sign-in throttle, demo accounts, actor names in the audit trail, e-mails
unique whatever their case

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('signinsession',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('keep', sa.Boolean(), nullable=False),
    sa.Column('client', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_index(op.f('ix_signinsession_person_id'), 'signinsession', ['person_id'], unique=False)
    op.create_table('signinfailure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('client', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_signinfailure_at'), 'signinfailure', ['at'], unique=False)
    op.create_index(op.f('ix_signinfailure_client'), 'signinfailure', ['client'], unique=False)
    op.create_index(op.f('ix_signinfailure_username'), 'signinfailure', ['username'], unique=False)
    with op.batch_alter_table('account') as batch:
        batch.add_column(sa.Column('demo', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.drop_column('failed_attempts')
        batch.drop_column('locked_until')
    # the demo's accounts from before this revision: their people carry the demo's mail domain (qr/demo.py)
    op.execute("UPDATE account SET demo = true WHERE person_id IN "
               "(SELECT id FROM person WHERE lower(email) LIKE '%@qr-demo.local')")
    with op.batch_alter_table('auditevent') as batch:
        batch.add_column(sa.Column('actor_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False,
                                   server_default=''))
        batch.add_column(sa.Column('actor_name_en', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False,
                                   server_default=''))
    # the names the actors have now are the best record of what they were called before this revision
    op.execute("UPDATE auditevent SET actor_name = (SELECT name FROM person WHERE person.id = auditevent.actor_id), "
               "actor_name_en = (SELECT CASE WHEN name_en = '' THEN name ELSE name_en END FROM person "
               "WHERE person.id = auditevent.actor_id) WHERE actor_id IS NOT NULL")
    op.create_index('ix_person_email_lower', 'person', [sa.text('lower(email)')], unique=True)


def downgrade() -> None:
    op.drop_index('ix_person_email_lower', table_name='person')
    with op.batch_alter_table('auditevent') as batch:
        batch.drop_column('actor_name_en')
        batch.drop_column('actor_name')
    with op.batch_alter_table('account') as batch:
        batch.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('failed_attempts', sa.Integer(), nullable=False, server_default='0'))
        batch.drop_column('demo')
    op.drop_index(op.f('ix_signinfailure_username'), table_name='signinfailure')
    op.drop_index(op.f('ix_signinfailure_client'), table_name='signinfailure')
    op.drop_index(op.f('ix_signinfailure_at'), table_name='signinfailure')
    op.drop_table('signinfailure')
    op.drop_index(op.f('ix_signinsession_person_id'), table_name='signinsession')
    op.drop_table('signinsession')
