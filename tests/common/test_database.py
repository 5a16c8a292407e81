"""The database: SQLite pragmas, one migration head, models and migrations agree."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from crm.extensions import db


def test_sqlite_connections_enforce_foreign_keys_wal_and_busy_timeout(app, session):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas; this run uses " + db.engine.dialect.name)
    connection = session.connection()
    assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


def test_foreign_keys_refuse_an_orphan(session):
    with pytest.raises(sa.exc.IntegrityError):
        session.execute(
            sa.text(
                "INSERT INTO user_sessions (token_hash, user_id, created_at, last_seen_at) "
                "VALUES ('x', 999999, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
        session.flush()
    session.rollback()


def test_migrations_have_one_head(app):
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, heads


def test_models_match_the_migrations(app, session):
    """What `flask db check` checks: autogenerate finds nothing left to do."""
    configure_args = app.extensions["migrate"].configure_args
    context = MigrationContext.configure(
        session.connection(), opts={"compare_type": True, **configure_args}
    )
    assert compare_metadata(context, db.metadata) == []
