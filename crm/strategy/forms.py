"""Forms for the strategy pages; the services check uniqueness, years and SDG numbers."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from crm.common.forms import VersionedForm, optional_id

NUMBER_PATTERN = r"^\d{1,4}(\.\d{1,4}){0,2}$"
_SDG_SEPARATORS = re.compile(r"[,;\s]+")


def parse_sdgs(text: str | None) -> list[int] | None:
    """The numbers in "3, 7, 13" (commas, semicolons or spaces), or None if something else is
    there."""
    parts = [p for p in _SDG_SEPARATORS.split((text or "").strip()) if p]
    if not all(p.isascii() and p.isdigit() for p in parts):
        return None
    return [int(p) for p in parts]


def _sdg_shape(form, field) -> None:
    if parse_sdgs(field.data) is None:
        raise ValidationError(_l("Write the goals as numbers separated by commas, e.g. 3, 7, 13."))


class FocusAreaForm(FlaskForm):
    """Number, name and UN sustainable development goals of a focus area."""

    number = StringField(
        _l("Number"),
        validators=[
            DataRequired(),
            Length(max=10),
            Regexp(NUMBER_PATTERN, message=_l("Use digits, e.g. 3.")),
        ],
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=300)])
    sdgs = StringField(
        _l("UN sustainable development goals (SDGs)"),
        validators=[Optional(), Length(max=50), _sdg_shape],
        description=_l("Numbers from 1 to 17 separated by commas, e.g. 3, 7, 13."),
    )
    submit = SubmitField(_l("Save"))

    @property
    def sdg_numbers(self) -> list[int]:
        """The goals typed, as integers."""
        return parse_sdgs(self.sdgs.data) or []


class FocusAreaEditForm(VersionedForm, FocusAreaForm):
    """A focus area being edited, with the version it was loaded with."""


class StrategyForm(FlaskForm):
    """Number, name and description of a strategy."""

    number = StringField(
        _l("Number"),
        validators=[
            DataRequired(),
            Length(max=10),
            Regexp(NUMBER_PATTERN, message=_l("Use digits and a dot, e.g. 2.1.")),
        ],
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 4}
    )
    submit = SubmitField(_l("Save"))


class StrategyEditForm(VersionedForm, StrategyForm):
    """A strategy being edited, with the version it was loaded with."""


class PeriodForm(FlaskForm):
    """Name and years of a strategy period."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    start_year = IntegerField(
        _l("Start year"), validators=[InputRequired(message=_l("Give a year, e.g. 2031."))]
    )
    end_year = IntegerField(
        _l("End year"), validators=[InputRequired(message=_l("Give a year, e.g. 2031."))]
    )
    submit = SubmitField(_l("Save"))


class PeriodCreateForm(PeriodForm):
    """A new period, optionally with a copy of the current one's focus areas and strategies."""

    copy_current = BooleanField(
        _l("Copy the focus areas and strategies of the current period"), default=True
    )
    make_current = BooleanField(_l("Make it the current period now"), default=False)
    submit = SubmitField(_l("Create period"))


class PeriodEditForm(VersionedForm, PeriodForm):
    """A period being edited, with the version it was loaded with."""


class MakeCurrentForm(FlaskForm):
    """A button: make this period the current one."""

    submit = SubmitField(_l("Make current"))


class PeriodChoiceForm(FlaskForm):
    """Which period to show on the strategy page (a GET form, no CSRF token)."""

    class Meta:
        csrf = False

    period = SelectField(_l("Strategy period"), coerce=optional_id, validators=[Optional()])
