"""Meetings: the list, one meeting, log or change one, follow-up tasks, the archive export."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from crm.common.access import edit_access, read_access
from crm.common.converters import parse_date, parse_id
from crm.common.dates import app_zone, local_today
from crm.common.forms import select_choices
from crm.common.pagination import page_args
from crm.common.saving import saving
from crm.establishments import queries as establishment_queries
from crm.extensions import db
from crm.lists.memory import ListPanel, remember_list
from crm.lists.models import ListName
from crm.meetings import archive, bp, invitations, queries, services
from crm.meetings.filters import meeting_filter_form
from crm.meetings.forms import ArchivePeriodForm, CaptureForm, MeetingForm
from crm.meetings.models import Meeting
from crm.plans import queries as plan_queries
from crm.plans import services as plan_services


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


def _render_detail(meeting_id: int, status: int = 200):
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
        measures=plan_queries.linked_measures(db.session, kind="meeting", record_id=meeting_id),
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
        "has_time": form.time.data is not None,
        "title": form.title.data or "",
        "kind": form.kind.data,
        "duration_minutes": form.duration_minutes.data,
        "location": form.location.data or "",
        "company_ids": form.company_ids.data or [],
        "contact_ids": form.contact_ids.data or [],
        "staff_ids": form.staff_ids.data or [],
        "strategy_ids": form.strategy_ids.data or [],
        "notes": form.notes.data or "",
        "exemption": form.exemption.data,
    }


def _read_typed(form: MeetingForm) -> bool:
    """Add what was typed in the type-ahead boxes and not picked (no JavaScript) to the lists.

    False, with a message beside the box, when a name matches no one or more than one.
    """
    ok = True
    for name, kind in (("company_ids", "companies"), ("contact_ids", "contacts"),
                       ("staff_ids", "users")):  # fmt: skip
        ids, unmatched = queries.resolve_typed(db.session, kind, form[f"{name}_text"].data)
        form[name].data = list(dict.fromkeys([*(form[name].data or []), *ids]))
        if unmatched:
            ok = False
            form[name].errors = [
                *form[name].errors,
                _(
                    "Not found, or more than one has this name: %(names)s. "
                    "Use the organisation number, the exact name or the email address.",
                    names=", ".join(unmatched),
                ),
            ]
        else:
            form[f"{name}_text"].data = ""
    return ok


def _follow_ups(form: CaptureForm) -> list[services.FollowUp]:
    return [
        services.FollowUp(
            title=row.form.title.data or "",
            due_on=row.form.due_on.data,
            assignee_id=row.form.assignee_id.data,
            company_id=row.form.company_id.data,
        )
        for row in form.tasks
        if not row.form.is_empty()
    ]


def _render_form(
    form: MeetingForm,
    meeting: Meeting | None = None,
    invitation_prefill: invitations.InvitationPrefill | None = None,
):
    staff_ids = list(form.staff_ids.data or [])
    chosen = queries.chosen_participants(
        db.session,
        company_ids=form.company_ids.data or [],
        contact_ids=form.contact_ids.data or [],
        staff_ids=staff_ids,
    )
    suggested = queries.earlier_strategies(db.session, [c.id for c in chosen.companies])
    suggested_ids = {s.id for s in suggested}
    groups = queries.strategy_groups(db.session, include_ids=form.strategy_ids.data or [])
    for group in groups:
        group.strategies = [s for s in group.strategies if s.id not in suggested_ids]
    if isinstance(form, CaptureForm):
        users = [SelectChoice("", _("Nobody")), *select_choices(
            queries.user_choices(db.session, active_only=True, include_ids=staff_ids)
        )]  # fmt: skip
        companies = [
            SelectChoice("", _("The meeting's main organisation")),
            *select_choices((c.id, c.name) for c in chosen.companies),
        ]
        for row in form.tasks:
            row.form.assignee_id.choices = users
            row.form.company_id.choices = companies
    status = 400 if form.errors else 200
    return render_template(
        "meetings/form.html",
        form=form,
        meeting=meeting,
        chosen=chosen,
        strategy_groups=groups,
        suggested_strategies=suggested,
        measure_groups=plan_queries.measure_choices(
            db.session, include_ids=form.measure_ids.data or []
        ),
        draft_key=f"meeting-{meeting.id}" if meeting else "meeting-new",
        restore_draft=not form.is_submitted(),
        invitation_prefill=invitation_prefill,
    ), status


def _invitation_chosen() -> bool:
    """Whether a file came with the post. Without JavaScript the invitation's button is the
    form's first, so Enter in a field presses it: with no file chosen, that is a save."""
    upload = request.files.get("invitation_file")
    return bool(upload and upload.filename)


def _fill_from_invitation(form: CaptureForm) -> invitations.InvitationPrefill | None:
    """Without JavaScript: fill the form from the posted invitation file (static/js/invitation.js
    does the same in the browser). What the adviser typed stays where the invitation is silent;
    organisations, people and staff found are added to those chosen."""
    try:
        prefill = invitations.prefill_from_upload(
            db.session,
            request.files.get("invitation_file"),
            on=parse_date(request.form.get("invitation_on")),
        )
    except invitations.InvitationError as error:
        form.form_errors.append(str(error.message))
        return None
    for name, value in prefill.form_data().items():
        field = form[name]
        if isinstance(value, list):
            field.data = list(dict.fromkeys([*(field.data or []), *value]))
        elif value not in (None, ""):
            field.data = value
    return prefill


def _ids(name: str) -> list[int]:
    return [i for i in (parse_id(v) for v in request.args.getlist(name)) if i is not None]


def _prefill(form: CaptureForm) -> None:
    """Fill a new capture from where it was opened (query parameters other pages link with).

    Repeatable `company_id`, `contact_id` and `strategy_id`; `establishment_id` (the case's
    organisation takes part), `cluster_id` (its facilitator takes part, its name is the title)
    and `notes` (the notes start with it). The people's organisations come along.
    """
    company_ids = _ids("company_id")
    contact_ids = _ids("contact_id")
    case = None
    establishment_id = parse_id(request.args.get("establishment_id"))
    if establishment_id is not None:
        case = establishment_queries.get_case(db.session, establishment_id)
    if case is not None:
        form.establishment_id.data = case.id
        company_ids.append(case.company_id)
    cluster = queries.get_cluster(db.session, parse_id(request.args.get("cluster_id")))
    if cluster is not None:
        form.title.data = cluster.name
        if cluster.facilitator_id:
            company_ids.append(cluster.facilitator_id)
    company_ids += [c.id for c in queries.current_organisations(db.session, contact_ids)]
    form.company_ids.data = list(dict.fromkeys(company_ids))
    form.contact_ids.data = contact_ids
    form.logged_from_id.data = company_ids[0] if company_ids else None
    form.strategy_ids.data = _ids("strategy_id")
    form.measure_ids.data = _ids("measure_id")
    form.notes.data = (request.args.get("notes") or "")[: services.MAX_NOTES_LENGTH]
    form.day.data = local_today()
    form.staff_ids.data = [current_user.id]
    for row in form.tasks:
        row.form.assignee_id.data = current_user.id


@bp.route("/strategy-suggestions")
@read_access
def strategy_suggestions():
    """The strategies earlier meetings with `?company_id=` (repeatable) served, most used first,
    as ids: the capture form offers them first when organisations are added in the browser."""
    strategies = queries.earlier_strategies(db.session, _ids("company_id")[:50])
    return jsonify(ids=[s.id for s in strategies])


@bp.route("/new", methods=["GET", "POST"])
@edit_access
def create():
    """Log a meeting and its follow-up tasks; the query string prefills it (see `_prefill`)."""
    form = CaptureForm()
    if not form.is_submitted():
        _prefill(form)
    elif "read_invitation" in request.form and _invitation_chosen():
        return _render_form(form, invitation_prefill=_fill_from_invitation(form))
    elif form.validate() and _read_typed(form):
        with saving(form) as saved:
            meeting = services.log_meeting(
                db.session,
                **_meeting_values(form),
                follow_ups=_follow_ups(form),
                establishment_id=form.establishment_id.data,
                logged_from_id=form.logged_from_id.data,
            )
            plan_services.set_measures(
                db.session, kind="meeting", record_id=meeting.id, measure_ids=form.measure_ids.data
            )
        if saved.ok:
            flash(_("The meeting “%(title)s” is saved.", title=meeting.title), "success")
            flash("meeting-new", "draft-saved")
            return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    return _render_form(form)


@bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
@edit_access
def edit(meeting_id: int):
    """Change a meeting; a save over someone else's newer save is refused, the input kept."""
    meeting = _get_meeting(meeting_id)
    form = MeetingForm()
    if not form.is_submitted():
        local = meeting.starts_at.astimezone(app_zone())
        form.process(
            data={
                "version": meeting.version,
                "day": local.date(),
                "time": local.time().replace(tzinfo=None) if meeting.has_time else None,
                "duration_minutes": meeting.duration_minutes,
                "kind": meeting.kind,
                "title": meeting.title,
                "location": meeting.location,
                "company_ids": [c.id for c in meeting.companies],
                "contact_ids": [c.id for c in meeting.contacts],
                "staff_ids": [u.id for u in meeting.staff],
                "strategy_ids": [s.id for s in meeting.strategies],
                "measure_ids": plan_queries.linked_measure_ids(
                    db.session, kind="meeting", record_id=meeting.id
                ),
                "notes": meeting.notes,
                "exemption": meeting.exemption,
            }
        )
    elif form.validate() and _read_typed(form):
        with saving(form) as saved:
            services.update_meeting(
                db.session, meeting=meeting, version=form.version.data, **_meeting_values(form)
            )
            plan_services.set_measures(
                db.session, kind="meeting", record_id=meeting.id, measure_ids=form.measure_ids.data
            )
        if saved.ok:
            flash(_("The meeting “%(title)s” is saved.", title=meeting.title), "success")
            flash(f"meeting-{meeting.id}", "draft-saved")
            return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    return _render_form(form, meeting)


def _package_response(records: list[dict], filename: str) -> Response:
    def render_document(record: dict) -> str:
        return render_template("meetings/archive_document.html", record=record)

    package = archive.build_package(records, render_document=render_document)
    return Response(
        package,
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/<int:meeting_id>/export")
@read_access
def export(meeting_id: int):
    """The meeting as an archive package: notes as a document, metadata, and the facts as JSON."""
    records = queries.archive_records(db.session, [meeting_id])
    if not records:
        abort(404)
    # Reading personal data out of the system should be traceable (GDPR).
    current_app.logger.info("User %s exported meeting %s", current_user.id, meeting_id)
    return _package_response(records, f"meeting-{meeting_id}-archive.zip")


@bp.route("/archive")
@read_access
def archive_package():
    """The meetings of a period as one archive package, for the municipality's archive system."""
    form = ArchivePeriodForm(request.args)
    if request.args and form.validate():
        try:
            ids = archive.meeting_ids_between(db.session, form.start.data, form.end.data)
        except archive.TooManyMeetings:
            form.end.errors.append(
                _(
                    "The period holds more than %(max)s meetings; choose a shorter one.",
                    max=archive.MAX_MEETINGS,
                )
            )
        else:
            if ids:
                current_app.logger.info(
                    "User %s exported %s meetings for the archive", current_user.id, len(ids)
                )
                records = queries.archive_records(db.session, ids)
                name = f"meetings-{form.start.data.isoformat()}-{form.end.data.isoformat()}.zip"
                return _package_response(records, name)
            form.end.errors.append(_("No meetings were held in this period."))
    status = 400 if form.errors else 200
    return render_template("meetings/archive.html", form=form), status
