"""The meeting's start on its links to organisations (meeting_companies.starts_at), kept by
triggers (crm.meetings.company_starts), and the index an organisation's timeline reads its
newest meetings from: (company_id, starts_at, meeting_id).

Revision ID: 3e8b6d2f9a51
Revises: 5c1e9a7d3b28
Create Date: 2026-12-02 20:45:00

"""

from alembic import op
import sqlalchemy as sa

from crm.common.models import UTCDateTime
from crm.meetings import company_starts


# revision identifiers, used by Alembic.
revision = "3e8b6d2f9a51"
down_revision = "5c1e9a7d3b28"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN and CREATE INDEX (no batch rebuild): SQLite keeps the table and the
    # other triggers on it (the graph's version).
    op.add_column(
        "meeting_companies",
        sa.Column(
            "starts_at",
            UTCDateTime(),
            server_default=company_starts.PLACEHOLDER_START,
            nullable=False,
        ),
    )
    # The index before the starts are copied: on PostgreSQL the copy leaves the graph
    # version's deferred trigger events pending, and no index can be made on the table then.
    op.create_index(
        "ix_meeting_companies_company_starts",
        "meeting_companies",
        ["company_id", "starts_at", "meeting_id"],
        unique=False,
    )
    bind = op.get_bind()
    # The starts, then the triggers (which would check every row copied).
    company_starts.refill(bind)
    company_starts.TRIGGERS.create(bind)


def downgrade():
    bind = op.get_bind()
    company_starts.TRIGGERS.drop(bind)
    op.drop_index("ix_meeting_companies_company_starts", table_name="meeting_companies")
    # A plain DROP COLUMN on SQLite too (3.35 and later), not a batch rebuild: renaming a
    # rebuilt table fails while other tables' triggers name it.
    op.execute("ALTER TABLE meeting_companies DROP COLUMN starts_at")
