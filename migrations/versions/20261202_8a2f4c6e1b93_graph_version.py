"""The graph's version: one row that every committed write to the tables the network is built
from gives a new random value, kept by triggers (crm.network.version), instead of a fingerprint
of counts and sums over fourteen tables worked out on every network request.

Revision ID: 8a2f4c6e1b93
Revises: 7d2a6c1f9e35
Create Date: 2026-12-02 15:10:00

"""

from alembic import op

from crm.network import version


# revision identifiers, used by Alembic.
revision = "8a2f4c6e1b93"
down_revision = "7d2a6c1f9e35"
branch_labels = None
depends_on = None


def upgrade():
    version.create(op.get_bind())


def downgrade():
    version.drop(op.get_bind())
