"""Every feature's models, imported so Alembic and the tests see all tables."""

from crm.auth.models import User, UserSession

__all__ = ["User", "UserSession"]
