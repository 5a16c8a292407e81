"""The trash's index of the people its snapshots hold (trash_people), filled from the snapshots
already in the trash: a restricted person's entries are hidden, and an erasure finds them.

Revision ID: b7e3f1a9c2d4
Revises: 36d6278cc34e
Create Date: 2026-12-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b7e3f1a9c2d4"
down_revision = "36d6278cc34e"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "trash_people",
        sa.Column("trash_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("restricted", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["trash_id"], ["trash.id"], name=op.f("fk_trash_people_trash_id_trash"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("trash_id", "contact_id", name=op.f("pk_trash_people")),
    )
    with op.batch_alter_table("trash_people", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trash_people_contact_id"), ["contact_id"], unique=False)
    _fill(op.get_bind())


def _fill(bind) -> None:
    """Index the snapshots in the trash: contacts.id and every column with a key to it."""
    inspector = sa.inspect(bind)
    columns = {"contacts": ["id"]}
    for table in inspector.get_table_names():
        for key in inspector.get_foreign_keys(table):
            if key["referred_table"] == "contacts":
                columns.setdefault(table, []).extend(key["constrained_columns"])
    trash = sa.table("trash", sa.column("id", sa.Integer), sa.column("rows", sa.JSON))
    people = sa.table(
        "trash_people",
        sa.column("trash_id", sa.Integer),
        sa.column("contact_id", sa.Integer),
        sa.column("restricted", sa.Boolean),
    )
    for trash_id, rows in bind.execute(sa.select(trash.c.id, trash.c.rows)).all():
        found: dict[int, bool] = {}
        for row in rows or []:
            values = row["values"]
            for column in columns.get(row["table"], []):
                if values.get(column) is None:
                    continue
                restricted = row["table"] == "contacts" and values.get("restricted_at") is not None
                found[values[column]] = found.get(values[column], False) or restricted
        if found:
            bind.execute(
                sa.insert(people),
                [
                    {"trash_id": trash_id, "contact_id": contact_id, "restricted": restricted}
                    for contact_id, restricted in sorted(found.items())
                ],
            )


def downgrade():
    with op.batch_alter_table("trash_people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trash_people_contact_id"))
    op.drop_table("trash_people")
