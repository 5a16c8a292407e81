"""Meetings: the list, one meeting, log or change one, follow-up tasks, the archive export."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from crm.common.access import edit_access, read_access
from crm.common.converters import parse_id
from crm.common.dates import local_today
from crm.common.forms import select_choices
from crm.common.pagination import page_args
from crm.common.saving import saving
from crm.establishments import queries as establishment_queries
from crm.extensions import db
from crm.lists.memory import ListPanel, remember_list
from crm.lists.models import ListName
from crm.meetings import bp, queries, services
from crm.meetings.forms import MeetingForm, meeting_filter_form
from crm.meetings.models import Meeting
from crm.tasks import services as task_services
from crm.tasks.forms import TaskDoneForm, TaskForm


def _get_meeting(meeting_id: int) -> Meeting:
    meeting = queries.get_meeting(db.session, meeting_id)
    if meeting is None:
        abort(404)
    return meeting


@bp.route("/")
@read_access
def index():
    """Meetings, newest first, with search and filters."""
    memory = remember_list(ListName.MEETINGS)
    if not isinstance(memory, ListPanel):
        return memory
    form, filters = meeting_filter_form(db.session, request.args)
    page, per_page = page_args()
    pagination = queries.list_meetings(db.session, filters=filters, page=page, per_page=per_page)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "meetings/index.html",
        form=form,
        pagination=pagination,
        company=queries.get_company(db.session, filters.company_id),
        endpoint_args=args,
        list_panel=memory,
    )


def _task_form(meeting: Meeting, form: TaskForm | None = None) -> TaskForm:
    form = form or TaskForm(
        formdata=None, assignee_id=current_user.id, company_id=meeting.follow_up_company_id
    )
    form.assignee_id.choices = [
        SelectChoice("", _("Nobody")),
        *select_choices(queries.user_choices(db.session, active_only=True)),
    ]
    form.company_id.choices = select_choices((c.id, c.name) for c in meeting.companies)
    return form


def _render_detail(meeting_id: int, task_form: TaskForm | None = None, status: int = 200):
    detail = queries.get_meeting_detail(db.session, meeting_id)
    if detail is None:
        abort(404)
    # A meeting of a case answers the questions of the case's stage on its page too.
    case_id = detail.meeting.establishment_id
    case = establishment_queries.get_case(db.session, case_id) if case_id else None
    return render_template(
        "meetings/detail.html",
        detail=detail,
        meeting=detail.meeting,
        case=case,
        checklist=establishment_queries.case_checklist(db.session, case) if case else [],
        task_form=_task_form(detail.meeting, task_form),
        done_form=TaskDoneForm(formdata=None),
        today=local_today(),
    ), status


@bp.route("/<int:meeting_id>")
@read_access
def detail(meeting_id: int):
    """One meeting: when, who, what it serves, the notes and its follow-up tasks."""
    return _render_detail(meeting_id)


def _meeting_values(form: MeetingForm) -> dict:
    """What the form says, as the service's arguments."""
    return {
        "starts_at": services.local_datetime(
            form.day.data, form.time.data, current_app.config["BABEL_DEFAULT_TIMEZONE"]
        ),
        "title": form.title.data or "",
        "kind": form.kind.data,
        "duration_minutes": form.duration_minutes.data,
        "location": form.location.data or "",
        "company_ids": form.company_ids.data or [],
        "contact_ids": form.contact_ids.data or [],
        "staff_ids": form.staff_ids.data or [],
        "strategy_ids": form.strategy_ids.data or [],
        "notes": form.notes.data or "",
    }


def _render_form(form: MeetingForm, meeting: Meeting | None = None):
    staff_ids = list(form.staff_ids.data or [])
    if meeting is not None:
        staff_ids += [u.id for u in meeting.staff]
    form.staff_ids.choices = select_choices(
        queries.user_choices(db.session, active_only=True, include_ids=staff_ids)
    )
    chosen = queries.chosen_participants(
        db.session,
        company_ids=form.company_ids.data or [],
        contact_ids=form.contact_ids.data or [],
    )
    groups = queries.strategy_groups(db.session, include_ids=form.strategy_ids.data or [])
    status = 400 if form.errors else 200
    return render_template(
        "meetings/form.html", form=form, meeting=meeting, chosen=chosen, strategy_groups=groups
    ), status


@bp.route("/new", methods=["GET", "POST"])
@edit_access
def create():
    """Log a meeting; `?company_id=` or `?contact_id=` starts with that participant chosen.

    `?establishment_id=` ties the new meeting to that establishment case.
    """
    form = MeetingForm()
    if not form.is_submitted():
        form.day.data = local_today()
        form.staff_ids.data = [current_user.id]
        company = queries.get_company(db.session, parse_id(request.args.get("company_id")))
        if company is not None:
            form.company_ids.data = [company.id]
            form.logged_from_id.data = company.id
            form.title.data = _("Meeting with %(name)s", name=company.name)
        contact_id = parse_id(request.args.get("contact_id"))
        if contact_id:
            form.contact_ids.data = [contact_id]
        form.establishment_id.data = parse_id(request.args.get("establishment_id"))
    elif form.validate():
        with saving(form) as saved:
            meeting = services.create_meeting(
                db.session,
                **_meeting_values(form),
                establishment_id=form.establishment_id.data,
                logged_from_id=form.logged_from_id.data,
            )
        if saved.ok:
            flash(_("The meeting “%(title)s” is saved.", title=meeting.title), "success")
            return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    return _render_form(form)


@bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
@edit_access
def edit(meeting_id: int):
    """Change a meeting; a save over someone else's newer save is refused, the input kept."""
    meeting = _get_meeting(meeting_id)
    form = MeetingForm()
    if not form.is_submitted():
        local = meeting.starts_at.astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))
        form.process(
            data={
                "version": meeting.version,
                "day": local.date(),
                "time": local.time().replace(tzinfo=None),
                "duration_minutes": meeting.duration_minutes,
                "kind": meeting.kind,
                "title": meeting.title,
                "location": meeting.location,
                "company_ids": [c.id for c in meeting.companies],
                "contact_ids": [c.id for c in meeting.contacts],
                "staff_ids": [u.id for u in meeting.staff],
                "strategy_ids": [s.id for s in meeting.strategies],
                "notes": meeting.notes,
            }
        )
    elif form.validate():
        with saving(form) as saved:
            services.update_meeting(
                db.session, meeting=meeting, version=form.version.data, **_meeting_values(form)
            )
        if saved.ok:
            flash(_("The meeting “%(title)s” is saved.", title=meeting.title), "success")
            return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    return _render_form(form, meeting)


@bp.route("/<int:meeting_id>/tasks", methods=["POST"])
@edit_access
def add_task(meeting_id: int):
    """Add a follow-up task to a meeting, for the organisation the adviser chose among its own."""
    meeting = _get_meeting(meeting_id)
    form = _task_form(meeting, TaskForm())
    if form.validate_on_submit():
        with saving(form) as saved:
            task = task_services.create_task(
                db.session,
                title=form.title.data or "",
                description=form.description.data or "",
                due_on=form.due_on.data,
                assignee_id=form.assignee_id.data,
                meeting=meeting,
                company_id=form.company_id.data,
            )
        if saved.ok:
            flash(_("The task “%(title)s” is added.", title=task.title), "success")
            return redirect(url_for("meetings.detail", meeting_id=meeting_id, _anchor="tasks"))
    return _render_detail(meeting_id, task_form=form, status=400)


@bp.route("/<int:meeting_id>/export")
@read_access
def export(meeting_id: int):
    """The meeting as a JSON file for the archive (Noark 5) or a public-access request."""
    data = queries.export_meeting_for_archive(db.session, meeting_id)
    if data is None:
        abort(404)
    # Reading personal data out of the system should be traceable (GDPR).
    current_app.logger.info("User %s exported meeting %s", current_user.id, meeting_id)
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="meeting-{meeting_id}.json"'},
    )
