"""Forms for action plans and measures (shape only; the services check the rules)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from crm.common.forms import DateField, IdField, IdListField, VersionedForm, optional_id
from crm.plans.labels import MEASURE_STATUS


class PlanForm(FlaskForm):
    """Name, years and description of an action plan."""

    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("E.g. Handlingsplan 2025–2027."),
    )
    start_year = IntegerField(
        _l("Start year"), validators=[InputRequired(message=_l("Give a year, e.g. 2025."))]
    )
    end_year = IntegerField(
        _l("End year"), validators=[InputRequired(message=_l("Give a year, e.g. 2027."))]
    )
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 3}
    )
    submit = SubmitField(_l("Save"))


class PlanCreateForm(PlanForm):
    """A new plan, by default with the open measures of the previous one."""

    copy_open_measures = BooleanField(
        _l("Take over the open measures (planned or started) of the previous plan"),
        default=True,
    )
    submit = SubmitField(_l("Create plan"))


class PlanEditForm(VersionedForm, PlanForm):
    """A plan being edited, with the version it was loaded with."""


class MeasureForm(VersionedForm):
    """A measure's facts, status and progress (the version is empty for a new one)."""

    title = StringField(_l("Measure"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 3}
    )
    strategy_id = SelectField(
        _l("Strategy it serves"), coerce=optional_id, validate_choice=False, choices=[]
    )
    responsible_id = SelectField(
        _l("Responsible adviser"), coerce=optional_id, validate_choice=False, choices=[]
    )
    partner_ids = IdListField(
        _l("Partner organisations"),
        description=_l(
            "Type at least two letters of the name or organisation number, then pick. "
            "Without suggestions: organisation numbers or exact names, separated by commas."
        ),
    )
    partner_ids_text = StringField(validators=[Optional(), Length(max=2000)])
    status = SelectField(_l("Status"), choices=MEASURE_STATUS.choices())
    deadline = DateField(
        _l("Deadline"),
        validators=[Optional()],
        description=_l("A deadline outside the plan's years is allowed, and marked."),
    )
    progress_note = TextAreaField(
        _l("Progress note"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 3}
    )
    progress_on = DateField(
        _l("Progress note dated"),
        validators=[Optional()],
        description=_l("Left empty, a changed note is dated today."),
    )
    submit = SubmitField(_l("Save"))


class DeleteForm(FlaskForm):
    """A button that deletes (a measure or an empty plan)."""

    submit = SubmitField(_l("Delete"))


class UnlinkEvidenceForm(FlaskForm):
    """A button that removes one record from a measure's evidence."""

    kind = HiddenField()
    record_id = IdField()
    submit = SubmitField(_l("Remove"))
