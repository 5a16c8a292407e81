"""An index on meetings (starts_at, id): an organisation's timeline walks it newest first to
find a hub's newest meetings without reading a meeting row for each one it passes.

Revision ID: 5c1e9a7d3b28
Revises: 8a2f4c6e1b93
Create Date: 2026-12-02 15:40:00

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "5c1e9a7d3b28"
down_revision = "8a2f4c6e1b93"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_meetings_starts_at_id", "meetings", ["starts_at", "id"])


def downgrade():
    op.drop_index("ix_meetings_starts_at_id", table_name="meetings")
