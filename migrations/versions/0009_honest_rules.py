"""Rules that keep the board honest: each step's original target, its moves and a move waiting for approval;
verified exits (the owner's claim with evidence, the quality engineer's verification or return); people's
functions and the functions an area's meeting needs; the 2-hour rule's name says the plant responds

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# The first move after the issue was opened keeps the target it was opened with; moves made while opening it
# (the same moment as its creation) are part of that plan, not moves.
_MOVES = ("FROM auditevent a WHERE a.entity = 'step' AND a.field = 'target_on' AND a.entity_id = issuestep.id "
          "AND a.at > (SELECT i.created_at FROM issue i WHERE i.id = issuestep.issue_id)")


def _text(length: int):
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    with op.batch_alter_table('issuestep') as batch:
        batch.add_column(sa.Column('original_target_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('target_moves', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('move_requested_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('move_reason', _text(500), nullable=False, server_default=''))
        batch.add_column(sa.Column('move_requested_by_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('claimed_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('evidence', _text(2000), nullable=False, server_default=''))
        batch.add_column(sa.Column('claimed_by_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('verified_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('verified_by_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('return_reason', _text(500), nullable=False, server_default=''))
        batch.create_foreign_key('fk_issuestep_move_requested_by_id_person', 'person', ['move_requested_by_id'],
                                 ['id'])
        batch.create_foreign_key('fk_issuestep_claimed_by_id_person', 'person', ['claimed_by_id'], ['id'])
        batch.create_foreign_key('fk_issuestep_verified_by_id_person', 'person', ['verified_by_id'], ['id'])
    first_old = f"(SELECT a.old {_MOVES} ORDER BY a.id LIMIT 1)"
    if op.get_bind().dialect.name != "sqlite":        # SQLite keeps dates as ISO text: a cast would make a number
        first_old = f"CAST({first_old} AS DATE)"
    op.execute(f"UPDATE issuestep SET original_target_on = COALESCE({first_old}, target_on), "
               f"target_moves = (SELECT COUNT(*) {_MOVES})")
    with op.batch_alter_table('issuestep') as batch:
        batch.alter_column('original_target_on', existing_type=sa.Date(), nullable=False)
    with op.batch_alter_table('person') as batch:
        batch.add_column(sa.Column('function', _text(20), nullable=False, server_default=''))
    with op.batch_alter_table('area') as batch:
        batch.add_column(sa.Column('required_functions', _text(200), nullable=False, server_default=''))
    with op.batch_alter_table('meeting') as batch:
        batch.add_column(sa.Column('required_functions', _text(200), nullable=False, server_default=''))
    with op.batch_alter_table('meetingattendance') as batch:
        batch.add_column(sa.Column('function', _text(20), nullable=False, server_default=''))
    # "客户确认" read as the customer confirming; the rule is the plant's response to the customer
    for table in ('responserule', 'responseclock'):
        op.execute(f"UPDATE {table} SET name_zh = '响应客户' WHERE code = 'ack' AND name_zh = '客户确认'")


def downgrade() -> None:
    for table in ('responserule', 'responseclock'):
        op.execute(f"UPDATE {table} SET name_zh = '客户确认' WHERE code = 'ack' AND name_zh = '响应客户'")
    with op.batch_alter_table('meetingattendance') as batch:
        batch.drop_column('function')
    with op.batch_alter_table('meeting') as batch:
        batch.drop_column('required_functions')
    with op.batch_alter_table('area') as batch:
        batch.drop_column('required_functions')
    with op.batch_alter_table('person') as batch:
        batch.drop_column('function')
    with op.batch_alter_table('issuestep') as batch:
        batch.drop_constraint('fk_issuestep_verified_by_id_person', type_='foreignkey')
        batch.drop_constraint('fk_issuestep_claimed_by_id_person', type_='foreignkey')
        batch.drop_constraint('fk_issuestep_move_requested_by_id_person', type_='foreignkey')
        for column in ('return_reason', 'verified_by_id', 'verified_on', 'claimed_by_id', 'evidence', 'claimed_on',
                       'move_requested_by_id', 'move_reason', 'move_requested_on', 'target_moves',
                       'original_target_on'):
            batch.drop_column(column)
