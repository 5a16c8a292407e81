"""meeting remembers the organisation it was logged from

A follow-up task goes to that organisation unless the adviser chooses another of the
meeting's organisations (it went to the first by name before).

Revision ID: 8250e40dfd00
Revises: bebe8f23e706
Create Date: 2026-12-01 23:46:48.121924

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8250e40dfd00'
down_revision = 'bebe8f23e706'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('logged_from_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_meetings_logged_from_id'), ['logged_from_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_meetings_logged_from_id_companies'), 'companies', ['logged_from_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_meetings_logged_from_id_companies'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_meetings_logged_from_id'))
        batch_op.drop_column('logged_from_id')
