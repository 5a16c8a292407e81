"""Reads for the change page: one register run's changes, counted and listed by category."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.common.pagination import paginate
from crm.companies.models import Company
from crm.establishments.models import WarningFlag
from crm.imports.models import ImportChange, ImportKind, ImportRun
from crm.register.rules import Category


def get_register_run(session: Session, run_id: int) -> ImportRun | None:
    """A register import run, or None (also for spreadsheet runs: they have no change page)."""
    run = session.get(ImportRun, run_id)
    return run if run is not None and run.kind == ImportKind.BRREG.value else None


def category_counts(session: Session, run_id: int) -> dict[str, int]:
    """How many changes of each category the run made (every category, zero included)."""
    rows = session.execute(
        select(ImportChange.category, func.count())
        .where(ImportChange.run_id == run_id, ImportChange.category.is_not(None))
        .group_by(ImportChange.category)
    )
    counts = dict.fromkeys((c.value for c in Category), 0)
    counts.update({category: count for category, count in rows})
    return counts


def flag_counts(session: Session, run_id: int) -> dict[str, int]:
    """How many warnings the run raised, per rule."""
    rows = session.execute(
        select(WarningFlag.register_rule, func.count())
        .where(WarningFlag.run_id == run_id)
        .group_by(WarningFlag.register_rule)
    )
    return {rule: count for rule, count in rows if rule}


def list_changes(
    session: Session,
    *,
    run_id: int,
    category: str | None,
    field: str | None,
    page: int,
    per_page: int,
) -> tuple[SelectPagination, dict[int, Company]]:
    """One page of the run's changes (filtered), and the organisations they concern by id."""
    query = select(ImportChange).where(
        ImportChange.run_id == run_id,
        ImportChange.table_name == "companies",
        ImportChange.category.is_not(None),
    )
    if category:
        query = query.where(ImportChange.category == category)
    if field:
        query = query.where(ImportChange.fields.contains(f",{field},", autoescape=True))
    query = query.order_by(ImportChange.category, ImportChange.id)
    pagination = paginate(session, query, page=page, per_page=per_page)
    ids = sorted({change.record_id for change in pagination.items})
    companies = (
        {c.id: c for c in session.scalars(select(Company).where(Company.id.in_(ids)))}
        if ids
        else {}
    )
    return pagination, companies


@dataclass(frozen=True)
class NewFlag:
    """A warning the register raised on one of an adviser's organisations."""

    company_id: int
    company_name: str
    severity: str
    rule: str
    fields: dict


def new_register_flags(
    session: Session, *, user_id: int, after: date | None, today: date
) -> list[NewFlag]:
    """Open register warnings on the adviser's organisations raised after `after`, up to today.

    `after` is the day of the adviser's last digest; without one, the last week counts.
    """
    since = after if after is not None else today - timedelta(days=7)
    rows = session.execute(
        select(
            WarningFlag.company_id,
            Company.name,
            WarningFlag.severity,
            WarningFlag.register_rule,
            WarningFlag.register_fields,
        )
        .join(Company, Company.id == WarningFlag.company_id)
        .where(
            Company.responsible_id == user_id,
            WarningFlag.register_rule.is_not(None),
            WarningFlag.resolved_on.is_(None),
            WarningFlag.raised_on > since,
            WarningFlag.raised_on <= today,
        )
        .order_by(WarningFlag.severity, Company.name, WarningFlag.id)
    )
    return [NewFlag(*row[:4], row[4] or {}) for row in rows]
