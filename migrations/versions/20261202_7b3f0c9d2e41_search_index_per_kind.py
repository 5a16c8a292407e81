"""The search index on PostgreSQL: one partial GIN index per kind instead of one for the table,
and an index on people's folded names for the type-ahead's prefix matches.

Revision ID: 7b3f0c9d2e41
Revises: b7e3f1a9c2d4
Create Date: 2026-12-02 10:05:00

Why, and how the search reads them: crm/search/index.py and crm/search/queries.py. SQLite's
FTS5 index is not changed (it seeks a kind's range of ids in its own lists). The names' index
(`lower(name) text_pattern_ops`, so `LIKE 'han%'` can use it under any collation) serves
`suggest_contacts`; its name starts with `search_` like every object of the search, which
autogenerate leaves out (crm.search.index.include_name).
"""

from alembic import op

from crm.search import index

revision = "7b3f0c9d2e41"
down_revision = "b7e3f1a9c2d4"
branch_labels = None
depends_on = None

NAMES = f"{index.PREFIX}contacts_name_prefix"


def upgrade():
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        index.create_kind_indexes(connection)
        op.execute(f"CREATE INDEX {NAMES} ON contacts (lower(name) text_pattern_ops)")


def downgrade():
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        op.execute(f"DROP INDEX {NAMES}")
        index.drop_kind_indexes(connection)
