"""The search index on PostgreSQL: one partial GIN index per kind instead of one for the table.

Revision ID: 7b3f0c9d2e41
Revises: 36d6278cc34e
Create Date: 2026-12-02 10:05:00

Why, and how the search reads them: crm/search/index.py and crm/search/queries.py. SQLite's
FTS5 index is not changed (it seeks a kind's range of ids in its own lists).
"""

from alembic import op

from crm.search import index

revision = "7b3f0c9d2e41"
down_revision = "36d6278cc34e"
branch_labels = None
depends_on = None


def upgrade():
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        index.create_kind_indexes(connection)


def downgrade():
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        index.drop_kind_indexes(connection)
