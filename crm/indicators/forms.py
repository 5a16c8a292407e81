"""Forms for the strategy's external indicators (shape only; the services check the rules)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional

from crm.common.forms import VersionedForm
from crm.indicators.labels import INDICATOR


class NumberField(DecimalField):
    """A decimal typed the Norwegian way too: "12,5", "650 000" (spaces and a comma)."""

    def process_formdata(self, valuelist: list[str]) -> None:
        if valuelist:
            text = valuelist[0].replace("\N{NO-BREAK SPACE}", "").replace(" ", "")
            valuelist = [text.replace(",", ".")]
        super().process_formdata(valuelist)


class IndicatorValueForm(VersionedForm):
    """One indicator's value for one year, with the national figure and the source."""

    indicator = SelectField(_l("Indicator"), choices=INDICATOR.choices())
    year = IntegerField(
        _l("Year"), validators=[InputRequired(message=_l("Give a year, e.g. 2024."))]
    )
    value = NumberField(
        _l("Value"),
        places=None,
        validators=[InputRequired(message=_l("Give the figure as a number, e.g. 40000."))],
        description=_l("A number, e.g. 650 000 or 12,5."),
    )
    national_value = NumberField(
        _l("National figure"),
        places=None,
        validators=[Optional()],
        description=_l("Optional: the same figure for Norway, e.g. value creation per employee."),
    )
    source = StringField(
        _l("Source"),
        validators=[Optional(), Length(max=300)],
        description=_l("E.g. SSB table 07979, NHO Kommune-NM 2024."),
    )
    submit = SubmitField(_l("Save"))


class DeleteValueForm(FlaskForm):
    """A button that deletes a value recorded by mistake."""

    submit = SubmitField(_l("Delete"))
