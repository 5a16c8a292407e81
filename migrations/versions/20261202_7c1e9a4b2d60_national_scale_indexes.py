"""Indexes for the whole country on PostgreSQL (issue 17, part 3): organisations by folded
name (the list's default order and its search, the type-ahead) and by sector.

On PostgreSQL: a btree on lower(name), id, which the list walks in its order and stops after a
page instead of sorting 1.8 million rows, and a trigram GIN index (pg_trgm) on lower(name) for
`lower(name) LIKE '%term%'`, which no btree can serve. SQLite folds through kb_fold and scans
its 11,000 rows fast enough, so both are PostgreSQL only (crm.common.database.include_name keeps
them out of `flask db check`). On both: company_sectors by sector, for the sector filter.

Revision ID: 7c1e9a4b2d60
Revises: 36d6278cc34e
Create Date: 2026-12-02 10:06:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "7c1e9a4b2d60"
down_revision = "36d6278cc34e"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_company_sectors_sector_id", "company_sectors", ["sector_id"])
    if op.get_bind().dialect.name != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE INDEX ix_companies_name_folded ON companies (lower(name), id)")
    op.execute(
        "CREATE INDEX ix_companies_name_trgm ON companies USING gin (lower(name) gin_trgm_ops)"
    )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_companies_name_trgm")
        op.execute("DROP INDEX IF EXISTS ix_companies_name_folded")
    op.drop_index("ix_company_sectors_sector_id", table_name="company_sectors")
