"""The lists' reference data's version: one row that every committed write to places, sectors,
clusters, users, stages and strategies gives a new random value, kept by triggers
(crm.common.reference), so that each process caches the filter forms' choices until it changes.

Revision ID: 3f7b2c9e5a41
Revises: 3e8b6d2f9a51
Create Date: 2026-12-02 21:00:00

"""

from alembic import op

from crm.common.reference import REFERENCE


# revision identifiers, used by Alembic.
revision = "3f7b2c9e5a41"
down_revision = "3e8b6d2f9a51"
branch_labels = None
depends_on = None


def upgrade():
    REFERENCE.create(op.get_bind())


def downgrade():
    REFERENCE.drop(op.get_bind())
