"""Every feature's models, imported so Alembic and the tests see all tables."""

from crm.auth.models import Invitation, User, UserSession
from crm.clusters.models import Cluster, Membership
from crm.companies.models import Company, Place, RegisterPoint, Sector
from crm.contacts.models import Affiliation, Contact, ContactAccess
from crm.establishments.models import (
    ChecklistAnswer,
    ChecklistItem,
    EstablishmentCase,
    Stage,
    StageChange,
    WarningFlag,
)
from crm.imports.models import ImportChange, ImportRun, ImportUpload
from crm.indicators.models import IndicatorValue
from crm.lists.models import SavedFilter
from crm.mail.models import SentDigest
from crm.meetings.models import Meeting
from crm.network.models import CollaborationLink, LinkType
from crm.plans.models import ActionPlan, Measure
from crm.strategy.models import FocusArea, Strategy, StrategyPeriod
from crm.tasks.models import Task

__all__ = [
    "ActionPlan",
    "Affiliation",
    "ChecklistAnswer",
    "ChecklistItem",
    "Cluster",
    "CollaborationLink",
    "Company",
    "Contact",
    "ContactAccess",
    "EstablishmentCase",
    "FocusArea",
    "ImportChange",
    "ImportRun",
    "ImportUpload",
    "IndicatorValue",
    "Invitation",
    "LinkType",
    "Measure",
    "Meeting",
    "Membership",
    "Place",
    "RegisterPoint",
    "SavedFilter",
    "Sector",
    "SentDigest",
    "Stage",
    "StageChange",
    "Strategy",
    "StrategyPeriod",
    "Task",
    "User",
    "UserSession",
    "WarningFlag",
]
