"""A meeting's time is optional: has_time is false when only the date was given.

Revision ID: ebc0fc0fe318
Revises: 3e8ceac9247c
Create Date: 2026-12-02 03:05:23.334910

"""

import sqlalchemy as sa
from alembic import op

revision = "ebc0fc0fe318"
down_revision = "3e8ceac9247c"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("has_time", sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_column("has_time")
