"""The strategy's external indicators: everyone reads the table, admins record the values."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.common.access import admin_access, read_access
from crm.common.saving import saving
from crm.extensions import db
from crm.indicators import bp, queries, services
from crm.indicators.forms import DeleteValueForm, IndicatorValueForm
from crm.indicators.models import IndicatorValue


def _found(value_id: int) -> IndicatorValue:
    record = queries.get_value(db.session, value_id)
    if record is None:
        abort(404)
    return record


def _number(value) -> float | None:
    return float(value) if value is not None else None


def _values(form: IndicatorValueForm) -> dict:
    return {
        "indicator": form.indicator.data,
        "year": form.year.data,
        "value": _number(form.value.data),
        "national_value": _number(form.national_value.data),
        "source": form.source.data or "",
    }


def _render_form(form: IndicatorValueForm, record: IndicatorValue | None):
    status = 400 if form.errors or form.form_errors else 200
    return render_template(
        "indicators/form.html",
        form=form,
        record=record,
        delete_form=DeleteValueForm(prefix="delete"),
    ), status


@bp.route("/")
@read_access
def index():
    """Every indicator by year, with its national figure and source."""
    series = queries.indicator_series(db.session)
    years = sorted({point.year for points in series.values() for point in points})
    return render_template(
        "indicators/index.html",
        series=series,
        years=years,
        values=queries.list_values(db.session),
        can_admin=current_user.is_admin,
    )


@bp.route("/new", methods=["GET", "POST"])
@admin_access
def create():
    """Record an indicator's value for a year."""
    form = IndicatorValueForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            record = services.record_value(db.session, **_values(form))
        if saved.ok:
            flash(_("The value for %(year)s is saved.", year=record.year), "success")
            return redirect(url_for("indicators.index"))
    return _render_form(form, None)


@bp.route("/<int:value_id>/edit", methods=["GET", "POST"])
@admin_access
def edit(value_id: int):
    """Correct a recorded value, its year or its source."""
    record = _found(value_id)
    form = IndicatorValueForm.editing(record)
    if form.validate_on_submit():
        with saving(form) as saved:
            services.update_value(
                db.session, record=record, version=form.version.data, **_values(form)
            )
        if saved.ok:
            flash(_("The value for %(year)s is saved.", year=record.year), "success")
            return redirect(url_for("indicators.index"))
    return _render_form(form, record)


@bp.route("/<int:value_id>/delete", methods=["POST"])
@admin_access
def delete(value_id: int):
    """Delete a value recorded by mistake."""
    record = _found(value_id)
    if not DeleteValueForm(prefix="delete").validate_on_submit():
        abort(400)
    with saving() as saved:
        services.delete_value(db.session, record=record)
    if saved.ok:
        flash(_("The value was deleted."), "success")
    return redirect(url_for("indicators.index"))
