"""People list: contacts.last_meeting_at kept by triggers (the "last contacted" sort), the folded
name index (the default sort), and the indexes the lists and pages read by.

Revision ID: 7c1e5a9d2b40
Revises: 36d6278cc34e
Create Date: 2026-12-02 10:10:00

"""

from alembic import op
import sqlalchemy as sa

from crm.common.models import UTCDateTime
from crm.contacts import last_met


# revision identifiers, used by Alembic.
revision = "7c1e5a9d2b40"
down_revision = "36d6278cc34e"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (no batch rebuild): SQLite keeps the table and its triggers.
    op.add_column("contacts", sa.Column("last_meeting_at", UTCDateTime(), nullable=True))
    op.create_index("ix_contacts_last_meeting_at", "contacts", ["last_meeting_at"], unique=False)
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # crm.contacts.models.POSTGRES_ONLY_INDEXES: the default sort, lower(name) as folded.
        op.create_index(
            "ix_contacts_name_folded", "contacts", [sa.text("lower(name)"), "id"], unique=False
        )
    last_met.create_triggers(bind)
    last_met.refill(bind)


def downgrade():
    bind = op.get_bind()
    last_met.drop_triggers(bind)
    op.execute("DROP INDEX IF EXISTS ix_contacts_name_folded")
    op.drop_index("ix_contacts_last_meeting_at", table_name="contacts")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("last_meeting_at")
    from crm.search.index import create_triggers

    create_triggers(bind)
