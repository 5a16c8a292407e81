"""The full-text search index (SQLite FTS5 / PostgreSQL tsvector), its triggers, and its first fill.

Revision ID: 5e4c1d2a9b7f
Revises: 3d8797d3ec5f
Create Date: 2026-12-02 06:20:00

The index's tables and triggers are described in crm/search/index.py, which later migrations
also call (a batch ALTER on SQLite drops a table's triggers; see there).
"""

from alembic import op

from crm.search import index

revision = "5e4c1d2a9b7f"
down_revision = "3d8797d3ec5f"
branch_labels = None
depends_on = None


def upgrade():
    connection = op.get_bind()
    index.create_index(connection)
    index.refill(connection)


def downgrade():
    index.drop_index(op.get_bind())
