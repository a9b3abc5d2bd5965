"""Customers: their complaints, response rules, deliveries; disposition, acceptance and follow-up dimensions

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

# 0004 left the rule's (category, code) constraint unnamed: SQLite's copy of the table gets it named this way
_SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _old_rule_constraint() -> str:
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        return 'uq_responserule_category_id'
    found = [c['name'] for c in sa.inspect(bind).get_unique_constraints('responserule')
             if c['column_names'] == ['category_id', 'code']]
    return found[0]


def upgrade() -> None:
    op.create_table('customer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('name_zh', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('name_en', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('site', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('customerdelivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('customer_id', 'month')
    )
    op.create_index(op.f('ix_customerdelivery_customer_id'), 'customerdelivery', ['customer_id'], unique=False)
    old_constraint = _old_rule_constraint()
    with op.batch_alter_table('responserule', naming_convention=_SQLITE_NAMES) as batch:
        batch.drop_constraint(old_constraint, type_='unique')
        batch.alter_column('category_id', existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column('customer_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('working_time', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.create_foreign_key('fk_responserule_customer_id_customer', 'customer', ['customer_id'], ['id'])
        batch.create_index(batch.f('ix_responserule_customer_id'), ['customer_id'], unique=False)
    with op.batch_alter_table('issue') as batch:
        batch.add_column(sa.Column('customer_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('supplier', sqlmodel.sql.sqltypes.AutoString(length=100), server_default='',
                                   nullable=False))
        batch.add_column(sa.Column('defect_quantity', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('disposition', sqlmodel.sql.sqltypes.AutoString(length=10), server_default='',
                                   nullable=False))
        batch.add_column(sa.Column('disposition_reason', sqlmodel.sql.sqltypes.AutoString(length=500),
                                   server_default='', nullable=False))
        batch.add_column(sa.Column('responsibility', sqlmodel.sql.sqltypes.AutoString(length=10), server_default='',
                                   nullable=False))
        batch.add_column(sa.Column('supplier_8d_requested_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('charge_back', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column('awaiting_acceptance', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column('accepted_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('accepted_by', sqlmodel.sql.sqltypes.AutoString(length=100), server_default='',
                                   nullable=False))
        batch.add_column(sa.Column('accepted_how', sqlmodel.sql.sqltypes.AutoString(length=10), server_default='',
                                   nullable=False))
        batch.add_column(sa.Column('unsolved_flag', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.create_foreign_key('fk_issue_customer_id_customer', 'customer', ['customer_id'], ['id'])
        batch.create_index(batch.f('ix_issue_customer_id'), ['customer_id'], unique=False)
    # the default "supplier" source was a customer kind; a supplier's problem is the plant's own for the Q-chart
    op.execute("UPDATE category SET kind = 'supplier' WHERE code = 'supplier' AND kind = 'external'")
    with op.batch_alter_table('followup') as batch:
        batch.alter_column('closed_on', existing_type=sa.Date(), nullable=True)
        batch.add_column(sa.Column('speed', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('solving', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('attitude', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('followup') as batch:
        batch.drop_column('attitude')
        batch.drop_column('solving')
        batch.drop_column('speed')
    with op.batch_alter_table('issue') as batch:
        batch.drop_index(batch.f('ix_issue_customer_id'))
        batch.drop_constraint('fk_issue_customer_id_customer', type_='foreignkey')
        for column in ('unsolved_flag', 'accepted_how', 'accepted_by', 'accepted_on', 'awaiting_acceptance',
                       'charge_back', 'supplier_8d_requested_on', 'responsibility', 'disposition_reason',
                       'disposition', 'defect_quantity', 'supplier', 'customer_id'):
            batch.drop_column(column)
    with op.batch_alter_table('responserule') as batch:
        batch.drop_index(batch.f('ix_responserule_customer_id'))
        batch.drop_constraint('fk_responserule_customer_id_customer', type_='foreignkey')
        batch.drop_column('working_time')
        batch.drop_column('customer_id')
        batch.alter_column('category_id', existing_type=sa.Integer(), nullable=False)
        batch.create_unique_constraint('uq_responserule_category_id', ['category_id', 'code'])
    op.drop_index(op.f('ix_customerdelivery_customer_id'), table_name='customerdelivery')
    op.drop_table('customerdelivery')
    op.drop_table('customer')
