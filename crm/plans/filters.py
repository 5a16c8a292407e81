"""The measures list's filters, read from the query string (the dashboard links here)."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, SelectChoice, SelectField

from crm.common.filters import valid_filter_values
from crm.common.forms import optional_choice, optional_id, select_choices
from crm.meetings.queries import strategy_choices, user_choices
from crm.plans.labels import MEASURE_STATUS
from crm.plans.queries import MeasureFilters, plan_choices


class MeasureFilterForm(FlaskForm):
    """Plan, status, overdue, strategy and adviser (GET, no CSRF)."""

    class Meta:
        csrf = False

    plan = SelectField(_l("Action plan"), coerce=optional_id)
    status = SelectField(_l("Status"), coerce=optional_choice)
    overdue = BooleanField(_l("Only overdue measures"))
    strategy = SelectField(_l("Strategy"), coerce=optional_id, validate_choice=False, choices=[])
    responsible = SelectField(_l("Responsible adviser"), coerce=optional_id)


def measure_filter_form(
    session: Session, args: Mapping[str, str]
) -> tuple[MeasureFilterForm, MeasureFilters]:
    """The measures list's filter form and the filters it asks for."""
    form = MeasureFilterForm(formdata=MultiDict(args))
    form.plan.choices = select_choices(plan_choices(session), empty=_l("All plans"))
    form.status.choices = MEASURE_STATUS.choices(empty=_l("Any status"))
    form.strategy.choices = [SelectChoice("", _l("Any strategy"))]
    for area, strategies in strategy_choices(session):
        form.strategy.choices += select_choices(strategies, optgroup=area)
    form.responsible.choices = select_choices(
        user_choices(session, active_only=False), empty=_l("Anyone")
    )
    values = valid_filter_values(form)
    return form, MeasureFilters(
        plan_id=values["plan"],
        status=values["status"],
        overdue=bool(values["overdue"]),
        strategy_id=values["strategy"],
        responsible_id=values["responsible"],
    )
