"""saved filters

Each list's last filter per user (no name) and named filters, private or shared with the
department; stored as the list's query arguments.

Revision ID: 3e8ceac9247c
Revises: a1c3e5f70b21
Create Date: 2026-12-02 03:26:16.734455

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3e8ceac9247c'
down_revision = 'a1c3e5f70b21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('saved_filters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('list_name', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=True),
    sa.Column('query', sa.Text(), nullable=False),
    sa.Column('shared', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("list_name IN ('companies', 'contacts', 'meetings', 'tasks', 'cases')", name=op.f('ck_saved_filters_list_name')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_saved_filters_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_filters'))
    )
    with op.batch_alter_table('saved_filters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_filters_owner_id'), ['owner_id'], unique=False)



def downgrade():
    with op.batch_alter_table('saved_filters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_filters_owner_id'))

    op.drop_table('saved_filters')
