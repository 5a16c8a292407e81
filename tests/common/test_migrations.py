"""Migrations on a database that holds data: SQLite's table rebuilds keep every row."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from config import TestingConfig
from crm import create_app
from crm.clusters.models import Membership
from crm.establishments.models import EstablishmentCase, Stage
from crm.extensions import db
from crm.history.tracking import WITHOUT_HISTORY
from tests.factories import make_membership

# The last revision before the CHECKs, which rebuild companies, users and nine other tables.
BEFORE_CHECKS = "9c4aa8c32544"
CHECKS = "bebe8f23e706"


def _counts() -> dict[str, int]:
    with db.engine.connect() as connection:
        return {
            table: connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608
            for table in ("companies", "memberships", "establishment_cases", "user_sessions")
        }


def _insert(statement: str) -> int:
    return db.session.execute(sa.text(statement)).scalar_one()


def test_sqlite_rebuilds_keep_the_rows_that_refer_to_the_rebuilt_tables(tmp_path):
    """On SQLite a rebuilt table is dropped; with foreign keys on, the drop would cascade.

    Memberships and user sessions are deleted with their organisation or user (CASCADE), an
    establishment case forbids its organisation's deletion (RESTRICT).
    """
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.sqlite'}")
    with app.app_context():
        upgrade(revision=BEFORE_CHECKS)
        # That schema has no change log yet: these rows are written as an old release wrote them.
        db.session.info[WITHOUT_HISTORY] = True
        # Rows of the tables that later revisions change are written as that revision had them
        # (the models have columns the old tables lack).
        company_id = _insert(
            "INSERT INTO companies (name, kind, description, register_status, is_demo, "
            "created_at, updated_at, version) VALUES ('Bedrift AS', 'company', '', 'active', "
            "false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1) RETURNING id"
        )
        make_membership(db.session, company_id=company_id)
        stage = Stage(key="first_contact", name="Første kontakt", position=1)
        db.session.add(EstablishmentCase(company_id=company_id, stage=stage))
        user_id = _insert(
            "INSERT INTO users (email, name, role, active, password_hash, "
            "must_change_password, created_at) VALUES ('a@lillestrom.kommune.no', 'A', "
            "'editor', true, 'x', false, CURRENT_TIMESTAMP) RETURNING id"
        )
        db.session.execute(
            sa.text(
                "INSERT INTO user_sessions (token_hash, user_id, created_at, last_seen_at) "
                "VALUES ('x', :user, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            {"user": user_id},
        )
        db.session.commit()
        db.session.info.pop(WITHOUT_HISTORY)
        db.session.remove()
        before = _counts()
        assert before == {
            "companies": 1,
            "memberships": 1,
            "establishment_cases": 1,
            "user_sessions": 1,
        }

        upgrade(revision=CHECKS)
        assert _counts() == before
        with db.engine.connect() as connection:
            # The pool hands this connection to the app next: foreign keys must be on again.
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        downgrade(revision=BEFORE_CHECKS)
        assert _counts() == before
        assert db.session.scalar(sa.select(Membership.company_id)) == company_id

        downgrade(revision="base")
        db.engine.dispose()
