"""Learning across issues: repeats linked to the issue they repeat, the lessons library, read-across targets

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

from qr import similar

BATCH = 2000

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('issue') as batch:
        batch.add_column(sa.Column('repeat_of_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('repeat_checked', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column('similarity_key', sa.Text(), server_default='', nullable=False))
        batch.create_foreign_key('fk_issue_repeat_of_id_issue', 'issue', ['repeat_of_id'], ['id'])
        batch.create_index(batch.f('ix_issue_part_number'), ['part_number'], unique=False)
    _fill_similarity_keys()
    op.create_table('lesson',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('part_number', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('process', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('problem', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('root_cause', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('what_changed', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('documents', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['issue_id'], ['issue.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('issue_id')
    )
    op.create_index(op.f('ix_lesson_part_number'), 'lesson', ['part_number'], unique=False)
    op.create_table('readacrosstarget',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('target', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
    sa.Column('evidence', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('settled_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['issue_id'], ['issue.id'], ),
    sa.ForeignKeyConstraint(['owner_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_readacrosstarget_issue_id'), 'readacrosstarget', ['issue_id'], unique=False)


def _fill_similarity_keys() -> None:
    """Every issue already on record gets its description's similarity key, in batches of ids."""
    bind = op.get_bind()
    issue = sa.table('issue', sa.column('id', sa.Integer), sa.column('description', sa.String),
                     sa.column('similarity_key', sa.Text))
    last = 0
    while rows := bind.execute(sa.select(issue.c.id, issue.c.description).where(issue.c.id > last)
                               .order_by(issue.c.id).limit(BATCH)).all():
        bind.execute(issue.update().where(issue.c.id == sa.bindparam('ident')).values(similarity_key=sa.bindparam('key')),
                     [{'ident': ident, 'key': similar.signature(text)} for ident, text in rows])
        last = rows[-1][0]


def downgrade() -> None:
    op.drop_index(op.f('ix_readacrosstarget_issue_id'), table_name='readacrosstarget')
    op.drop_table('readacrosstarget')
    op.drop_index(op.f('ix_lesson_part_number'), table_name='lesson')
    op.drop_table('lesson')
    with op.batch_alter_table('issue') as batch:
        batch.drop_index(batch.f('ix_issue_part_number'))
        batch.drop_constraint('fk_issue_repeat_of_id_issue', type_='foreignkey')
        batch.drop_column('similarity_key')
        batch.drop_column('repeat_checked')
        batch.drop_column('repeat_of_id')
