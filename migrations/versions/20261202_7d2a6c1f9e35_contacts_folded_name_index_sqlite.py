"""The people list's default sort on SQLite: an index on the people's folded name.

The list sorts by `crm.common.folding.fold(name), id`: `lower(name)` on PostgreSQL, which
7c1e5a9d2b40 indexed as `ix_contacts_name_folded`, and `kb_fold(name)` on SQLite, which had no
index: every request folded all 25,000 names (a call into Python each) and sorted them to keep
50, 20 ms of the page at Lillestrøm's scale. With the index the page's ids are read in index
order. The same name on both databases (crm.common.database.EXPRESSION_INDEXES), as
ix_companies_folded_name. The rowid ends every SQLite index entry, so `id` need not be in it
for the tiebreak, but is written as on PostgreSQL.

A later batch migration of `contacts` on SQLite rebuilds the table from reflection, which
cannot read an expression index: such a migration must create it again.

Revision ID: 7d2a6c1f9e35
Revises: 5a7d3c1e9b80
Create Date: 2026-12-02 14:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "7d2a6c1f9e35"
down_revision = "5a7d3c1e9b80"
branch_labels = None
depends_on = None

NAME = "ix_contacts_name_folded"


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.create_index(NAME, "contacts", [sa.text("kb_fold(name)"), "id"])


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index(NAME, table_name="contacts")
