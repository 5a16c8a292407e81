"""Indexes for the whole country on PostgreSQL (issue 17, part 3): organisations' names for
the list's search and the type-ahead, and organisations by sector.

On PostgreSQL, a trigram GIN index (pg_trgm) on lower(name) for `lower(name) LIKE '%term%'`,
which no btree can serve; it is made when the extension is there (migration 7c1e5a9d2b40
creates it when the database allows), else the search reads every row as before. SQLite folds
through kb_fold and scans its 11,000 rows fast enough. The list's default order walks
ix_companies_folded_name (migration 7c3f9a1e5b20). On both databases: company_sectors by
sector, for the sector filter.

Revision ID: 7c1e9a4b2d60
Revises: 7c3f9a1e5b20
Create Date: 2026-12-02 10:06:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "7c1e9a4b2d60"
down_revision = "7c3f9a1e5b20"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_company_sectors_sector_id", "company_sectors", ["sector_id"])
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    trigrams = bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'"))
    if trigrams.first() is None:
        return
    op.execute(
        "CREATE INDEX ix_companies_name_trgm ON companies USING gin (lower(name) gin_trgm_ops)"
    )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_companies_name_trgm")
    op.drop_index("ix_company_sectors_sector_id", table_name="company_sectors")
