"""organisation relationship manager

The adviser who keeps in touch with an organisation ("kontaktansvarlig"); emptied when the
user is deleted.

Revision ID: a1c3e5f70b21
Revises: a2e9c373b2e3
Create Date: 2026-12-02 03:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1c3e5f70b21'
down_revision = 'a2e9c373b2e3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('companies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('responsible_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_companies_responsible_id'), ['responsible_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_companies_responsible_id_users'), 'users', ['responsible_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('companies', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_companies_responsible_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_companies_responsible_id'))
        batch_op.drop_column('responsible_id')
