"""Follow-up tasks: my tasks, mark done, change one."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from crm.common.access import edit_access, read_access
from crm.common.dates import local_today
from crm.common.forms import select_choices
from crm.common.pagination import page_args
from crm.common.saving import saving
from crm.common.urls import is_safe_redirect
from crm.extensions import db
from crm.lists.memory import ListPanel, bulk_panel, remember_list
from crm.lists.models import ListName
from crm.meetings import queries as meeting_queries
from crm.plans import queries as plan_queries
from crm.plans import services as plan_services
from crm.tasks import bp, queries, services
from crm.tasks.filters import task_filter_form
from crm.tasks.forms import TaskDoneForm, TaskEditForm, TaskForm
from crm.tasks.models import Task


def _get_task(task_id: int) -> Task:
    task = queries.get_task(db.session, task_id)
    if task is None:
        abort(404)
    return task


@bp.route("/")
@read_access
def index():
    """The signed-in user's open tasks, overdue first; done ones on request."""
    memory = remember_list(ListName.TASKS)
    if not isinstance(memory, ListPanel):
        return memory
    _form, filters = task_filter_form(db.session, request.args)
    include_done = filters.include_done
    page, per_page = page_args()
    today = local_today()
    tasks = queries.my_tasks(
        db.session,
        current_user.id,
        today=today,
        include_done=include_done,
        page=page,
        per_page=per_page,
    )
    return render_template(
        "tasks/index.html",
        tasks=tasks,
        include_done=include_done,
        endpoint_args={"show_done": "1"} if include_done else {},
        list_panel=memory,
        bulk=bulk_panel(ListName.TASKS),
        today=today,
    )


@bp.route("/<int:task_id>/done", methods=["POST"])
@edit_access
def done(task_id: int):
    """Mark a task done (done=1) or open it again (done=0), then go back where the user was."""
    task = _get_task(task_id)
    form = TaskDoneForm()
    if not form.validate_on_submit() or form.done.data not in ("0", "1"):
        abort(400)
    with saving() as saved:
        services.set_task_done(db.session, task=task, done=form.done.data == "1")
    if saved.ok and task.done:
        flash(_("The task “%(title)s” is done.", title=task.title), "success")
    elif saved.ok:
        flash(_("The task “%(title)s” is open again.", title=task.title), "success")
    target = form.next.data
    return redirect(target if is_safe_redirect(target) else url_for("tasks.index"))


def _company_choices(task: Task) -> list[SelectChoice]:
    """The meeting's organisations, and the one the task has if it is no longer among them."""
    companies = list(task.meeting.companies) if task.meeting else []
    if task.company is not None and task.company not in companies:
        companies.append(task.company)
    return select_choices((company.id, company.name) for company in companies)


@bp.route("/<int:task_id>/edit", methods=["GET", "POST"])
@edit_access
def edit(task_id: int):
    """Change a task's title, due date, assignee, organisation or description."""
    task = _get_task(task_id)
    form = TaskEditForm()
    # Without a meeting there is nothing to choose from: the task keeps its organisation.
    form.company_id.choices = _company_choices(task) if task.meeting else []
    if not form.is_submitted():
        form.process(
            data={
                "version": task.version,
                "title": task.title,
                "due_on": task.due_on,
                "assignee_id": task.assignee_id,
                "company_id": task.company_id,
                "description": task.description,
                "measure_ids": plan_queries.linked_measure_ids(
                    db.session, kind="task", record_id=task.id
                ),
            }
        )
    elif form.validate():
        with saving(form) as saved:
            services.update_task(
                db.session,
                task=task,
                version=form.version.data,
                title=form.title.data or "",
                description=form.description.data or "",
                due_on=form.due_on.data,
                assignee_id=form.assignee_id.data,
                company_id=form.company_id.data if form.company_id.choices else task.company_id,
            )
            plan_services.set_measures(
                db.session, kind="task", record_id=task.id, measure_ids=form.measure_ids.data
            )
        if saved.ok:
            flash(_("The task “%(title)s” is saved.", title=task.title), "success")
            if task.meeting_id:
                return redirect(
                    url_for("meetings.detail", meeting_id=task.meeting_id, _anchor="tasks")
                )
            return redirect(url_for("tasks.index"))
    form.assignee_id.choices = _assignee_choices(task.assignee_id)
    return render_template(
        "tasks/edit.html",
        form=form,
        task=task,
        meeting=task.meeting,
        measure_groups=_measures(form),
    ), 400 if form.errors else 200


def _measures(form) -> list:
    return plan_queries.measure_choices(db.session, include_ids=form.measure_ids.data or [])


def _assignee_choices(include_id: int | None) -> list[SelectChoice]:
    users = meeting_queries.user_choices(
        db.session, active_only=True, include_ids=[include_id] if include_id else []
    )
    return [SelectChoice("", _("Nobody")), *select_choices(users)]


@bp.route("/meeting/<int:meeting_id>/new", methods=["GET", "POST"])
@edit_access
def add_for_meeting(meeting_id: int):
    """Add a follow-up task to a meeting, for the organisation the adviser chose among its own."""
    meeting = meeting_queries.get_meeting(db.session, meeting_id)
    if meeting is None:
        abort(404)
    form = TaskForm()
    form.company_id.choices = select_choices((c.id, c.name) for c in meeting.companies)
    if not form.is_submitted():
        form.assignee_id.data = current_user.id
        form.company_id.data = meeting.follow_up_company_id
    elif form.validate():
        with saving(form) as saved:
            task = services.create_task(
                db.session,
                title=form.title.data or "",
                description=form.description.data or "",
                due_on=form.due_on.data,
                assignee_id=form.assignee_id.data,
                meeting=meeting,
                company_id=form.company_id.data,
            )
            plan_services.set_measures(
                db.session, kind="task", record_id=task.id, measure_ids=form.measure_ids.data
            )
        if saved.ok:
            flash(_("The task “%(title)s” is added.", title=task.title), "success")
            return redirect(url_for("meetings.detail", meeting_id=meeting_id, _anchor="tasks"))
    form.assignee_id.choices = _assignee_choices(form.assignee_id.data)
    return render_template(
        "tasks/edit.html", form=form, task=None, meeting=meeting, measure_groups=_measures(form)
    ), 400 if form.errors else 200
