"""Configuration refuses to run production without its secrets."""

import pytest

from config import ConfigError, ProductionConfig
from crm import create_app


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL"])
def test_production_refuses_to_start_without(monkeypatch, missing):
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@127.0.0.1/x")
    monkeypatch.delenv(missing)
    with pytest.raises(ConfigError, match=missing):
        create_app(ProductionConfig)


def test_production_refuses_a_short_secret_key(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "short")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@127.0.0.1/x")
    with pytest.raises(ConfigError, match="at least 32"):
        create_app(ProductionConfig)


def test_unknown_environment_name_is_refused(monkeypatch):
    from config import config_from_env

    monkeypatch.setenv("CRM_ENV", "staging")
    with pytest.raises(ConfigError, match="staging"):
        config_from_env()
