"""The change log (changes, change_records) and the trash: every change to every record, and
deleted records kept with what hung on them until restored or emptied.

Revision ID: 36d6278cc34e
Revises: 5e4c1d2a9b7f
Create Date: 2026-12-02 06:30:39.354258

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '36d6278cc34e'
down_revision = "5e4c1d2a9b7f"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('request_id', sa.String(length=32), nullable=True),
    sa.Column('table_name', sa.String(length=63), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('erased', sa.Boolean(), nullable=False),
    sa.CheckConstraint("action IN ('create', 'update', 'delete', 'merge', 'bulk', 'import', 'trash', 'restore', 'purge')", name=op.f('ck_changes_action')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_changes_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_changes'))
    )
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_changes_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_changes_request_id'), ['request_id'], unique=False)
        batch_op.create_index('ix_changes_table_name_record_id', ['table_name', 'record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_changes_user_id'), ['user_id'], unique=False)

    op.create_table('trash',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('table_name', sa.String(length=63), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_by_id', sa.Integer(), nullable=True),
    sa.Column('rows', sa.JSON(), nullable=False),
    sa.Column('pointers', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['deleted_by_id'], ['users.id'], name=op.f('fk_trash_deleted_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trash'))
    )
    with op.batch_alter_table('trash', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trash_deleted_at'), ['deleted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_trash_table_name'), ['table_name'], unique=False)

    op.create_table('change_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('change_id', sa.Integer(), nullable=False),
    sa.Column('table_name', sa.String(length=63), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.CheckConstraint("role IN ('self', 'reference', 'member')", name=op.f('ck_change_records_role')),
    sa.ForeignKeyConstraint(['change_id'], ['changes.id'], name=op.f('fk_change_records_change_id_changes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_records'))
    )
    with op.batch_alter_table('change_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_change_records_change_id'), ['change_id'], unique=False)
        batch_op.create_index('ix_change_records_table_name_record_id', ['table_name', 'record_id'], unique=False)



def downgrade():
    with op.batch_alter_table('change_records', schema=None) as batch_op:
        batch_op.drop_index('ix_change_records_table_name_record_id')
        batch_op.drop_index(batch_op.f('ix_change_records_change_id'))

    op.drop_table('change_records')
    with op.batch_alter_table('trash', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trash_table_name'))
        batch_op.drop_index(batch_op.f('ix_trash_deleted_at'))

    op.drop_table('trash')
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_changes_user_id'))
        batch_op.drop_index('ix_changes_table_name_record_id')
        batch_op.drop_index(batch_op.f('ix_changes_request_id'))
        batch_op.drop_index(batch_op.f('ix_changes_at'))

    op.drop_table('changes')
