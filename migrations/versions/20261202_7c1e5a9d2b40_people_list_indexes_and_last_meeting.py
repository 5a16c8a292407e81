"""People list: contacts.last_meeting_at kept by triggers (the "last contacted" sort), the folded
name index (the default sort), and the indexes the lists and pages read by.

Revision ID: 7c1e5a9d2b40
Revises: 7b3f0c9d2e41
Create Date: 2026-12-02 10:10:00

"""

from alembic import op
import sqlalchemy as sa

from crm.common.models import UTCDateTime
from crm.contacts import last_met


# revision identifiers, used by Alembic.
revision = "7c1e5a9d2b40"
down_revision = "7b3f0c9d2e41"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (no batch rebuild): SQLite keeps the table and its triggers.
    op.add_column("contacts", sa.Column("last_meeting_at", UTCDateTime(), nullable=True))
    op.create_index("ix_contacts_last_meeting_at", "contacts", ["last_meeting_at"], unique=False)
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # crm.common.database.EXPRESSION_INDEXES: the default sort, lower(name) as folded.
        op.create_index(
            "ix_contacts_name_folded", "contacts", [sa.text("lower(name)"), "id"], unique=False
        )
        _trigram_indexes(bind)
    last_met.TRIGGERS.create(bind)
    last_met.refill(bind)


# The lists' searches (crm.common.folding.contains: lower(column) LIKE '%term%') read these
# instead of every row's text; counting 2,900 of 60,000 meetings read all their notes.
TRIGRAM_INDEXES = (
    ("ix_meetings_title_trgm", "meetings", "title"),
    ("ix_meetings_notes_trgm", "meetings", "notes"),
    ("ix_contacts_name_trgm", "contacts", "name"),
    ("ix_contacts_email_trgm", "contacts", "email"),
)


def _trigram_indexes(bind):
    """pg_trgm's GIN indexes, when the extension can be had (trusted since PostgreSQL 13)."""
    available = bind.execute(
        sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
    ).first()
    if available is None:
        return
    with bind.begin_nested() as savepoint:
        try:
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        except sa.exc.DBAPIError:
            # No right to create it: the searches read every row, as before.
            savepoint.rollback()
            return
    for name, table, column in TRIGRAM_INDEXES:
        op.execute(f"CREATE INDEX {name} ON {table} USING gin (lower({column}) gin_trgm_ops)")


def downgrade():
    bind = op.get_bind()
    last_met.TRIGGERS.drop(bind)
    op.execute("DROP INDEX IF EXISTS ix_contacts_name_folded")
    for name, _table, _column in TRIGRAM_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.drop_index("ix_contacts_last_meeting_at", table_name="contacts")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("last_meeting_at")
    from crm.search.index import create_triggers

    create_triggers(bind)
