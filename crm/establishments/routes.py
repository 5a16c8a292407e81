"""Establishment follow-up: the list, the board, a case, its stage moves, stages and flags."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from crm.common.access import admin_access, edit_access, read_access
from crm.common.converters import parse_id
from crm.common.dates import local_today
from crm.common.forms import select_choices, show_domain_error
from crm.common.pagination import page_args
from crm.common.saving import saving
from crm.common.urls import is_safe_redirect
from crm.establishments import bp, queries, services
from crm.establishments.filters import case_filter_form
from crm.establishments.forms import (
    CaseEditForm,
    CaseForm,
    CaseTaskForm,
    ChecklistForm,
    ChecklistItemForm,
    DeleteChecklistItemForm,
    FlagForm,
    LinkMeetingForm,
    MoveForm,
    NewChecklistItemForm,
    ResolveFlagForm,
    StageForm,
    StageMoveForm,
)
from crm.establishments.models import (
    CaseKind,
    EstablishmentCase,
    FlagSeverity,
    Stage,
    StageOutcome,
    WarningFlag,
)
from crm.extensions import db
from crm.lists.memory import ListPanel, remember_list
from crm.lists.models import ListName
from crm.meetings import queries as meeting_queries
from crm.plans import queries as plan_queries
from crm.plans import services as plan_services


def _case_or_404(case_id: int) -> EstablishmentCase:
    case = queries.get_case(db.session, case_id)
    if case is None:
        abort(404)
    return case


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


# --- list and board ---------------------------------------------------------------------------


@bp.route("/")
@read_access
def index():
    """Cases with filters (stage, adviser, place, kind, overdue follow-up), paged."""
    memory = remember_list(ListName.CASES)
    if not isinstance(memory, ListPanel):
        return memory
    form, filters = case_filter_form(db.session, request.args, today=local_today())
    page, per_page = page_args()
    today = filters.today
    pagination = queries.list_cases(db.session, filters, page=page, per_page=per_page)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "establishments/index.html",
        form=form,
        pagination=pagination,
        endpoint_args=args,
        today=today,
        list_panel=memory,
    )


@bp.route("/board")
@read_access
def board():
    """One column per stage; editors move cards (a plain form, or drag-and-drop and keys)."""
    columns = queries.board(db.session)
    return render_template(
        "establishments/board.html",
        columns=columns,
        progress=queries.checklist_progress(db.session, [c for col in columns for c in col.cases]),
        stages=[c.stage for c in columns],
        today=local_today(),
        active_outcomes=queries.ACTIVE_OUTCOMES,
    )


# --- one case ---------------------------------------------------------------------------------


def _user_choices(include: list[int] | None = None, *, empty: str | None = None):
    options = select_choices(queries.user_choices(db.session, include_ids=include or []))
    return [SelectChoice("", empty), *options] if empty is not None else options


def _place_choices(empty: str):
    return [
        SelectChoice("", empty),
        *select_choices((p.id, p.name) for p in queries.place_choices(db.session)),
    ]


def _render_detail(
    case_id: int,
    *,
    link_form: LinkMeetingForm | None = None,
    task_form: CaseTaskForm | None = None,
    status: int = 200,
):
    detail = queries.get_case_detail(db.session, case_id)
    if detail is None:
        abort(404)
    case = detail.case
    link_form = link_form or LinkMeetingForm(formdata=None)
    link_form.meeting_id.choices = [
        SelectChoice(str(m.id), f"{m.starts_at.date().isoformat()} {m.title}")
        for m in detail.linkable_meetings
    ]
    task_form = task_form or CaseTaskForm(formdata=None, assignee_id=current_user.id)
    task_form.assignee_id.choices = _user_choices(empty=_("Nobody"))
    move_form = MoveForm(formdata=None, stage_id=case.stage_id)
    move_form.stage_id.choices = select_choices(
        (s.id, s.name) for s in queries.list_stages(db.session)
    )
    return render_template(
        "establishments/detail.html",
        detail=detail,
        case=case,
        link_form=link_form,
        task_form=task_form,
        move_form=move_form,
        checklist=queries.case_checklist(db.session, case),
        checklist_form=ChecklistForm(formdata=None),
        today=local_today(),
        new_meeting_href=url_for(
            "meetings.create", company_id=case.company_id, establishment_id=case.id
        ),
    ), status


@bp.route("/<int:case_id>")
@read_access
def detail(case_id: int):
    """A case: facts, stage history with days in each stage, meetings and tasks."""
    return _render_detail(case_id)


def _case_values(form) -> dict:
    return {
        "kind": form.kind.data,
        "opened_on": form.opened_on.data,
        "source": form.source.data or "",
        "premises_type": form.premises_type.data,
        "area_m2": form.area_m2.data,
        "expected_jobs": form.expected_jobs.data,
        "expected_investment_nok": form.expected_investment_nok.data,
        "expected_decision_on": form.expected_decision_on.data,
        "adviser_id": form.adviser_id.data,
        "next_follow_up_on": form.next_follow_up_on.data,
        "place_ids": form.place_ids.data or [],
        "strategy_ids": form.strategy_ids.data or [],
        "notes": form.notes.data or "",
    }


def _render_case_form(form, *, case: EstablishmentCase | None = None, company=None):
    include = [form.adviser_id.data] if form.adviser_id.data else []
    form.adviser_id.choices = _user_choices(include, empty=_("Nobody"))
    if isinstance(form, CaseForm):
        form.stage_id.choices = select_choices(
            (s.id, s.name)
            for s in queries.list_stages(db.session)
            if s.outcome in queries.ACTIVE_OUTCOMES
        )
    else:
        form.established_place_id.choices = _place_choices(_("Not established"))
    groups = meeting_queries.strategy_groups(db.session, include_ids=form.strategy_ids.data or [])
    return render_template(
        "establishments/form.html",
        form=form,
        case=case,
        company=company,
        places=queries.place_choices(db.session),
        strategy_groups=groups,
        measure_groups=plan_queries.measure_choices(
            db.session, include_ids=form.measure_ids.data or []
        ),
    ), 400 if form.errors else 200


@bp.route("/new", methods=["GET", "POST"])
@edit_access
def create():
    """Open a case; `?company_id=` starts with that organisation, `?kind=retention` that kind."""
    form = CaseForm()
    company = None
    if not form.is_submitted():
        form.opened_on.data = local_today()
        form.adviser_id.data = current_user.id
        company = queries.get_company(db.session, parse_id(request.args.get("company_id")))
        if company is not None:
            form.company_id.data = company.id
            form.company_search.data = company.name
        kind = request.args.get("kind")
        if kind in {k.value for k in CaseKind}:
            form.kind.data = kind
        first = services.first_stage(db.session)
        form.stage_id.data = first.id if first else None
    elif form.validate():
        with saving(form) as saved:
            case = services.create_case(
                db.session,
                company_id=form.company_id.data,
                company_text=form.company_search.data,
                prospect_name=form.prospect_name.data,
                stage_id=form.stage_id.data,
                actor_id=current_user.id,
                **_case_values(form),
            )
            plan_services.set_measures(
                db.session, kind="case", record_id=case.id, measure_ids=form.measure_ids.data
            )
        if saved.ok:
            flash(_("The case for %(name)s is opened.", name=case.company.name), "success")
            return redirect(url_for("establishments.detail", case_id=case.id))
    if company is None and form.company_id.data:
        company = queries.get_company(db.session, form.company_id.data)
    return _render_case_form(form, company=company)


@bp.route("/<int:case_id>/edit", methods=["GET", "POST"])
@edit_access
def edit(case_id: int):
    """Change a case; a save over someone else's newer save is refused, the input kept."""
    case = _case_or_404(case_id)
    form = CaseEditForm.editing(case)
    if not form.is_submitted():
        form.place_ids.data = [p.id for p in case.wished_places]
        form.strategy_ids.data = [s.id for s in case.strategies]
        form.measure_ids.data = plan_queries.linked_measure_ids(
            db.session, kind="case", record_id=case.id
        )
    elif form.validate():
        with saving(form) as saved:
            services.update_case(
                db.session,
                case=case,
                version=form.version.data,
                established_place_id=form.established_place_id.data,
                established_on=form.established_on.data,
                actual_jobs=form.actual_jobs.data,
                lost_reason=form.lost_reason.data,
                lost_to_municipality=form.lost_to_municipality.data,
                **_case_values(form),
            )
            plan_services.set_measures(
                db.session, kind="case", record_id=case.id, measure_ids=form.measure_ids.data
            )
        if saved.ok:
            flash(_("The case for %(name)s is saved.", name=case.company.name), "success")
            return redirect(url_for("establishments.detail", case_id=case.id))
    return _render_case_form(form, case=case, company=case.company)


def _move_page(case: EstablishmentCase, form: MoveForm, status: int = 200):
    form.stage_id.choices = select_choices((s.id, s.name) for s in queries.list_stages(db.session))
    form.established_place_id.choices = _place_choices(_("Choose a place"))
    return render_template("establishments/move.html", case=case, form=form), status


OUTCOME_FIELDS = {
    "established_place_id",
    "established_on",
    "actual_jobs",
    "lost_reason",
    "lost_to_municipality",
}


@bp.route("/<int:case_id>/stage", methods=["GET", "POST"])
@edit_access
def move(case_id: int):
    """Move a case to a stage. Board cards post here (as a form, or by fetch asking for JSON).

    When the stage needs more (established: place, date, jobs; lost: a reason), a card's
    quick move is refused: JSON says why, a plain post is sent to this page's full form.
    """
    case = _case_or_404(case_id)
    form = MoveForm()
    if not form.is_submitted():
        form.process(obj=case)
        stage_id = parse_id(request.args.get("stage_id"))
        if stage_id is not None:
            form.stage_id.data = stage_id
        return _move_page(case, form)
    quick = request.form.get("quick") == "1"
    if not form.validate():
        if _wants_json():
            return jsonify(ok=False, message=_("Please correct the fields marked below.")), 400
        return _move_page(case, form, 400)
    target = form.stage_id.data
    # Answered below: in JSON to the board, or as a flash or on the form to a plain post.
    with saving(show=lambda _error: None) as saved:
        services.move_case(
            db.session,
            case=case,
            stage_id=target,
            actor_id=current_user.id,
            established_place_id=form.established_place_id.data,
            established_on=form.established_on.data,
            actual_jobs=form.actual_jobs.data,
            lost_reason=form.lost_reason.data,
            lost_to_municipality=form.lost_to_municipality.data,
            confirmed=bool(form.confirmed.data),
        )
    if isinstance(saved.error, services.UnansweredChecklist):
        return _confirm_move(case, form, saved.error)
    if (error := saved.error) is not None:
        needs_form = error.field in OUTCOME_FIELDS
        form_url = url_for("establishments.move", case_id=case_id, stage_id=target)
        if _wants_json():
            # Answered, not failed: the page shows the refusal (the card stays where it was).
            return jsonify(
                ok=False,
                message=error.message,
                field=error.field,
                form_url=form_url if needs_form else None,
            )
        if quick and needs_form:
            flash(error.message, "warning")
            return redirect(form_url)
        show_domain_error(form, error)
        return _move_page(case, form, 400)
    message = _("%(name)s is moved to “%(stage)s”.", name=case.company.name, stage=case.stage.name)
    if _wants_json():
        return jsonify(ok=True, message=message, stage_id=case.stage_id, case_id=case.id)
    flash(message, "success")
    target_url = form.next.data
    if is_safe_redirect(target_url):
        return redirect(target_url)
    return redirect(url_for("establishments.detail", case_id=case.id))


def _confirm_move(case: EstablishmentCase, form: MoveForm, error: services.UnansweredChecklist):
    """Ask before moving on with unanswered questions: JSON for the board, else a page."""
    if _wants_json():
        return jsonify(
            ok=False,
            confirm=True,
            message=str(error.message),
            unanswered=[item.text for item in error.items],
        )
    target = queries.get_stage(db.session, form.stage_id.data)
    return render_template(
        "establishments/move_confirm.html",
        case=case,
        form=form,
        target=target,
        unanswered=error.items,
        message=error.message,
        # What was posted goes again, with the confirmation (the token is the template's own).
        carried=[
            (name, value)
            for name, value in request.form.items(multi=True)
            if name not in ("csrf_token", "confirmed")
        ],
    )


@bp.route("/<int:case_id>/checklist", methods=["POST"])
@edit_access
def answer_checklist(case_id: int):
    """Tick the questions of the case's stage that are answered (from the case or a meeting)."""
    case = _case_or_404(case_id)
    form = ChecklistForm()
    back = form.next.data if is_safe_redirect(form.next.data) else None
    back = back or url_for("establishments.detail", case_id=case_id, _anchor="checklist")
    if not form.validate_on_submit():
        flash(_("The answers could not be saved. Try again."), "danger")
        return redirect(back)
    with saving() as saved:
        services.answer_checklist(
            db.session,
            case=case,
            answered_ids=form.answered_ids.data or [],
            actor_id=current_user.id,
            meeting_id=form.meeting_id.data,
        )
    if saved.ok:
        flash(_("The answers for “%(stage)s” are saved.", stage=case.stage.name), "success")
    return redirect(back)


@bp.route("/<int:case_id>/meetings", methods=["POST"])
@edit_access
def link_meeting(case_id: int):
    """Link an existing meeting with the organisation to the case."""
    case = _case_or_404(case_id)
    form = LinkMeetingForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            meeting = services.link_meeting(db.session, case=case, meeting_id=form.meeting_id.data)
        if saved.ok:
            flash(
                _("The meeting “%(title)s” is linked to the case.", title=meeting.title), "success"
            )
            return redirect(url_for("establishments.detail", case_id=case_id))
    return _render_detail(case_id, link_form=form, status=400)


@bp.route("/<int:case_id>/tasks", methods=["POST"])
@edit_access
def add_task(case_id: int):
    """Add a follow-up task to the case (and its organisation)."""
    case = _case_or_404(case_id)
    form = CaseTaskForm()
    if form.validate_on_submit():
        # A refusal about a field this small form lacks lands on the form as a whole.
        with saving(form) as saved:
            task = services.add_case_task(
                db.session,
                case=case,
                title=form.title.data or "",
                due_on=form.due_on.data,
                assignee_id=form.assignee_id.data,
            )
        if saved.ok:
            flash(_("The task “%(title)s” is added.", title=task.title), "success")
            return redirect(url_for("establishments.detail", case_id=case_id))
    return _render_detail(case_id, task_form=form, status=400)


# --- stages (admins) --------------------------------------------------------------------------


def _stage_or_404(stage_id: int) -> Stage:
    stage = queries.get_stage(db.session, stage_id)
    if stage is None:
        abort(404)
    return stage


def _render_stages(failed: StageForm | None = None, failed_id: int | None = None, status=200):
    stages = queries.list_stages(db.session)
    forms = {}
    for stage in stages:
        if failed is not None and stage.id == failed_id:
            forms[stage.id] = failed
        else:
            forms[stage.id] = StageForm(
                formdata=None, prefix=f"stage{stage.id}", name=stage.name, version=stage.version
            )
    return render_template(
        "establishments/stages.html",
        stages=stages,
        checklist_sizes=queries.checklist_sizes(db.session),
        forms=forms,
        move_form=StageMoveForm(formdata=None),
        outcomes=StageOutcome,
    ), status


@bp.route("/stages")
@admin_access
def stages():
    """The stages in board order: rename and reorder them."""
    return _render_stages()


@bp.route("/stages/<int:stage_id>", methods=["POST"])
@admin_access
def rename_stage(stage_id: int):
    """Rename a stage (its meaning, kept in its key and outcome, stays)."""
    stage = _stage_or_404(stage_id)
    form = StageForm(prefix=f"stage{stage.id}")
    if form.validate_on_submit():
        with saving(form) as saved:
            services.rename_stage(
                db.session, stage=stage, name=form.name.data, version=form.version.data
            )
        if saved.ok:
            flash(_("The stage is renamed to “%(name)s”.", name=stage.name), "success")
            return redirect(url_for("establishments.stages"))
    return _render_stages(form, stage_id, 400)


@bp.route("/stages/<int:stage_id>/move", methods=["POST"])
@admin_access
def move_stage(stage_id: int):
    """Move a stage one column earlier or later on the board."""
    stage = _stage_or_404(stage_id)
    form = StageMoveForm()
    if not form.validate_on_submit() or form.direction.data not in ("up", "down"):
        abort(400)
    with saving() as saved:
        services.move_stage_position(
            db.session, stage=stage, offset=-1 if form.direction.data == "up" else 1
        )
    if saved.ok:
        flash(_("The stage “%(name)s” is moved.", name=stage.name), "success")
    return redirect(url_for("establishments.stages"))


# --- stage checklists (admins) ----------------------------------------------------------------


def _render_checklist(stage: Stage, *, failed=None, failed_id: int | None = None, new_form=None):
    items = queries.stage_checklist(db.session, stage.id)
    forms = {
        item.id: failed
        if failed is not None and item.id == failed_id
        else ChecklistItemForm(
            formdata=None, prefix=f"item{item.id}", text=item.text, version=item.version
        )
        for item in items
    }
    status = 400 if (failed is not None or (new_form is not None and new_form.errors)) else 200
    return render_template(
        "establishments/checklist.html",
        stage=stage,
        items=items,
        forms=forms,
        new_form=new_form or NewChecklistItemForm(formdata=None),
    ), status


@bp.route("/stages/<int:stage_id>/checklist", methods=["GET", "POST"])
@admin_access
def stage_checklist(stage_id: int):
    """The questions of a stage's checklist: reword, remove, add."""
    stage = _stage_or_404(stage_id)
    if request.method == "GET":
        return _render_checklist(stage)
    form = NewChecklistItemForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            services.add_checklist_item(db.session, stage=stage, text=form.text.data)
        if saved.ok:
            flash(_("The question is added to “%(stage)s”.", stage=stage.name), "success")
            return redirect(url_for("establishments.stage_checklist", stage_id=stage.id))
    return _render_checklist(stage, new_form=form)


def _item_or_404(item_id: int):
    item = queries.get_checklist_item(db.session, item_id)
    if item is None:
        abort(404)
    return item


@bp.route("/checklist/<int:item_id>", methods=["POST"])
@admin_access
def update_checklist_item(item_id: int):
    """Reword a question."""
    item = _item_or_404(item_id)
    form = ChecklistItemForm(prefix=f"item{item.id}")
    if form.validate_on_submit():
        with saving(form) as saved:
            services.update_checklist_item(
                db.session, item=item, text=form.text.data, version=form.version.data
            )
        if saved.ok:
            flash(_("The question is saved."), "success")
            return redirect(url_for("establishments.stage_checklist", stage_id=item.stage_id))
    return _render_checklist(item.stage, failed=form, failed_id=item.id)


@bp.route("/checklist/<int:item_id>/delete", methods=["POST"])
@admin_access
def delete_checklist_item(item_id: int):
    """Remove a question (and the answers cases gave to it)."""
    item = _item_or_404(item_id)
    stage_id = item.stage_id
    if not DeleteChecklistItemForm().validate_on_submit():
        abort(400)
    with saving() as saved:
        services.delete_checklist_item(db.session, item=item)
    if saved.ok:
        flash(_("The question is removed."), "success")
    return redirect(url_for("establishments.stage_checklist", stage_id=stage_id))


# --- early-warning flags ----------------------------------------------------------------------


@bp.route("/flags")
@read_access
def flags():
    """Open early warnings of the department: red first, then newest; `?severity=red` only red."""
    red_only = request.args.get("severity") == FlagSeverity.RED.value
    return render_template(
        "establishments/flags.html",
        rows=queries.open_flags(db.session, red_only=red_only),
        red_only=red_only,
    )


@bp.route("/flags/new", methods=["GET", "POST"])
@edit_access
def new_flag():
    """Raise an early warning on an organisation (`?company_id=`), by hand or from a meeting."""
    form = FlagForm()
    if not form.is_submitted():
        form.company_id.data = parse_id(request.args.get("company_id"))
        form.meeting_id.data = parse_id(request.args.get("meeting_id"))
    company = queries.get_company(db.session, form.company_id.data)
    if company is None:
        abort(404)
    if form.validate_on_submit():
        with saving(form) as saved:
            flag = services.raise_flag(
                db.session,
                company_id=company.id,
                severity=form.severity.data,
                kind=form.kind.data,
                note=form.note.data or "",
                meeting_id=form.meeting_id.data,
                raised_on=local_today(),
                raised_by_id=current_user.id,
            )
        if saved.ok:
            flash(_("The warning on %(name)s is raised.", name=company.name), "success")
            if flag.severity == "red" and not queries.has_active_case(db.session, company.id):
                flash(_("No open case follows %(name)s up yet.", name=company.name), "info")
            return redirect(url_for("establishments.flags"))
    form.meeting_id.choices = [
        SelectChoice("", _("Not raised in a meeting")),
        *[
            SelectChoice(str(m.id), f"{m.starts_at.date().isoformat()} {m.title}")
            for m in queries.company_meetings(db.session, company.id)
        ],
    ]
    return render_template(
        "establishments/flag_form.html", form=form, company=company
    ), 400 if form.errors else 200


def _flag_or_404(flag_id: int) -> WarningFlag:
    flag = queries.get_flag(db.session, flag_id)
    if flag is None:
        abort(404)
    return flag


@bp.route("/flags/<int:flag_id>/resolve", methods=["GET", "POST"])
@edit_access
def resolve_flag(flag_id: int):
    """Resolve an early warning: when, and how."""
    flag = _flag_or_404(flag_id)
    form = ResolveFlagForm.editing(flag, fill=False)
    if not form.is_submitted():
        form.resolved_on.data = local_today()
    elif form.validate():
        with saving(form) as saved:
            services.resolve_flag(
                db.session,
                flag=flag,
                version=form.version.data,
                resolved_on=form.resolved_on.data,
                resolution=form.resolution.data or "",
            )
        if saved.ok:
            flash(_("The warning on %(name)s is resolved.", name=flag.company.name), "success")
            return redirect(url_for("establishments.flags"))
    return render_template(
        "establishments/resolve_flag.html", form=form, flag=flag
    ), 400 if form.errors else 200
