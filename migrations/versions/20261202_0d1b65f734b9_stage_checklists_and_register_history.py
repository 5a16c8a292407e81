"""Stage checklists (items per stage, answers per case) and the register history of organisations

Revision ID: 0d1b65f734b9
Revises: a1c3e5f70b21
Create Date: 2026-12-02 03:04:31.456312

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0d1b65f734b9'
down_revision = 'a1c3e5f70b21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('checklist_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_checklist_items_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['stage_id'], ['establishment_stages.id'], name=op.f('fk_checklist_items_stage_id_establishment_stages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_checklist_items_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklist_items'))
    )
    with op.batch_alter_table('checklist_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checklist_items_stage_id'), ['stage_id'], unique=False)

    op.create_table('register_points',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('observed_on', sa.Date(), nullable=False),
    sa.Column('employees', sa.Integer(), nullable=True),
    sa.Column('register_status', sa.String(length=20), nullable=True),
    sa.Column('address', sa.String(length=400), nullable=True),
    sa.Column('industry_code', sa.String(length=10), nullable=True),
    sa.CheckConstraint("register_status IN ('active', 'under_liquidation', 'bankrupt', 'deleted')", name=op.f('ck_register_points_register_status')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_register_points_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['import_runs.id'], name=op.f('fk_register_points_run_id_import_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_register_points'))
    )
    with op.batch_alter_table('register_points', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_register_points_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_register_points_run_id'), ['run_id'], unique=False)

    op.create_table('checklist_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_checklist_answers_answered_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['case_id'], ['establishment_cases.id'], name=op.f('fk_checklist_answers_case_id_establishment_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['checklist_items.id'], name=op.f('fk_checklist_answers_item_id_checklist_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_checklist_answers_meeting_id_meetings'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklist_answers')),
    sa.UniqueConstraint('case_id', 'item_id', name=op.f('uq_checklist_answers_case_id'))
    )
    with op.batch_alter_table('checklist_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checklist_answers_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_checklist_answers_item_id'), ['item_id'], unique=False)



def downgrade():
    with op.batch_alter_table('checklist_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checklist_answers_item_id'))
        batch_op.drop_index(batch_op.f('ix_checklist_answers_case_id'))

    op.drop_table('checklist_answers')
    with op.batch_alter_table('register_points', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_register_points_run_id'))
        batch_op.drop_index(batch_op.f('ix_register_points_company_id'))

    op.drop_table('register_points')
    with op.batch_alter_table('checklist_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checklist_items_stage_id'))

    op.drop_table('checklist_items')
