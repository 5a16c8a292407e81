"""CHECK constraints on every coded column (kind, status, role, severity, outcome, …)

Revision ID: bebe8f23e706
Revises: 9c4aa8c32544
Create Date: 2026-12-01 23:46:22.000000

The values are written out here, not imported from the models' enums: a migration records the
schema as it was at this step, and an enum that gains a member later needs a migration of its
own (tests/common/test_coded_columns.py fails until it has one).

On SQLite each table is rebuilt (batch mode); env.py turns foreign keys off around migrations,
or the rebuild's DROP TABLE would delete the rows that refer to the table.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'bebe8f23e706'
down_revision = '9c4aa8c32544'
branch_labels = None
depends_on = None


CHECKS = {
    "users": {"role": ("reader", "editor", "admin")},
    "companies": {
        "kind": (
            "company",
            "research",
            "education",
            "public",
            "cluster_organisation",
            "incubator",
            "venue",
            "other",
        ),
        "register_status": ("active", "under_liquidation", "bankrupt", "deleted"),
        "industry_standard": ("SN2007", "SN2025"),
    },
    "clusters": {
        "kind": ("cluster", "network", "programme"),
        "programme_level": ("none", "arena", "arena_pro", "nce", "gce"),
    },
    "memberships": {
        "role": ("member", "partner", "facilitator", "board", "founding_member"),
    },
    "meetings": {
        "kind": ("meeting", "visit", "phone", "workshop", "conference", "email"),
    },
    "establishment_stages": {"outcome": ("open", "established", "lost", "on_hold")},
    "establishment_cases": {
        "kind": ("new", "expansion", "relocation", "retention"),
        "premises_type": ("office", "industry_logistics", "laboratory", "retail", "other"),
        "lost_reason": ("other_municipality", "no_site", "project_stopped", "other"),
    },
    "warning_flags": {
        "severity": ("red", "yellow"),
        "kind": (
            "moving_or_closing",
            "downsizing",
            "expanding",
            "labour_shortage",
            "premises",
            "regulatory",
            "supplier",
            "other",
        ),
    },
    "import_runs": {
        "kind": ("brreg", "organisations", "contacts", "merge"),
        "status": ("running", "finished", "failed", "reverted"),
    },
    "import_changes": {"action": ("created", "updated")},
    "contact_access_log": {"action": ("viewed", "exported", "erased", "listed_in_export")},
}


def upgrade():
    for table, columns in CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, values in columns.items():
                batch_op.create_check_constraint(
                    op.f(f"ck_{table}_{column}"), sa.column(column).in_(values)
                )


def downgrade():
    for table, columns in reversed(CHECKS.items()):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_constraint(op.f(f"ck_{table}_{column}"), type_="check")
