"""The strategy report's stored sets: each strategy's own bit (strategies.bit) and each
meeting's set of strategies as a mask of those bits (meetings.strategy_mask), kept by triggers
(crm.meetings.strategy_sets), and the index the report reads them by.

Revision ID: 5a7d3c1e9b80
Revises: 5b8d3e7a1c94
Create Date: 2026-12-02 14:30:00

"""

from alembic import op
import sqlalchemy as sa

from crm.meetings import strategy_sets


# revision identifiers, used by Alembic.
revision = "5a7d3c1e9b80"
down_revision = "5b8d3e7a1c94"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN and CREATE INDEX (no batch rebuild): SQLite keeps both tables and their
    # triggers (the search index's, last_met's).
    op.add_column("strategies", sa.Column("bit", sa.SmallInteger(), nullable=True))
    op.create_index("ix_strategies_bit", "strategies", ["bit"], unique=True)
    op.add_column(
        "meetings",
        sa.Column("strategy_mask", sa.BigInteger(), server_default="0", nullable=False),
    )
    op.create_index(
        "ix_meetings_strategy_set", "meetings", ["starts_at", "strategy_mask", "id"], unique=False
    )
    bind = op.get_bind()
    # Bits and masks first, then the triggers (each bit given would recompute its meetings).
    strategy_sets.refill(bind)
    strategy_sets.TRIGGERS.create(bind)


def downgrade():
    bind = op.get_bind()
    strategy_sets.TRIGGERS.drop(bind)
    op.drop_index("ix_meetings_strategy_set", table_name="meetings")
    op.drop_index("ix_strategies_bit", table_name="strategies")
    # A plain DROP COLUMN on SQLite too (3.35 and later), not a batch rebuild: renaming the
    # rebuilt meetings table fails while other tables' triggers (last_met's) name it.
    for table, column in (("meetings", "strategy_mask"), ("strategies", "bit")):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
