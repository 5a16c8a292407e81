"""Every feature's models, imported so Alembic and the tests see all tables."""

from crm.api.models import ApiToken
from crm.auth.models import (
    Invitation,
    OidcIdentity,
    RecoveryCode,
    SignInSettings,
    User,
    UserSession,
)
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
from crm.history.models import ChangeEntry, ChangeRecord
from crm.imports.models import ImportChange, ImportRun, ImportUpload
from crm.indicators.models import IndicatorValue
from crm.lists.models import SavedFilter
from crm.mail.models import SentDigest
from crm.meetings.models import Meeting
from crm.network.models import CollaborationLink, LinkType
from crm.plans.models import ActionPlan, Measure
from crm.register.models import FlagRule
from crm.strategy.models import FocusArea, Strategy, StrategyPeriod
from crm.tasks.models import Task
from crm.trash.models import TrashItem

__all__ = [
    "ActionPlan",
    "Affiliation",
    "ApiToken",
    "ChangeEntry",
    "ChangeRecord",
    "ChecklistAnswer",
    "ChecklistItem",
    "Cluster",
    "CollaborationLink",
    "Company",
    "Contact",
    "ContactAccess",
    "EstablishmentCase",
    "FlagRule",
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
    "OidcIdentity",
    "Place",
    "RecoveryCode",
    "RegisterPoint",
    "SavedFilter",
    "Sector",
    "SentDigest",
    "SignInSettings",
    "Stage",
    "StageChange",
    "Strategy",
    "StrategyPeriod",
    "Task",
    "TrashItem",
    "User",
    "UserSession",
    "WarningFlag",
]
