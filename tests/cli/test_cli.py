"""The `flask crm …` commands."""

from sqlalchemy import func, select

from crm.auth.models import User
from crm.companies.models import Company


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


def test_seed_demo_loads_once_and_if_empty_respects_existing_data(runner, session):
    first = runner.invoke(args=["crm", "seed-demo", "--if-empty"])
    assert first.exit_code == 0, first.output
    assert "Loaded demo data" in first.output
    count = session.scalar(select(func.count()).select_from(Company))
    assert count >= 29  # every actor named in DOMAIN.md
    again = runner.invoke(args=["crm", "seed-demo", "--if-empty"])
    assert "no demo data was loaded" in again.output
    assert session.scalar(select(func.count()).select_from(Company)) == count


def test_generate_fills_a_small_database(runner, session):
    result = runner.invoke(
        args=["crm", "generate", "--companies", "50", "--contacts", "40", "--meetings", "60"]
    )
    assert result.exit_code == 0, result.output
    assert session.scalar(select(func.count()).select_from(Company)) >= 50


def test_generate_refuses_production(runner, monkeypatch):
    monkeypatch.setenv("CRM_ENV", "production")
    result = runner.invoke(args=["crm", "generate", "--companies", "5"])
    assert result.exit_code == 1
    assert "production" in result.output


def test_import_brreg_command_reads_a_register_file(runner, session, tmp_path):
    from tests.imports.brreg_fixtures import tricky_units, write_fixture

    path = tmp_path / "enheter.json.gz"
    write_fixture(path, tricky_units(), fmt="json", gz=True)
    result = runner.invoke(args=["crm", "import-brreg", str(path), "--kommune", "3205"])
    assert result.exit_code == 0, result.output
    assert session.scalar(select(func.count()).select_from(Company)) > 0


def test_import_brreg_command_refuses_a_broken_file(runner, session, tmp_path):
    path = tmp_path / "not-a-register.json"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    result = runner.invoke(args=["crm", "import-brreg", str(path)])
    assert result.exit_code == 1
    assert session.scalar(select(func.count()).select_from(Company)) == 0


def test_seed_reference_creates_the_stages_once(runner, session):
    from crm.establishments.models import Stage

    runner.invoke(args=["crm", "seed-reference"])
    runner.invoke(args=["crm", "seed-reference"])
    assert session.scalar(select(func.count()).select_from(Stage)) == 7
