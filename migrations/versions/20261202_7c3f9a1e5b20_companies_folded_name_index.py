"""An index on the organisations' folded name, so the list's default sort reads 50 rows, not all.

The list sorts by `crm.common.folding.fold(name)`: `kb_fold(name)` on SQLite (a call into
Python per row), `lower(name)` on PostgreSQL. Without an index every request folded and sorted
all 11,000 names (13 ms of SQLite's CPU per page at Lillestrøm's scale); with it, the first
page is read in index order. The id is the sort's tiebreak, so it is in the index too.

Alembic cannot reflect an expression index on SQLite, so the index is not declared on the model;
`crm.common.database.include_name` keeps autogenerate from proposing to drop it on PostgreSQL.
A later batch migration of `companies` on SQLite rebuilds the table from reflection and would
lose it: such a migration must create it again.

Revision ID: 7c3f9a1e5b20
Revises: 7c1e5a9d2b40
Create Date: 2026-12-02 10:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "7c3f9a1e5b20"
down_revision = "7c1e5a9d2b40"
branch_labels = None
depends_on = None

NAME = "ix_companies_folded_name"


def upgrade():
    fold = "kb_fold" if op.get_bind().dialect.name == "sqlite" else "lower"
    op.create_index(NAME, "companies", [sa.text(f"{fold}(name)"), "id"])


def downgrade():
    op.drop_index(NAME, table_name="companies")
