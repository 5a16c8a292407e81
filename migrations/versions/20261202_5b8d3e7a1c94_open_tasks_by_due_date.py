"""An index for "my open tasks by due date" (issue 17, part 1): the tasks list's page and the
start page's due tasks read a user's open tasks overdue first, undated last.

Partial (open tasks only: done ones pile up over the years) on the assignee, then the sort
key the list orders by — `due_on IS NULL, due_on, id` — so that both databases walk the index
in order and stop after the page (no sort), and count the groups from it. The condition reads
`done IS false` as the queries write it (`Task.done.is_(False)`): SQLite uses a partial index
only when the query's WHERE names the same term. An expression index, so it is listed in
crm.common.database.EXPRESSION_INDEXES and made here, not by the model.

Revision ID: 5b8d3e7a1c94
Revises: 7c1e9a4b2d60
Create Date: 2026-12-02 14:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "5b8d3e7a1c94"
down_revision = "7c1e9a4b2d60"
branch_labels = None
depends_on = None


def upgrade():
    false = "0" if op.get_bind().dialect.name == "sqlite" else "false"
    op.create_index(
        "ix_tasks_open_by_due",
        "tasks",
        ["assignee_id", sa.text("(due_on IS NULL)"), "due_on", "id"],
        sqlite_where=sa.text(f"done IS {false}"),
        postgresql_where=sa.text(f"done IS {false}"),
    )


def downgrade():
    op.drop_index("ix_tasks_open_by_due", table_name="tasks")
