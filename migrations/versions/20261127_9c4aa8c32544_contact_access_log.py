"""contact access log

Revision ID: 9c4aa8c32544
Revises: 1f82b76ca2a1
Create Date: 2026-11-27 14:26:28.738619

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9c4aa8c32544'
down_revision = '1f82b76ca2a1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('contact_access_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('detail', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_contact_access_log_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_access_log'))
    )
    with op.batch_alter_table('contact_access_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_access_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_access_log_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_access_log_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('contact_access_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_access_log_user_id'))
        batch_op.drop_index(batch_op.f('ix_contact_access_log_contact_id'))
        batch_op.drop_index(batch_op.f('ix_contact_access_log_at'))

    op.drop_table('contact_access_log')
