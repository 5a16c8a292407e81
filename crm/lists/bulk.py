"""Bulk actions on the rows chosen on a list: one transaction through the features' services.

Every row is checked and changed in the caller's transaction; the first refusal (a row deleted
meanwhile, an organisation already a member …) is raised naming the row, and the route rolls
the whole change back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import LazyString, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from crm.clusters.models import Cluster
from crm.clusters.services import add_membership
from crm.common.dates import local_today
from crm.common.errors import DomainError
from crm.companies.models import Company, Place, Sector
from crm.companies.services import update_company
from crm.contacts.models import Contact
from crm.history.models import ChangeKind
from crm.history.tracking import change_action
from crm.lists.models import ListName
from crm.tasks.models import Task
from crm.tasks.services import set_task_done, update_task

# What an action asks for before the confirmation: nothing, or one of these.
CLUSTER, PLACE, SECTOR, USER, DUE_DATE, FORMAT = (
    "cluster",
    "place",
    "sector",
    "user",
    "due_date",
    "format",
)


@dataclass(frozen=True)
class Action:
    """One bulk action: its label, what it asks for, the question and what it does."""

    label: LazyString
    needs: str | None
    question: Callable[[int, str], str]
    done: Callable[[int, str], str]
    run: Callable[[Session, Sequence[Any], Any], None] | None = None  # None: an export


def _refuse(name: str, error: DomainError) -> DomainError:
    return DomainError(
        None, _l("%(name)s: %(message)s Nothing was changed.", name=name, message=error.message)
    )


def _each(rows: Sequence[Any], change: Callable[[Any], None], name: Callable[[Any], str]) -> None:
    for row in rows:
        try:
            change(row)
        except DomainError as error:
            raise _refuse(name(row), error) from error


def _add_to_cluster(session: Session, rows: Sequence[Company], cluster: Cluster) -> None:
    today = local_today()
    _each(
        rows,
        lambda c: add_membership(session, cluster=cluster, company_id=c.id, joined_on=today),
        lambda c: c.name,
    )


def _set_place(session: Session, rows: Sequence[Company], place: Place) -> None:
    _each(
        rows,
        lambda c: update_company(session, company=c, version=c.version, place_id=place.id),
        lambda c: c.name,
    )


def _add_sector(session: Session, rows: Sequence[Company], sector: Sector) -> None:
    def change(company: Company) -> None:
        ids = [s.id for s in company.sectors]
        if sector.id not in ids:
            update_company(
                session, company=company, version=company.version, sector_ids=[*ids, sector.id]
            )

    _each(rows, change, lambda c: c.name)


def _set_responsible(session: Session, rows: Sequence[Company], user_id: int) -> None:
    _each(
        rows,
        lambda c: update_company(session, company=c, version=c.version, responsible_id=user_id),
        lambda c: c.name,
    )


def _mark_done(session: Session, rows: Sequence[Task], _value: None) -> None:
    _each(rows, lambda t: set_task_done(session, task=t, done=True), lambda t: t.title)


def _change_task(session: Session, task: Task, **changes: Any) -> None:
    values = {
        "title": task.title,
        "description": task.description,
        "due_on": task.due_on,
        "assignee_id": task.assignee_id,
        "company_id": task.company_id,
        **changes,
    }
    update_task(session, task=task, version=task.version, **values)


def _reassign(session: Session, rows: Sequence[Task], user_id: int) -> None:
    _each(rows, lambda t: _change_task(session, t, assignee_id=user_id), lambda t: t.title)


def _move_due(session: Session, rows: Sequence[Task], due_on: date) -> None:
    _each(rows, lambda t: _change_task(session, t, due_on=due_on), lambda t: t.title)


ACTIONS: dict[ListName, dict[str, Action]] = {
    ListName.COMPANIES: {
        "add_to_cluster": Action(
            _l("Add to a cluster"),
            CLUSTER,
            lambda n, t: ngettext(
                "Add %(num)d organisation to %(target)s?",
                "Add %(num)d organisations to %(target)s?",
                n,
                target=t,
            ),
            lambda n, t: ngettext(
                "%(num)d organisation was added to %(target)s.",
                "%(num)d organisations were added to %(target)s.",
                n,
                target=t,
            ),
            _add_to_cluster,
        ),
        "set_place": Action(
            _l("Set the place"),
            PLACE,
            lambda n, t: ngettext(
                "Set the place of %(num)d organisation to %(target)s?",
                "Set the place of %(num)d organisations to %(target)s?",
                n,
                target=t,
            ),
            lambda n, t: ngettext(
                "%(num)d organisation now has the place %(target)s.",
                "%(num)d organisations now have the place %(target)s.",
                n,
                target=t,
            ),
            _set_place,
        ),
        "add_sector": Action(
            _l("Add a sector"),
            SECTOR,
            lambda n, t: ngettext(
                "Add the sector %(target)s to %(num)d organisation?",
                "Add the sector %(target)s to %(num)d organisations?",
                n,
                target=t,
            ),
            lambda n, t: ngettext(
                "%(num)d organisation now has the sector %(target)s.",
                "%(num)d organisations now have the sector %(target)s.",
                n,
                target=t,
            ),
            _add_sector,
        ),
        "set_responsible": Action(
            _l("Assign a relationship manager"),
            USER,
            lambda n, t: ngettext(
                "Make %(target)s relationship manager of %(num)d organisation?",
                "Make %(target)s relationship manager of %(num)d organisations?",
                n,
                target=t,
            ),
            lambda n, t: ngettext(
                "%(target)s is now relationship manager of %(num)d organisation.",
                "%(target)s is now relationship manager of %(num)d organisations.",
                n,
                target=t,
            ),
            _set_responsible,
        ),
        "export": Action(
            _l("Export the selection"),
            FORMAT,
            lambda n, t: ngettext(
                "Export %(num)d organisation as %(target)s?",
                "Export %(num)d organisations as %(target)s?",
                n,
                target=t,
            ),
            lambda _n, _t: "",
        ),
    },
    ListName.TASKS: {
        "mark_done": Action(
            _l("Mark as done"),
            None,
            lambda n, t: ngettext(
                "Mark %(num)d task as done?", "Mark %(num)d tasks as done?", n, target=t
            ),
            lambda n, t: ngettext("%(num)d task is done.", "%(num)d tasks are done.", n, target=t),
            _mark_done,
        ),
        "reassign": Action(
            _l("Assign to someone else"),
            USER,
            lambda n, t: ngettext(
                "Assign %(num)d task to %(target)s?",
                "Assign %(num)d tasks to %(target)s?",
                n,
                target=t,
            ),
            lambda n, t: ngettext(
                "%(num)d task is now assigned to %(target)s.",
                "%(num)d tasks are now assigned to %(target)s.",
                n,
                target=t,
            ),
            _reassign,
        ),
        "move_due": Action(
            _l("Move the due date"),
            DUE_DATE,
            lambda n, t: ngettext(
                "Move the due date of %(num)d task to %(target)s?",
                "Move the due date of %(num)d tasks to %(target)s?",
                n,
                target=t,
            ),
            lambda n, t: ngettext(
                "%(num)d task is now due %(target)s.",
                "%(num)d tasks are now due %(target)s.",
                n,
                target=t,
            ),
            _move_due,
        ),
    },
    ListName.CONTACTS: {
        "export": Action(
            _l("Export the selection"),
            FORMAT,
            lambda n, t: ngettext(
                "Export %(num)d person as %(target)s?",
                "Export %(num)d people as %(target)s?",
                n,
                target=t,
            ),
            lambda _n, _t: "",
        ),
    },
}

_MODELS = {ListName.COMPANIES: Company, ListName.TASKS: Task, ListName.CONTACTS: Contact}


def run_action(session: Session, action: Action, rows: Sequence[Any], value: Any) -> None:
    """Run a bulk action; its changes are recorded in the change log as one bulk action."""
    with change_action(session, ChangeKind.BULK):
        action.run(session, rows, value)
        session.flush()


def load_rows(session: Session, list_name: ListName, ids: Sequence[int]) -> list[Any]:
    """The chosen rows in the order chosen; a DomainError when any no longer exists."""
    model = _MODELS[list_name]
    query = select(model).where(model.id.in_(list(ids)))
    if model is Company:
        query = query.options(selectinload(Company.sectors))
    found = {row.id: row for row in session.scalars(query)}
    missing = len(ids) - len(found)
    if missing:
        raise DomainError(
            None,
            ngettext(
                "%(num)d of the chosen rows was deleted meanwhile. Nothing was changed: "
                "choose the rows again.",
                "%(num)d of the chosen rows were deleted meanwhile. Nothing was changed: "
                "choose the rows again.",
                missing,
            ),
        )
    return [found[i] for i in ids]


def row_name(row: Any) -> str:
    """How a chosen row is named on the confirmation page."""
    return row.title if isinstance(row, Task) else row.name


def describe_empty() -> str:
    """The message for a bulk action with no row chosen."""
    return _("Choose at least one row first.")
