"""Plants above areas: a plant table, and every area in a plant — the existing ones in a default plant
(code from QR_PLANT_CODE, else PLANT; named 本厂 / Plant, renamed on the admin page)

Revision ID: 0010
Revises: 0009
"""
import os

from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def _text(length: int):
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    plant = op.create_table(
        'plant',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', _text(20), nullable=False),
        sa.Column('name_zh', _text(100), nullable=False),
        sa.Column('name_en', _text(100), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code'),
    )
    with op.batch_alter_table('area') as batch:
        batch.add_column(sa.Column('plant_id', sa.Integer(), nullable=True))
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT count(*) FROM area")).scalar():   # an empty database gets its plant at first start
        code = (os.environ.get("QR_PLANT_CODE") or "PLANT").strip()[:20] or "PLANT"
        op.bulk_insert(plant, [{'code': code, 'name_zh': '本厂', 'name_en': 'Plant'}])
        plant_id = bind.execute(sa.text("SELECT id FROM plant WHERE code = :code"), {"code": code}).scalar()
        bind.execute(sa.text("UPDATE area SET plant_id = :plant_id"), {"plant_id": plant_id})
    with op.batch_alter_table('area') as batch:
        batch.alter_column('plant_id', existing_type=sa.Integer(), nullable=False)
        batch.create_index(batch.f('ix_area_plant_id'), ['plant_id'], unique=False)
        batch.create_foreign_key('fk_area_plant_id_plant', 'plant', ['plant_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('area') as batch:
        batch.drop_constraint('fk_area_plant_id_plant', type_='foreignkey')
        batch.drop_index(batch.f('ix_area_plant_id'))
        batch.drop_column('plant_id')
    op.drop_table('plant')
