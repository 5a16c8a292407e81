"""links, imports, establishments, flags

Revision ID: 1f82b76ca2a1
Revises: 3997b04bb5f8
Create Date: 2026-11-27 12:47:26.454801

On SQLite the new foreign keys on meetings and tasks and the unique calendar token on users
rebuild those tables (batch mode); env.py turns foreign keys off around migrations so the
rebuild keeps the rows that refer to them.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1f82b76ca2a1'
down_revision = '3997b04bb5f8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('establishment_stages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=50), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_establishment_stages_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_establishment_stages_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_establishment_stages')),
    sa.UniqueConstraint('key', name=op.f('uq_establishment_stages_key'))
    )
    op.create_table('import_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('filename', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('messages', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_import_runs_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_runs'))
    )
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_runs_kind'), ['kind'], unique=False)

    op.create_table('link_types',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=50), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_link_types_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_link_types_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_types')),
    sa.UniqueConstraint('key', name=op.f('uq_link_types_key')),
    sa.UniqueConstraint('name', name=op.f('uq_link_types_name'))
    )
    op.create_table('import_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('table_name', sa.String(length=50), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('before', sa.JSON(), nullable=False),
    sa.Column('row_number', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['import_runs.id'], name=op.f('fk_import_changes_run_id_import_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_changes'))
    )
    with op.batch_alter_table('import_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_changes_run_id'), ['run_id'], unique=False)

    op.create_table('collaboration_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('link_type_id', sa.Integer(), nullable=False),
    sa.Column('directed', sa.Boolean(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('evidence', sa.String(length=500), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_collaboration_links_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['link_type_id'], ['link_types.id'], name=op.f('fk_collaboration_links_link_type_id_link_types'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['source_id'], ['companies.id'], name=op.f('fk_collaboration_links_source_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_id'], ['companies.id'], name=op.f('fk_collaboration_links_target_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_collaboration_links_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collaboration_links'))
    )
    with op.batch_alter_table('collaboration_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_collaboration_links_link_type_id'), ['link_type_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_collaboration_links_source_id'), ['source_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_collaboration_links_target_id'), ['target_id'], unique=False)

    op.create_table('establishment_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('premises_type', sa.String(length=30), nullable=True),
    sa.Column('area_m2', sa.Integer(), nullable=True),
    sa.Column('expected_jobs', sa.Integer(), nullable=True),
    sa.Column('expected_investment_nok', sa.BigInteger(), nullable=True),
    sa.Column('expected_decision_on', sa.Date(), nullable=True),
    sa.Column('adviser_id', sa.Integer(), nullable=True),
    sa.Column('next_follow_up_on', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('lost_reason', sa.String(length=30), nullable=True),
    sa.Column('lost_to_municipality', sa.String(length=100), nullable=True),
    sa.Column('established_place_id', sa.Integer(), nullable=True),
    sa.Column('established_on', sa.Date(), nullable=True),
    sa.Column('actual_jobs', sa.Integer(), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['adviser_id'], ['users.id'], name=op.f('fk_establishment_cases_adviser_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_establishment_cases_company_id_companies'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_establishment_cases_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['established_place_id'], ['places.id'], name=op.f('fk_establishment_cases_established_place_id_places'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['stage_id'], ['establishment_stages.id'], name=op.f('fk_establishment_cases_stage_id_establishment_stages'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_establishment_cases_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_establishment_cases'))
    )
    with op.batch_alter_table('establishment_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_establishment_cases_adviser_id'), ['adviser_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_establishment_cases_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_establishment_cases_next_follow_up_on'), ['next_follow_up_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_establishment_cases_stage_id'), ['stage_id'], unique=False)

    op.create_table('establishment_case_places',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('place_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['establishment_cases.id'], name=op.f('fk_establishment_case_places_case_id_establishment_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['place_id'], ['places.id'], name=op.f('fk_establishment_case_places_place_id_places'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'place_id', name=op.f('pk_establishment_case_places'))
    )
    op.create_table('establishment_case_strategies',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('strategy_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['establishment_cases.id'], name=op.f('fk_establishment_case_strategies_case_id_establishment_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['strategy_id'], ['strategies.id'], name=op.f('fk_establishment_case_strategies_strategy_id_strategies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'strategy_id', name=op.f('pk_establishment_case_strategies'))
    )
    op.create_table('establishment_stage_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('from_stage_id', sa.Integer(), nullable=True),
    sa.Column('to_stage_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['establishment_cases.id'], name=op.f('fk_establishment_stage_changes_case_id_establishment_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_establishment_stage_changes_changed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['from_stage_id'], ['establishment_stages.id'], name=op.f('fk_establishment_stage_changes_from_stage_id_establishment_stages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['to_stage_id'], ['establishment_stages.id'], name=op.f('fk_establishment_stage_changes_to_stage_id_establishment_stages'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_establishment_stage_changes'))
    )
    with op.batch_alter_table('establishment_stage_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_establishment_stage_changes_case_id'), ['case_id'], unique=False)

    op.create_table('warning_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('raised_by_id', sa.Integer(), nullable=True),
    sa.Column('raised_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('resolved_on', sa.Date(), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_warning_flags_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_warning_flags_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_warning_flags_meeting_id_meetings'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['raised_by_id'], ['users.id'], name=op.f('fk_warning_flags_raised_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_warning_flags_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_warning_flags'))
    )
    with op.batch_alter_table('warning_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_warning_flags_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_warning_flags_resolved_on'), ['resolved_on'], unique=False)

    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('establishment_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_meetings_establishment_id'), ['establishment_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_meetings_establishment_id_establishment_cases'), 'establishment_cases', ['establishment_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('establishment_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_tasks_establishment_id'), ['establishment_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_tasks_establishment_id_establishment_cases'), 'establishment_cases', ['establishment_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar_token_hash', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_users_calendar_token_hash'), ['calendar_token_hash'])


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_calendar_token_hash'), type_='unique')
        batch_op.drop_column('calendar_token_hash')

    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_tasks_establishment_id_establishment_cases'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_tasks_establishment_id'))
        batch_op.drop_column('establishment_id')

    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_meetings_establishment_id_establishment_cases'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_meetings_establishment_id'))
        batch_op.drop_column('establishment_id')

    with op.batch_alter_table('warning_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_warning_flags_resolved_on'))
        batch_op.drop_index(batch_op.f('ix_warning_flags_company_id'))

    op.drop_table('warning_flags')
    with op.batch_alter_table('establishment_stage_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_establishment_stage_changes_case_id'))

    op.drop_table('establishment_stage_changes')
    op.drop_table('establishment_case_strategies')
    op.drop_table('establishment_case_places')
    with op.batch_alter_table('establishment_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_establishment_cases_stage_id'))
        batch_op.drop_index(batch_op.f('ix_establishment_cases_next_follow_up_on'))
        batch_op.drop_index(batch_op.f('ix_establishment_cases_company_id'))
        batch_op.drop_index(batch_op.f('ix_establishment_cases_adviser_id'))

    op.drop_table('establishment_cases')
    with op.batch_alter_table('collaboration_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_collaboration_links_target_id'))
        batch_op.drop_index(batch_op.f('ix_collaboration_links_source_id'))
        batch_op.drop_index(batch_op.f('ix_collaboration_links_link_type_id'))

    op.drop_table('collaboration_links')
    with op.batch_alter_table('import_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_changes_run_id'))

    op.drop_table('import_changes')
    op.drop_table('link_types')
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_runs_kind'))

    op.drop_table('import_runs')
    op.drop_table('establishment_stages')
