"""Reads about follow-up tasks."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from crm.tasks.models import Task

# A user's done tasks pile up over the years; the page shows the most recent ones.
DONE_SHOWN = 100


@dataclass(frozen=True)
class TaskFilters:
    """The task list's filters (crm.common.filters)."""

    include_done: bool = False


def my_tasks(session: Session, user_id: int, *, include_done: bool = False) -> list[Task]:
    """A user's open tasks by due date (overdue first, undated last), then recently done ones."""
    base = (
        select(Task)
        .where(Task.assignee_id == user_id)
        .options(joinedload(Task.meeting), joinedload(Task.company))
    )
    tasks = list(
        session.scalars(
            base.where(Task.done.is_(False)).order_by(Task.due_on.is_(None), Task.due_on, Task.id)
        )
    )
    if include_done:
        tasks += session.scalars(
            base.where(Task.done.is_(True))
            .order_by(Task.done_at.is_(None), Task.done_at.desc(), Task.id.desc())
            .limit(DONE_SHOWN)
        )
    return tasks


def get_task(session: Session, task_id: int) -> Task | None:
    """A task with its meeting, organisation and assignee, or None."""
    return session.scalar(
        select(Task)
        .where(Task.id == task_id)
        .options(joinedload(Task.meeting), joinedload(Task.company), joinedload(Task.assignee))
    )
