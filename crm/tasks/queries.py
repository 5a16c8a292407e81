"""Reads about follow-up tasks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import Session, joinedload

from crm.common.pagination import ResultPages, page_statement
from crm.common.statements import built_once, read
from crm.companies.models import Company
from crm.meetings.models import Meeting
from crm.tasks.models import Task

# An organisation's page shows its next open tasks; the timeline has the rest.
OPEN_SHOWN = 10
# "Due within a week": tomorrow and the six days after it, the week an adviser plans.
WEEK_DAYS = 7
# The list shows the start of a task's description; Markdown of ten thousand characters
# rendered for each of 50 rows to show 160 of them cost more than the page's statements.
DESCRIPTION_READ = 400


@dataclass(frozen=True)
class TaskFilters:
    """The task list's filters (crm.common.filters)."""

    include_done: bool = False


class TaskGroup(StrEnum):
    """Where a task stands, in the order the list shows the groups."""

    OVERDUE = "overdue"
    TODAY = "today"
    WEEK = "week"
    LATER = "later"
    UNDATED = "undated"
    DONE = "done"


_ORDER = {group.value: n for n, group in enumerate(TaskGroup)}


@dataclass(frozen=True)
class TaskPage:
    """One page of a user's tasks, each row with its group, and every group's size."""

    rows: list
    groups: dict[str, int]
    pagination: Pagination
    offset: int = 0

    @property
    def continues(self) -> bool:
        """Whether the page's first group began on a page before (its heading says so)."""
        if not self.rows:
            return False
        first = self.rows[0].group
        before = sum(n for group, n in self.groups.items() if _ORDER[group] < _ORDER[first])
        return self.offset > before


def task_group(today: date) -> ColumnElement[str]:
    """SQL: the task's TaskGroup; the groups follow the list's order, so a page never
    interleaves them."""
    return case(
        (Task.done.is_(True), TaskGroup.DONE.value),
        (Task.due_on.is_(None), TaskGroup.UNDATED.value),
        (Task.due_on < today, TaskGroup.OVERDUE.value),
        (Task.due_on == today, TaskGroup.TODAY.value),
        (Task.due_on <= today + timedelta(days=WEEK_DAYS), TaskGroup.WEEK.value),
        else_=TaskGroup.LATER.value,
    )


def _mine(user_id: int, include_done: bool) -> list[ColumnElement[bool]]:
    # done IS false, as ix_tasks_open_by_due's condition reads, so the index serves it.
    return [Task.assignee_id == user_id] + ([] if include_done else [Task.done.is_(False)])


def task_group_counts(
    session: Session, user_id: int, *, today: date, include_done: bool = False
) -> dict[str, int]:
    """How many of the user's tasks each group holds (groups with none left out), in one
    statement."""
    statement = _group_counts_statement(user_id, today, include_done)
    counts = {group: int(n) for group, n in read(session, statement)}
    return {group.value: counts[group.value] for group in TaskGroup if group.value in counts}


@built_once
def _group_counts_statement(user_id: int, today: date, include_done: bool) -> Select:
    # Built once per user and day (crm.common.statements), as the page's is.
    grouped = select(task_group(today).label("grp")).where(*_mine(user_id, include_done)).subquery()
    return select(grouped.c.grp, func.count()).group_by(grouped.c.grp)


# Open tasks by due date, overdue first and undated last (along ix_tasks_open_by_due): the
# tasks list and the organisation's page (crm.companies.page).
DUE_ORDER = (Task.due_on.is_(None), Task.due_on, Task.id)


@built_once
def _page_query(user_id: int, *, today: date, include_done: bool) -> Select:
    # Open tasks by due date (overdue first, undated last) walk ix_tasks_open_by_due in order;
    # done ones after them, the most recently done first.
    order = list(DUE_ORDER)
    if include_done:
        done_at = case((Task.done.is_(True), Task.done_at))
        order = [Task.done, done_at.desc().nulls_last(), *order]
    return (
        select(
            Task.id,
            Task.title,
            func.substr(Task.description, 1, DESCRIPTION_READ).label("description"),
            Task.due_on,
            Task.done,
            Task.meeting_id,
            Meeting.title.label("meeting_title"),
            Task.company_id,
            Company.name.label("company_name"),
            task_group(today).label("group"),
        )
        .outerjoin(Meeting, Meeting.id == Task.meeting_id)
        .outerjoin(Company, Company.id == Task.company_id)
        .where(*_mine(user_id, include_done))
        .order_by(*order)
    )


def my_tasks(
    session: Session,
    user_id: int,
    *,
    today: date,
    include_done: bool = False,
    page: int = 1,
    per_page: int = 50,
) -> TaskPage:
    """A page of the user's open tasks, overdue first, then by due date, undated last; with
    `include_done`, the done ones after them (most recently done first). Two statements:
    the groups' sizes (their sum is the pager's total) and the page's rows."""
    groups = task_group_counts(session, user_id, today=today, include_done=include_done)
    pagination = ResultPages(page=page, per_page=per_page, total=sum(groups.values()))
    query = _page_query(user_id, today=today, include_done=include_done)
    offset = (pagination.page - 1) * per_page
    rows = list(read(session, page_statement(query, per_page, offset)))
    return TaskPage(rows=rows, groups=groups, pagination=pagination, offset=offset)


@dataclass(frozen=True, slots=True)
class OpenTask:
    """An open task as the organisation's page lists it (crm.companies.page; tasks/_due.html
    reads due_on and done)."""

    id: int
    title: str
    due_on: date | None
    done: bool
    assignee_name: str | None


def get_task(session: Session, task_id: int) -> Task | None:
    """A task with its meeting, organisation and assignee, or None."""
    return session.scalar(
        select(Task)
        .where(Task.id == task_id)
        .options(joinedload(Task.meeting), joinedload(Task.company), joinedload(Task.assignee))
    )
