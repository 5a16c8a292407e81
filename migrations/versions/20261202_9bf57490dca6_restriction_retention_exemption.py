"""People can be restricted (GDPR art. 18) and kept at a retention review; meeting notes carry
an exemption ground (offentleglova).

Revision ID: 9bf57490dca6
Revises: ebc0fc0fe318
Create Date: 2026-12-02 06:02:58.954953

"""

import sqlalchemy as sa
from alembic import op

revision = "9bf57490dca6"
down_revision = "ebc0fc0fe318"
branch_labels = None
depends_on = None

EXEMPTIONS = ("offl_13_fvl_13_1_1", "offl_13_fvl_13_1_2", "offl_14", "offl_23_1", "offl_24")


def upgrade():
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("restricted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("restricted_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("restriction_note", sa.String(500), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("retention_kept_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("retention_note", sa.String(500), server_default="", nullable=False)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_contacts_restricted_by_id_users"),
            "users",
            ["restricted_by_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("exemption", sa.String(20), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_meetings_exemption"), sa.column("exemption").in_(EXEMPTIONS)
        )


def downgrade():
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_meetings_exemption"), type_="check")
        batch_op.drop_column("exemption")

    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_contacts_restricted_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("retention_note")
        batch_op.drop_column("retention_kept_on")
        batch_op.drop_column("restriction_note")
        batch_op.drop_column("restricted_by_id")
        batch_op.drop_column("restricted_at")
