"""Helpers for establishment tests: the default stages and a case with readable defaults."""

from __future__ import annotations

from datetime import UTC, date, datetime

from crm.establishments import services
from crm.establishments.models import EstablishmentCase, Stage
from tests.factories import make_company


def seed(session) -> dict[str, Stage]:
    """The default stages by key."""
    return {stage.key: stage for stage in services.seed_stages(session)}


def make_case(session, **overrides) -> EstablishmentCase:
    """A case in the first stage for a new organisation, opened on 1 March 2025."""
    values = {"opened_on": date(2025, 3, 1), "kind": "new"}
    values.update(overrides)
    if "company_id" not in values and "prospect_name" not in values:
        values["company_id"] = make_company(session).id
    return services.create_case(session, **values)


def at(year: int, month: int, day: int, hour: int = 12) -> datetime:
    """An aware UTC time."""
    return datetime(year, month, day, hour, tzinfo=UTC)
