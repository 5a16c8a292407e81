"""The reports' period filter: a year, a quarter of a year, or from–to, read from the query string.

Every report page and its downloads read the same form, so a file holds exactly what the page
shows. Bad input (a quarter 5, a year 10000, an end before its start, an unknown focus area) is
named on the form, and the report falls back to the current year (or all focus areas) and says
which period it shows (see crm.common.filters).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import IntegerField, SelectField
from wtforms.validators import NumberRange, Optional

from crm.common.filters import valid_filter_values
from crm.common.formats import date as format_date
from crm.common.forms import DateField, optional_id, select_choices

FIRST_YEAR = 1990
LAST_YEAR = 2100
# Longer periods are shown per year instead of per quarter, so a table stays readable.
MOST_QUARTERS = 12


@dataclass(frozen=True)
class Bucket:
    """A part of the period the tables count separately: a quarter or a year."""

    label: str
    start: date
    end: date  # inclusive


def _quarter_start(year: int, quarter: int) -> date:
    return date(year, 3 * (quarter - 1) + 1, 1)


def _quarter_end(year: int, quarter: int) -> date:
    if quarter == 4:
        return date(year, 12, 31)
    return _quarter_start(year, quarter + 1) - timedelta(days=1)


def quarter_label(year: int, quarter: int) -> str:
    """«2. kvartal 2025» / «Q2 2025»."""
    return _("Q%(quarter)s %(year)s", quarter=quarter, year=year)


@dataclass(frozen=True)
class Period:
    """The dates a report covers, both ends included, and how the user asked for them."""

    start: date
    end: date
    year: int | None = None
    quarter: int | None = None

    @property
    def label(self) -> str:
        """The period in words, for the heading and the printed header."""
        if self.year is not None and self.quarter is not None:
            return quarter_label(self.year, self.quarter)
        if self.year is not None:
            return str(self.year)
        return f"{format_date(self.start)} – {format_date(self.end)}"

    @property
    def years(self) -> list[int]:
        """Every calendar year the period touches."""
        return list(range(self.start.year, self.end.year + 1))

    @property
    def quarters(self) -> list[tuple[int, int]]:
        """Every (year, quarter) the period touches."""
        first = (self.start.year, (self.start.month - 1) // 3 + 1)
        last = (self.end.year, (self.end.month - 1) // 3 + 1)
        found = []
        year, quarter = first
        while (year, quarter) <= last:
            found.append((year, quarter))
            year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
        return found

    def buckets(self) -> list[Bucket]:
        """The quarters of the period (its years when it has more than 12), cut to the period."""
        if len(self.quarters) <= MOST_QUARTERS:
            parts = [
                (quarter_label(y, q), _quarter_start(y, q), _quarter_end(y, q))
                for y, q in self.quarters
            ]
        else:
            parts = [(str(y), date(y, 1, 1), date(y, 12, 31)) for y in self.years]
        return [
            Bucket(label, max(start, self.start), min(end, self.end)) for label, start, end in parts
        ]

    def args(self) -> dict[str, str]:
        """The query string that asks for this period again (for the download links)."""
        if self.year is not None:
            found = {"year": str(self.year)}
            if self.quarter is not None:
                found["quarter"] = str(self.quarter)
            return found
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


def year_period(year: int) -> Period:
    """The calendar year."""
    return Period(date(year, 1, 1), date(year, 12, 31), year=year)


class PeriodForm(FlaskForm):
    """A year (and optionally a quarter of it), or a from–to period."""

    class Meta:
        csrf = False

    year = IntegerField(
        _l("Year"),
        validators=[
            Optional(),
            NumberRange(
                FIRST_YEAR,
                LAST_YEAR,
                message=_l(
                    "Give a year from %(first)s to %(last)s.", first=FIRST_YEAR, last=LAST_YEAR
                ),
            ),
        ],
    )
    quarter = IntegerField(
        _l("Quarter"),
        validators=[
            Optional(),
            NumberRange(1, 4, message=_l("A quarter is 1, 2, 3 or 4.")),
        ],
        description=_l("1–4; leave empty for the whole year."),
    )
    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
    focus_area = SelectField(
        _l("Focus area"), coerce=optional_id, validate_choice=False, choices=[]
    )

    def validate(self, extra_validators=None) -> bool:
        """The shape of each field, then the period as a whole."""
        valid = super().validate(extra_validators)
        start, end = self.start.data, self.end.data
        if start and end and end < start and not self.end.errors:
            self.end.errors = [*self.end.errors, _("The end comes before the start.")]
            valid = False
        return valid


@dataclass(frozen=True)
class ReportFilters:
    """What a report covers: the period and, where the report has one, a focus area."""

    period: Period | None  # None: all the data, whatever its date
    focus_area_id: int | None = None

    def args(self) -> dict[str, str]:
        """The query string that asks for these filters again (for the download links)."""
        found = self.period.args() if self.period is not None else {}
        if self.focus_area_id is not None:
            found["focus_area"] = str(self.focus_area_id)
        return found


ALL_TIME = "all"


def report_filter_form(
    args: Mapping[str, str],
    *,
    today: date,
    focus_areas: list[tuple[int, str]] | None = None,
    default: Period | str | None = None,
) -> tuple[PeriodForm, ReportFilters]:
    """The report's filter form and the filters it asks for.

    Without a valid period the report covers `default`: the current year when None, all the
    data for ALL_TIME, or the period given. `focus_areas` gives the choices of the focus area
    field; without it the field is dropped.
    """
    form = PeriodForm(formdata=MultiDict(args))
    if focus_areas is None:
        del form.focus_area
    else:
        form.focus_area.choices = [("", _l("All focus areas")), *select_choices(focus_areas)]
    values = valid_filter_values(form)
    if focus_areas is not None:
        known = {area_id for area_id, _name in focus_areas}
        if form.focus_area.errors or values["focus_area"] not in {None, *known}:
            form.focus_area.errors = [_("There is no such focus area.")]
            form.focus_area.data = values["focus_area"] = None
    period = _period(form, values, today=today, default=default)
    return form, ReportFilters(period, values.get("focus_area"))


def _period(
    form: PeriodForm, values: dict, *, today: date, default: Period | str | None
) -> Period | None:
    start, end = values["start"], values["end"]
    if (start or end) and not (form.start.errors or form.end.errors):
        start = start or date(end.year, 1, 1)
        end = end or max(today, start)
        return Period(start, end)
    if not values["year"] and default is not None:
        return None if default == ALL_TIME else default
    year = values["year"] or today.year
    if values["quarter"]:
        quarter = values["quarter"]
        return Period(
            _quarter_start(year, quarter), _quarter_end(year, quarter), year=year, quarter=quarter
        )
    return year_period(year)
