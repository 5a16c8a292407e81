"""Writes about follow-up tasks: create, change, mark done or open again."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from crm.auth.models import User
from crm.common.errors import DomainError
from crm.common.models import utcnow
from crm.common.versioning import ensure_version
from crm.companies.models import Company
from crm.establishments import queries as establishment_queries
from crm.meetings.models import Meeting
from crm.tasks.models import Task

MAX_TITLE_LENGTH = 300
MAX_DESCRIPTION_LENGTH = 10_000


def _check(
    session: Session,
    *,
    title: str,
    description: str,
    assignee_id: int | None,
    current_assignee_id: int | None = None,
) -> None:
    if not title:
        raise DomainError("title", _l("Give the task a title."))
    if len(title) > MAX_TITLE_LENGTH:
        raise DomainError(
            "title", _l("The title may be at most %(n)d characters long.", n=MAX_TITLE_LENGTH)
        )
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise DomainError(
            "description",
            _l(
                "The description may be at most %(n)d characters long.",
                n=MAX_DESCRIPTION_LENGTH,
            ),
        )
    if assignee_id is not None:
        assignee = session.get(User, assignee_id)
        if assignee is None:
            raise DomainError("assignee_id", _l("That user was not found."))
        # A task may stay with someone who has left, but is not given to them anew.
        if not assignee.active and assignee_id != current_assignee_id:
            raise DomainError("assignee_id", _l("That user is deactivated."))


def _check_company(company_id: int | None, *, meeting: Meeting | None, kept: int | None) -> None:
    """A task from a meeting goes to one of the meeting's organisations (or keeps its own)."""
    allowed = {company.id for company in meeting.companies} if meeting is not None else set()
    if company_id is not None and company_id != kept and company_id not in allowed:
        raise DomainError("company_id", _l("Choose one of the meeting's organisations."))


def create_task(
    session: Session,
    *,
    title: str,
    description: str = "",
    due_on: date | None = None,
    assignee_id: int | None = None,
    meeting: Meeting | None = None,
    company_id: int | None = None,
    establishment_id: int | None = None,
) -> Task:
    """A task, usually a follow-up from `meeting`, for one of the meeting's organisations.

    Without `company_id` the task goes to the organisation the meeting was logged from, else
    to its first organisation by name. A due date before the meeting is allowed: the task is
    then a reminder. A task from a meeting tied to an establishment case belongs to that case.
    """
    title, description = (title or "").strip(), description or ""
    _check(session, title=title, description=description, assignee_id=assignee_id)
    if meeting is not None:
        _check_company(company_id, meeting=meeting, kept=None)
    if meeting is not None and company_id is None:
        company_id = meeting.follow_up_company_id
    if company_id is not None and session.get(Company, company_id) is None:
        raise DomainError("company_id", _l("That organisation was not found."))
    if establishment_id is None and meeting is not None:
        establishment_id = meeting.establishment_id
    elif establishment_id is not None and not establishment_queries.establishment_exists(
        session, establishment_id
    ):
        raise DomainError(None, _l("That establishment case was not found."))
    task = Task(
        title=title,
        description=description,
        due_on=due_on,
        assignee_id=assignee_id,
        meeting=meeting,
        company_id=company_id,
        establishment_id=establishment_id,
    )
    session.add(task)
    session.flush()
    return task


def update_task(
    session: Session,
    *,
    task: Task,
    version: str | int | None,
    title: str,
    description: str,
    due_on: date | None,
    assignee_id: int | None,
    company_id: int | None,
) -> Task:
    """Change a task loaded at `version`; it may move to another of its meeting's organisations."""
    ensure_version(task, version)
    title, description = (title or "").strip(), description or ""
    _check(
        session,
        title=title,
        description=description,
        assignee_id=assignee_id,
        current_assignee_id=task.assignee_id,
    )
    _check_company(company_id, meeting=task.meeting, kept=task.company_id)
    task.title = title
    task.description = description
    task.due_on = due_on
    task.assignee_id = assignee_id
    task.company_id = company_id
    session.flush()
    return task


def set_task_done(session: Session, *, task: Task, done: bool) -> Task:
    """Mark a task done (when) or open again; asking twice changes nothing."""
    if task.done != done:
        task.done = done
        task.done_at = utcnow() if done else None
        session.flush()
    return task
