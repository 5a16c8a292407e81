"""Fixtures: the app on the test database (SQLite by default, TEST_DATABASE_URL otherwise)."""

from __future__ import annotations

import contextvars
import os
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import downgrade, upgrade

from config import TestingConfig
from crm import create_app
from crm.extensions import db, limiter
from tests.factories import DEFAULT_PASSWORD, make_user

IN_CI = os.environ.get("CI", "").lower() == "true"


def require_service(reachable: bool, reason: str) -> None:
    """Skip with a reason on a user's machine; fail in CI, where every service must be there."""
    if reachable:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing service is a failure, not a skip)")
    pytest.skip(reason)


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        engine = sa.create_engine(url)
        try:
            with engine.connect():
                pass
        except sa.exc.OperationalError as error:
            require_service(False, f"TEST_DATABASE_URL cannot be reached: {error.orig}")
        finally:
            engine.dispose()
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


class IsolatedClient(FlaskClient):
    """A test client whose requests get their own app context, `g` and database session.

    The tests hold an app context for their own session; without this, every request would
    share it (and `g`, where Flask-WTF caches the CSRF token), which no real request does.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


def _drop_everything() -> None:
    """Leave the database as we found it: no tables of ours, no Alembic version."""
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One app for the session; the schema is built by the real migrations."""
    application = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=_database_url(tmp_path_factory))
    application.test_client_class = IsolatedClient
    with application.app_context():
        _drop_everything()
        upgrade()
    yield application
    with application.app_context():
        db.session.remove()
        downgrade(revision="base")
        _drop_everything()
        db.engine.dispose()


@pytest.fixture
def session(app: Flask) -> Iterator:
    """The ORM session inside an app context; every table is emptied afterwards."""
    with app.app_context():
        yield db.session
        db.session.rollback()
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())


@pytest.fixture
def client(app: Flask, session) -> FlaskClient:
    """A test client; CSRF protection and rate limits stay on, as in production."""
    limiter.reset()
    return app.test_client()


@pytest.fixture
def runner(app: Flask, session):
    """The CLI runner for `flask crm …` commands."""
    return app.test_cli_runner()


_CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'name="csrf_token" value="([^"]+)"'
)


def csrf_token(client: FlaskClient, path: str = "/auth/login") -> str:
    """The CSRF token of the form on `path`, read as a browser would."""
    html = client.get(path).get_data(as_text=True)
    match = _CSRF_RE.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def post_form(client: FlaskClient, path: str, data: dict, *, form_page: str | None = None):
    """POST a form with the CSRF token taken from the page that shows it."""
    token = csrf_token(client, form_page or path)
    return client.post(path, data={**data, "csrf_token": token})


@pytest.fixture
def login(client: FlaskClient, session) -> Callable:
    """Create a user with `role` and sign in through the real form."""

    def _login(role: str = "editor", **overrides):
        user = make_user(session, role=role, **overrides)
        session.commit()
        response = post_form(
            client, "/auth/login", {"email": user.email, "password": DEFAULT_PASSWORD}
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return _login


@pytest.fixture
def count_queries(session) -> Callable[[], AbstractContextManager[list[str]]]:
    """`with count_queries() as statements:` collects the SQL run inside the block.

    List pages prove they have no N+1 by running as many statements for 30 rows as for 3.
    """

    @contextmanager
    def counting() -> Iterator[list[str]]:
        statements: list[str] = []

        def record(_connection, _cursor, statement, *_args) -> None:
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)

    return counting
