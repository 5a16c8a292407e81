"""The action plan: plans, a page per plan with its measures, a measure with its evidence."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from crm.common.access import edit_access, read_access
from crm.common.dates import local_today
from crm.common.forms import select_choices
from crm.common.pagination import page_args, paginate
from crm.common.saving import saving
from crm.companies.models import Company
from crm.exports.downloads import spreadsheet_download
from crm.extensions import db
from crm.meetings import queries as meeting_queries
from crm.plans import bp, queries, services
from crm.plans.filters import measure_filter_form
from crm.plans.forms import (
    DeleteForm,
    MeasureForm,
    PlanCreateForm,
    PlanEditForm,
    UnlinkEvidenceForm,
)
from crm.plans.labels import MEASURE_STATUS
from crm.plans.models import ActionPlan, Measure, MeasureStatus


def _found(record):
    if record is None:
        abort(404)
    return record


def _status(form) -> int:
    return 400 if form.errors or form.form_errors else 200


@bp.route("/")
@read_access
def index():
    """Every action plan with its measures counted by status."""
    return render_template(
        "plans/index.html",
        plans=queries.list_plans(db.session),
        counts=queries.status_counts_by_plan(db.session),
        statuses=list(MeasureStatus),
        can_edit=current_user.can_edit,
    )


@bp.route("/new", methods=["GET", "POST"])
@edit_access
def create():
    """A new plan; by default it takes over the previous plan's open measures."""
    form = PlanCreateForm()
    if not form.is_submitted():
        latest = next(iter(queries.list_plans(db.session)), None)
        if latest is not None:
            length = latest.end_year - latest.start_year
            form.start_year.data = latest.end_year + 1
            form.end_year.data = latest.end_year + 1 + length
    if form.validate_on_submit():
        with saving(form) as saved:
            plan = services.create_plan(
                db.session,
                name=form.name.data,
                start_year=form.start_year.data,
                end_year=form.end_year.data,
                description=form.description.data or "",
                copy_open_measures=form.copy_open_measures.data,
            )
            copied = len(plan.measures)
        if saved.ok:
            message = _("%(name)s is saved.", name=plan.name)
            if copied:
                message = _(
                    "%(name)s is saved with %(count)s measures taken over.",
                    name=plan.name,
                    count=copied,
                )
            flash(message, "success")
            return redirect(url_for("plans.detail", plan_id=plan.id))
    return render_template("plans/plan_form.html", form=form, plan=None), _status(form)


@bp.route("/<int:plan_id>")
@read_access
def detail(plan_id: int):
    """A plan's measures grouped by focus area and strategy, status at a glance, overdue marked."""
    plan = _found(queries.get_plan(db.session, plan_id))
    measures = queries.plan_measures(db.session, plan.id)
    return render_template(
        "plans/detail.html",
        plan=plan,
        groups=queries.group_measures(measures),
        counts=queries.status_counts(db.session, plan.id),
        overdue=sum(1 for m in measures if m.overdue),
        evidence=queries.evidence_counts(db.session, plan.id),
        total=len(measures),
        can_edit=current_user.can_edit,
        delete_form=DeleteForm(prefix="delete"),
    )


@bp.route("/<int:plan_id>/edit", methods=["GET", "POST"])
@edit_access
def edit(plan_id: int):
    """Change a plan's name, years or description."""
    plan = _found(queries.get_plan(db.session, plan_id))
    form = PlanEditForm.editing(plan)
    if form.validate_on_submit():
        with saving(form) as saved:
            services.update_plan(
                db.session,
                plan=plan,
                version=form.version.data,
                name=form.name.data,
                start_year=form.start_year.data,
                end_year=form.end_year.data,
                description=form.description.data or "",
            )
        if saved.ok:
            flash(_("%(name)s is saved.", name=plan.name), "success")
            return redirect(url_for("plans.detail", plan_id=plan.id))
    return render_template("plans/plan_form.html", form=form, plan=plan), _status(form)


@bp.route("/<int:plan_id>/delete", methods=["POST"])
@edit_access
def delete(plan_id: int):
    """Delete a plan made by mistake (only one without measures)."""
    plan = _found(queries.get_plan(db.session, plan_id))
    if not DeleteForm(prefix="delete").validate_on_submit():
        abort(400)
    name = plan.name
    with saving() as saved:
        services.delete_plan(db.session, plan=plan)
    if saved.ok:
        flash(_("%(name)s was deleted.", name=name), "success")
        return redirect(url_for("plans.index"))
    return redirect(url_for("plans.detail", plan_id=plan_id))


@bp.route("/<int:plan_id>/measures.<fmt>")
@read_access
def export(plan_id: int, fmt: str):
    """The plan's measures as a CSV or XLSX file, in the order of the plan's page."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    plan = _found(queries.get_plan(db.session, plan_id))
    measures = queries.plan_measures(db.session, plan.id)
    partners = queries.partner_names(db.session, [m.id for m in measures])
    evidence = queries.evidence_counts(db.session, plan.id)
    columns = [
        _("Focus area"),
        _("Strategy"),
        _("Measure"),
        _("Description"),
        _("Status"),
        _("Responsible adviser"),
        _("Partner organisations"),
        _("Deadline"),
        _("Overdue"),
        _("Progress note"),
        _("Progress note dated"),
        _("Linked meetings, cases and tasks"),
    ]
    yes, no = _("Yes"), _("No")
    rows = [
        [
            f"{m.strategy.focus_area.number} {m.strategy.focus_area.name}" if m.strategy else "",
            m.strategy.label if m.strategy else "",
            m.title,
            m.description,
            MEASURE_STATUS.label(m.status),
            m.responsible.name if m.responsible else "",
            ", ".join(partners.get(m.id, [])),
            m.deadline,
            yes if m.overdue else no,
            m.progress_note,
            m.progress_on,
            evidence.get(m.id, 0),
        ]
        for m in measures
    ]
    return spreadsheet_download(
        fmt,
        columns,
        rows,
        filename=f"measures-{plan.start_year}-{plan.end_year}-{local_today().isoformat()}",
        sheet_title=plan.name,
    )


@bp.route("/measures")
@read_access
def measures():
    """Measures across plans, filtered (status, overdue, strategy, adviser)."""
    form, filters = measure_filter_form(db.session, request.args)
    query = queries.measure_list_query(filters, today=local_today())
    page, per_page = page_args()
    pagination = paginate(db.session, query, page=page, per_page=per_page)
    return render_template(
        "plans/measures.html",
        form=form,
        pagination=pagination,
        args={k: v for k, v in request.args.items() if k != "page"},
    )


# --- measures -------------------------------------------------------------------------------


def _fill_choices(form: MeasureForm) -> list[Company]:
    """The selects' options, and the partner organisations chosen so far (for the chips)."""
    form.strategy_id.choices = [SelectChoice("", _("No strategy"))]
    for area, strategies in meeting_queries.strategy_choices(db.session):
        form.strategy_id.choices += select_choices(strategies, optgroup=area)
    include = [form.responsible_id.data] if form.responsible_id.data else []
    form.responsible_id.choices = [
        SelectChoice("", _("Nobody yet")),
        *select_choices(
            meeting_queries.user_choices(db.session, active_only=True, include_ids=include)
        ),
    ]
    ids = form.partner_ids.data or []
    if not ids:
        return []
    found = {c.id: c for c in db.session.scalars(select(Company).where(Company.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def _read_partners(form: MeasureForm) -> bool:
    """Add the organisations typed without the suggestions (no JavaScript) to those chosen."""
    ids, unmatched = meeting_queries.resolve_typed(
        db.session, "companies", form.partner_ids_text.data
    )
    form.partner_ids.data = list(dict.fromkeys([*(form.partner_ids.data or []), *ids]))
    if unmatched:
        form.partner_ids.errors = [
            *form.partner_ids.errors,
            _(
                "Not found, or more than one has this name: %(names)s. "
                "Use the organisation number or the exact name.",
                names=", ".join(unmatched),
            ),
        ]
        return False
    form.partner_ids_text.data = ""
    return True


def _measure_values(form: MeasureForm) -> dict:
    return {
        "title": form.title.data,
        "description": form.description.data or "",
        "strategy_id": form.strategy_id.data,
        "responsible_id": form.responsible_id.data,
        "partner_ids": form.partner_ids.data or [],
        "status": form.status.data,
        "deadline": form.deadline.data,
        "progress_note": form.progress_note.data or "",
        "progress_on": form.progress_on.data,
    }


def _render_measure_form(form: MeasureForm, *, plan: ActionPlan, measure: Measure | None):
    partners = _fill_choices(form)
    return render_template(
        "plans/measure_form.html", form=form, plan=plan, measure=measure, partners=partners
    ), _status(form)


@bp.route("/<int:plan_id>/measures/new", methods=["GET", "POST"])
@edit_access
def create_measure(plan_id: int):
    """Add a measure to a plan."""
    plan = _found(queries.get_plan(db.session, plan_id))
    form = MeasureForm()
    if not form.is_submitted():
        form.responsible_id.data = current_user.id
    if form.validate_on_submit() and _read_partners(form):
        with saving(form) as saved:
            measure = services.create_measure(db.session, plan=plan, **_measure_values(form))
        if saved.ok:
            flash(_("The measure %(title)s is saved.", title=measure.title), "success")
            return redirect(url_for("plans.measure", measure_id=measure.id))
    return _render_measure_form(form, plan=plan, measure=None)


@bp.route("/measures/<int:measure_id>")
@read_access
def measure(measure_id: int):
    """A measure: its facts, progress, and the meetings, cases and tasks that are its evidence."""
    measure = _found(queries.get_measure(db.session, measure_id))
    return render_template(
        "plans/measure.html",
        measure=measure,
        plan=measure.plan,
        evidence=queries.measure_evidence(db.session, measure.id),
        can_edit=current_user.can_edit,
        delete_form=DeleteForm(prefix="delete"),
        unlink_form=UnlinkEvidenceForm(prefix="unlink"),
    )


@bp.route("/measures/<int:measure_id>/edit", methods=["GET", "POST"])
@edit_access
def edit_measure(measure_id: int):
    """Change a measure: status, deadline, progress note and the rest."""
    measure = _found(queries.get_measure(db.session, measure_id))
    form = MeasureForm.editing(measure)
    if not form.is_submitted():
        form.partner_ids.data = [c.id for c in measure.partners]
    if form.validate_on_submit() and _read_partners(form):
        with saving(form) as saved:
            services.update_measure(
                db.session, measure=measure, version=form.version.data, **_measure_values(form)
            )
        if saved.ok:
            flash(_("The measure %(title)s is saved.", title=measure.title), "success")
            return redirect(url_for("plans.measure", measure_id=measure.id))
    return _render_measure_form(form, plan=measure.plan, measure=measure)


@bp.route("/measures/<int:measure_id>/delete", methods=["POST"])
@edit_access
def delete_measure(measure_id: int):
    """Delete a measure entered by mistake; what was linked to it stays."""
    measure = _found(queries.get_measure(db.session, measure_id))
    if not DeleteForm(prefix="delete").validate_on_submit():
        abort(400)
    plan_id, title = measure.plan_id, measure.title
    with saving() as saved:
        services.delete_measure(db.session, measure=measure)
    if saved.ok:
        flash(_("The measure %(title)s was deleted.", title=title), "success")
    return redirect(url_for("plans.detail", plan_id=plan_id))


@bp.route("/measures/<int:measure_id>/unlink", methods=["POST"])
@edit_access
def unlink(measure_id: int):
    """Remove one meeting, case or task from a measure's evidence."""
    measure = _found(queries.get_measure(db.session, measure_id))
    form = UnlinkEvidenceForm(prefix="unlink")
    record_id = form.record_id.data
    valid = form.validate_on_submit() and record_id is not None
    if not valid or form.kind.data not in ("meeting", "case", "task"):
        abort(400)
    with saving() as saved:
        services.unlink_evidence(
            db.session, measure=measure, kind=form.kind.data, record_id=record_id
        )
    if saved.ok:
        flash(_("The link was removed."), "success")
    return redirect(url_for("plans.measure", measure_id=measure.id))
