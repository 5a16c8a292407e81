"""/api/v1/tasks: the token user's tasks (as "My tasks"), follow-ups from meetings."""

from __future__ import annotations

from datetime import date, datetime

from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from crm.api import bp
from crm.api.common import (
    Listing,
    ListQuery,
    Strict,
    committing,
    if_match_version,
    list_response,
    merged,
    not_found,
    sort_keys,
)
from crm.api.filters import filter_problem
from crm.api.spec import json_response, operation
from crm.api.types import Id, text
from crm.common.converters import MAX_DATE, MIN_DATE
from crm.extensions import db
from crm.meetings import queries as meeting_queries
from crm.tasks import queries, services
from crm.tasks.filters import task_filter_form
from crm.tasks.models import Task

TAG = "tasks"
SORTS = {"updated": Task.updated_at}
Day = Field(default=None, ge=MIN_DATE, le=MAX_DATE)


class TaskQuery(ListQuery):
    """My tasks, as on the web page: open ones, or done ones too."""

    show_done: bool = False
    sort: sort_keys(("id", *SORTS)) = "id"


class TaskOut(BaseModel):
    """A task."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    description: str
    due_on: date | None
    assignee_id: int | None
    meeting_id: int | None
    company_id: int | None
    establishment_id: int | None
    done: bool
    done_at: datetime | None
    version: int


class NewTask(Strict):
    """A follow-up task from a meeting, for one of its organisations."""

    title: text(300)
    description: text(20_000) = ""
    due_on: date | None = Day
    assignee_id: Id | None = None
    company_id: Id | None = None


class TaskChange(Strict):
    """The fields to change; `done` marks it done or open again."""

    title: text(300) | None = None
    description: text(20_000) | None = None
    due_on: date | None = Day
    assignee_id: Id | None = None
    company_id: Id | None = None
    done: bool | None = None


@operation(
    bp,
    "/tasks",
    "GET",
    mirrors="tasks.index",
    summary="List my tasks",
    tag=TAG,
    query=TaskQuery,
    response=Listing[TaskOut],
)
def list_tasks(query: TaskQuery):
    """The token user's tasks, as "My tasks" shows them."""
    form, filters = task_filter_form(db.session, {"show_done": "y"} if query.show_done else {})
    filter_problem(form)
    select_ = select(Task).where(Task.assignee_id == current_user.id)
    if not filters.include_done:
        select_ = select_.where(Task.done.is_(False))
    return list_response(
        query,
        select_,
        id_column=Task.id,
        sorts=SORTS,
        item=TaskOut.model_validate,
        model=TaskOut,
        filename="tasks",
    )


@operation(
    bp,
    "/meetings/<int:meeting_id>/tasks",
    "POST",
    mirrors="tasks.add_for_meeting",
    summary="Add a follow-up task to a meeting",
    tag=TAG,
    body=NewTask,
    response=TaskOut,
    status=201,
    etag=True,
)
def create_task(meeting_id: int, body: NewTask):
    """A follow-up task from a meeting, under the web form's rules."""
    meeting = not_found(meeting_queries.get_meeting(db.session, meeting_id))
    with committing():
        task = services.create_task(db.session, meeting=meeting, **body.model_dump())
    return json_response(TaskOut.model_validate(task), 201, etag=task.version)


@operation(
    bp,
    "/tasks/<int:task_id>",
    "PATCH",
    mirrors="tasks.edit",
    summary="Change a task or mark it done",
    tag=TAG,
    body=TaskChange,
    response=TaskOut,
    versioned=True,
    etag=True,
)
def update_task(task_id: int, body: TaskChange):
    """Change the fields given; 412 when the task changed since If-Match."""
    task = not_found(queries.get_task(db.session, task_id))
    version = if_match_version()
    done = body.done
    change = body.model_copy()
    values = merged(task, ("title", "description", "due_on", "assignee_id", "company_id"), change)
    values.pop("done", None)
    values["description"] = values["description"] or ""
    values["title"] = values["title"] or task.title
    with committing():
        services.update_task(db.session, task=task, version=version, **values)
        if done is not None:
            services.set_task_done(db.session, task=task, done=done)
    return json_response(TaskOut.model_validate(task), etag=task.version)
