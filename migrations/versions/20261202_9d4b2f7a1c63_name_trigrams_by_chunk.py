"""Organisations by chunk of ids in GIN indexes (PostgreSQL): the organisation list's capped
count of a search stops in the first chunks for a common word, and the search page counts the
organisations' hits and finds the newest of them chunk by chunk.

One GIN index (pg_trgm, on lower(name)) per 2**18 ids: `(id >> 18) = n` for n = 0 … 6 and
`(id >> 18) >= 7` for the rest (crm.companies.queries.NAME_CHUNK_SHIFT and NAME_CHUNKS, which
write the same conditions). The table's own trigram index (ix_companies_name_trgm) stays: the
list's page and the type-ahead read it. Made only where that one is (pg_trgm installed).
The full-text index's organisations the same way (crm.search.index.create_chunk_indexes,
`search_document_1_<n>`). Nothing on SQLite.

Revision ID: 9d4b2f7a1c63
Revises: 3f7b2c9e5a41
Create Date: 2026-12-02 20:50:00

"""

from alembic import op
import sqlalchemy as sa

from crm.search import index


# revision identifiers, used by Alembic.
revision = "9d4b2f7a1c63"
down_revision = "3f7b2c9e5a41"
branch_labels = None
depends_on = None

SHIFT = 18
CHUNKS = 8


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    index.create_chunk_indexes(bind)
    trigrams = bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'"))
    if trigrams.first() is None:
        return
    for n in range(CHUNKS):
        chunk = f"(id >> {SHIFT}) {'=' if n < CHUNKS - 1 else '>='} {n}"
        op.execute(
            f"CREATE INDEX ix_companies_name_trgm_{n} ON companies "
            f"USING gin (lower(name) gin_trgm_ops) WHERE {chunk}"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        index.drop_chunk_indexes(op.get_bind())
        for n in range(CHUNKS):
            op.execute(f"DROP INDEX IF EXISTS ix_companies_name_trgm_{n}")
