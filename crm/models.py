"""Every feature's models, imported so Alembic and the tests see all tables."""

from crm.auth.models import User, UserSession
from crm.clusters.models import Cluster, Membership
from crm.companies.models import Company, Place, Sector
from crm.contacts.models import Affiliation, Contact
from crm.meetings.models import Meeting
from crm.strategy.models import FocusArea, Strategy, StrategyPeriod
from crm.tasks.models import Task

__all__ = [
    "Affiliation",
    "Cluster",
    "Company",
    "Contact",
    "FocusArea",
    "Meeting",
    "Membership",
    "Place",
    "Sector",
    "Strategy",
    "StrategyPeriod",
    "Task",
    "User",
    "UserSession",
]
