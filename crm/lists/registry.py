"""The lists that remember their filters: where each one is and how its filters are checked."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session

from crm.common.dates import local_today
from crm.lists.labels import LIST_NAME
from crm.lists.models import ListName

# Arguments every list reads besides its filter form's fields; a list checks them itself.
PASSED_ON = ("sort", "per_page")


@dataclass(frozen=True)
class ListSpec:
    """One list: its page, its filter form, and the arguments it reads."""

    name: ListName
    endpoint: str
    filter_form: Callable[[Session, Mapping[str, str]], FlaskForm]
    fields: tuple[str, ...]

    @property
    def title(self) -> str:
        """The list's name as the pages show it."""
        return LIST_NAME.label(self.name.value)

    @property
    def keys(self) -> tuple[str, ...]:
        """Every query argument the list reads (page excluded: a filter starts on page one)."""
        return (*self.fields, *PASSED_ON)


def _companies(session: Session, args: Mapping[str, str]) -> FlaskForm:
    from crm.companies.filters import company_filter_form

    return company_filter_form(session, args, user_id=current_user.id)[0]


def _contacts(session: Session, args: Mapping[str, str]) -> FlaskForm:
    from crm.contacts.filters import contact_filter_form

    return contact_filter_form(session, args)[0]


def _meetings(session: Session, args: Mapping[str, str]) -> FlaskForm:
    from crm.meetings.filters import meeting_filter_form

    return meeting_filter_form(session, args)[0]


def _tasks(session: Session, args: Mapping[str, str]) -> FlaskForm:
    from crm.tasks.filters import task_filter_form

    return task_filter_form(session, args)[0]


def _cases(session: Session, args: Mapping[str, str]) -> FlaskForm:
    from crm.establishments.filters import case_filter_form

    return case_filter_form(session, args, today=local_today())[0]


LISTS: dict[ListName, ListSpec] = {
    spec.name: spec
    for spec in (
        ListSpec(
            ListName.COMPANIES,
            "companies.index",
            _companies,
            (
                "q",
                "kind",
                "place",
                "sector",
                "cluster",
                "status",
                "responsible",
                "met_from",
                "met_to",
            ),
        ),
        ListSpec(
            ListName.CONTACTS,
            "contacts.index",
            _contacts,
            ("q", "company", "company_id", "include_former"),
        ),
        ListSpec(
            ListName.MEETINGS,
            "meetings.index",
            _meetings,
            ("q", "kind", "company_id", "user_id", "strategy_id", "date_from", "date_to"),
        ),
        ListSpec(ListName.TASKS, "tasks.index", _tasks, ("show_done",)),
        ListSpec(
            ListName.CASES,
            "establishments.index",
            _cases,
            (
                "stage_id",
                "adviser_id",
                "place_id",
                "kind",
                "overdue",
                "opened_from",
                "opened_to",
                "established_from",
                "established_to",
            ),
        ),
    )
}
