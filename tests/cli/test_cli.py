"""The `flask crm …` commands."""

from sqlalchemy import func, select

from crm.auth.models import User


def test_create_user_reads_the_password_from_stdin(runner, session):
    result = runner.invoke(
        args=["crm", "create-user", "Kari@Example.no", "--role", "admin", "--password-stdin"],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User).where(User.email == "kari@example.no"))
    assert user.role == "admin"


def test_create_user_refuses_a_short_password_and_writes_nothing(runner, session):
    result = runner.invoke(
        args=["crm", "create-user", "kari@example.no", "--password-stdin"], input="short\n"
    )
    assert result.exit_code == 1
    assert "at least 12" in result.output or "minst 12" in result.output
    assert session.scalar(select(func.count()).select_from(User)) == 0


def test_ensure_admin_creates_one_admin_once_and_prints_the_password(runner, session, app):
    first = runner.invoke(args=["crm", "ensure-admin"])
    assert first.exit_code == 0
    assert "password:" in first.output
    second = runner.invoke(args=["crm", "ensure-admin"])
    assert "password:" not in second.output
    assert session.scalar(select(func.count()).select_from(User)) == 1
    password = first.output.split("password:")[1].split()[0]
    from tests.conftest import post_form

    client = app.test_client()
    response = post_form(
        client, "/auth/login", {"email": "admin@koblingsboks.local", "password": password}
    )
    assert response.status_code == 302
