"""The business strategy: what the department's work serves, and (admins) its reference data."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from crm.common.access import admin_access, read_access
from crm.common.converters import parse_id
from crm.common.saving import saving
from crm.extensions import db
from crm.strategy import bp, queries, services
from crm.strategy.forms import (
    FocusAreaEditForm,
    FocusAreaForm,
    MakeCurrentForm,
    PeriodChoiceForm,
    PeriodCreateForm,
    PeriodEditForm,
    StrategyEditForm,
    StrategyForm,
)
from crm.strategy.models import FocusArea, Strategy, StrategyPeriod


def _found(record):
    if record is None:
        abort(404)
    return record


def _period_page(period: StrategyPeriod) -> str:
    return url_for("strategy.index", period=period.id)


def _status(form) -> int:
    return 400 if form.errors or form.form_errors else 200


def _render_form(form, *, title: str, fields: list[str], back_url: str, intro: str = ""):
    return render_template(
        "strategy/form.html",
        form=form,
        title=title,
        fields=fields,
        back_url=back_url,
        intro=intro,
    ), _status(form)


@bp.route("/")
@read_access
def index():
    """The current strategy (or the one chosen): focus areas, SDGs, strategies, meeting counts."""
    period_id = parse_id(request.args.get("period"))
    if period_id:
        period = _found(queries.get_period(db.session, period_id))
    else:
        period = queries.get_current_period(db.session)
    periods = queries.list_periods(db.session)
    choice = PeriodChoiceForm(formdata=None, period=period.id if period else None)
    choice.period.choices = [
        (p.id, p.name + (" " + _("(current)") if p.current else "")) for p in periods
    ]
    strategy_counts = area_counts = {}
    if period is not None:
        strategy_counts = queries.meeting_counts_by_strategy(db.session, period_id=period.id)
        area_counts = queries.meeting_counts_by_focus_area(db.session, period_id=period.id)
    return render_template(
        "strategy/index.html",
        period=period,
        choice=choice,
        show_choice=len(periods) > 1,
        strategy_counts=strategy_counts,
        area_counts=area_counts,
    )


@bp.route("/periods")
@admin_access
def periods():
    """Every strategy period; admins make one current or start a new one."""
    return render_template(
        "strategy/periods.html",
        periods=queries.list_periods(db.session),
        make_current_form=MakeCurrentForm(),
    )


@bp.route("/periods/new", methods=["GET", "POST"])
@admin_access
def create_period():
    """A new strategy period, optionally copying the current one's focus areas and strategies."""
    form = PeriodCreateForm()
    current = queries.get_current_period(db.session)
    if form.validate_on_submit():
        with saving(form) as saved:
            period = services.create_period(
                db.session,
                name=form.name.data,
                start_year=form.start_year.data,
                end_year=form.end_year.data,
                copy_from=current if form.copy_current.data else None,
                current=form.make_current.data,
            )
        if saved.ok:
            flash(_("The strategy period %(name)s is created.", name=period.name), "success")
            return redirect(_period_page(period))
    fields = ["name", "start_year", "end_year", "make_current"]
    if current is not None:
        fields.insert(3, "copy_current")
    return _render_form(
        form,
        title=_("New strategy period"),
        fields=fields,
        back_url=url_for("strategy.periods"),
        intro=_(
            "Meetings keep the strategies they are tagged with; copying makes new focus areas "
            "and strategies for the new period and leaves the old ones as they are."
        ),
    )


@bp.route("/periods/<int:period_id>/edit", methods=["GET", "POST"])
@admin_access
def edit_period(period_id: int):
    """Rename a period or change its years."""
    period = _found(db.session.get(StrategyPeriod, period_id))
    form = PeriodEditForm.editing(period)
    if form.validate_on_submit():
        with saving(form) as saved:
            services.update_period(
                db.session,
                period=period,
                version=form.version.data,
                name=form.name.data,
                start_year=form.start_year.data,
                end_year=form.end_year.data,
            )
        if saved.ok:
            flash(_("%(name)s is saved.", name=period.name), "success")
            return redirect(_period_page(period))
    return _render_form(
        form,
        title=_("Edit strategy period"),
        fields=["name", "start_year", "end_year"],
        back_url=url_for("strategy.periods"),
    )


@bp.route("/periods/<int:period_id>/make-current", methods=["POST"])
@admin_access
def make_current(period_id: int):
    """Make a period the current one (the others stop being current)."""
    period = _found(db.session.get(StrategyPeriod, period_id))
    form = MakeCurrentForm()
    if not form.validate_on_submit():
        abort(400)
    with saving() as saved:
        services.make_period_current(db.session, period=period)
    if saved.ok:
        flash(_("%(name)s is now the current strategy period.", name=period.name), "success")
    return redirect(url_for("strategy.periods"))


@bp.route("/periods/<int:period_id>/focus-areas/new", methods=["GET", "POST"])
@admin_access
def create_focus_area(period_id: int):
    """Add a focus area to a period."""
    period = _found(db.session.get(StrategyPeriod, period_id))
    form = FocusAreaForm()
    if request.method == "GET":
        form.number.data = queries.suggest_focus_area_number(db.session, period=period)
    if form.validate_on_submit():
        with saving(form) as saved:
            area = services.create_focus_area(
                db.session,
                period=period,
                number=form.number.data,
                name=form.name.data,
                sdgs=form.sdg_numbers,
            )
        if saved.ok:
            flash(_("%(name)s is saved.", name=area.name), "success")
            return redirect(_period_page(period))
    return _render_form(
        form,
        title=_("New focus area in %(period)s", period=period.name),
        fields=["number", "name", "sdgs"],
        back_url=_period_page(period),
    )


@bp.route("/focus-areas/<int:focus_area_id>/edit", methods=["GET", "POST"])
@admin_access
def edit_focus_area(focus_area_id: int):
    """Change a focus area's number, name and SDGs."""
    area = _found(queries.get_focus_area(db.session, focus_area_id))
    form = FocusAreaEditForm.editing(area)
    if request.method == "GET":
        form.sdgs.data = ", ".join(str(n) for n in area.sdg_list)
    if form.validate_on_submit():
        with saving(form) as saved:
            services.update_focus_area(
                db.session,
                focus_area=area,
                version=form.version.data,
                number=form.number.data,
                name=form.name.data,
                sdgs=form.sdg_numbers,
            )
        if saved.ok:
            flash(_("%(name)s is saved.", name=area.name), "success")
            return redirect(_period_page(area.period))
    return _render_form(
        form,
        title=_("Edit focus area"),
        fields=["number", "name", "sdgs"],
        back_url=_period_page(area.period),
    )


@bp.route("/focus-areas/<int:focus_area_id>/strategies/new", methods=["GET", "POST"])
@admin_access
def create_strategy(focus_area_id: int):
    """Add a strategy under a focus area."""
    area = _found(queries.get_focus_area(db.session, focus_area_id))
    form = StrategyForm()
    if request.method == "GET":
        form.number.data = queries.suggest_strategy_number(db.session, focus_area=area)
    if form.validate_on_submit():
        with saving(form) as saved:
            strategy = services.create_strategy(
                db.session,
                focus_area=area,
                number=form.number.data,
                name=form.name.data,
                description=form.description.data or "",
            )
        if saved.ok:
            flash(_("%(name)s is saved.", name=strategy.label), "success")
            return redirect(_period_page(area.period))
    return _render_form(
        form,
        title=_("New strategy under %(area)s", area=f"{area.number}. {area.name}"),
        fields=["number", "name", "description"],
        back_url=_period_page(area.period),
    )


@bp.route("/strategies/<int:strategy_id>/edit", methods=["GET", "POST"])
@admin_access
def edit_strategy(strategy_id: int):
    """Change a strategy's number, name and description; meetings keep their tags."""
    strategy: Strategy = _found(queries.get_strategy(db.session, strategy_id))
    area: FocusArea = strategy.focus_area
    form = StrategyEditForm.editing(strategy)
    if form.validate_on_submit():
        with saving(form) as saved:
            services.update_strategy(
                db.session,
                strategy=strategy,
                version=form.version.data,
                number=form.number.data,
                name=form.name.data,
                description=form.description.data or "",
            )
        if saved.ok:
            flash(_("%(name)s is saved.", name=strategy.label), "success")
            return redirect(_period_page(area.period))
    return _render_form(
        form,
        title=_("Edit strategy"),
        fields=["number", "name", "description"],
        back_url=_period_page(area.period),
    )
