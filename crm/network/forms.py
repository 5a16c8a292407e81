"""Forms for links, link types and the network filters; they check shape, services check rules."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from crm.common.dates import local_today
from crm.common.forms import DateField, IdField, VersionedForm, optional_id
from crm.companies.labels import COMPANY_KIND
from crm.network.labels import COLOUR_BY, DIRECTION, METRIC
from crm.network.queries import FilterChoices, NetworkFilter


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(str(value), label) for value, label in pairs]


class LinkForm(FlaskForm):
    """A new link from one organisation's page to another organisation."""

    other_id = IdField()
    other_name = StringField(
        _l("Other organisation"),
        validators=[Length(max=300)],
        description=_l("Type a name to search, or give the 9-digit organisation number."),
        render_kw={"data-typeahead": "companies", "data-target": "other_id", "autocomplete": "off"},
    )
    link_type_id = SelectField(_l("Type of link"), coerce=optional_id, validate_choice=False)
    direction = RadioField(_l("Direction"), choices=DIRECTION.choices(), default="none")
    start_date = DateField(_l("Start"), validators=[Optional()])
    end_date = DateField(
        _l("End"), validators=[Optional()], description=_l("Leave empty while it goes on.")
    )
    evidence = StringField(
        _l("Source or evidence"),
        validators=[Optional(), Length(max=500)],
        description=_l("Where we know it from: a contract, a news article, a meeting."),
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])
    submit = SubmitField(_l("Add link"))


class LinkEditForm(VersionedForm):
    """A link's type, direction, period, evidence and note."""

    link_type_id = SelectField(_l("Type of link"), coerce=optional_id, validate_choice=False)
    direction = RadioField(_l("Direction"), choices=DIRECTION.choices())
    start_date = DateField(_l("Start"), validators=[Optional()])
    end_date = DateField(
        _l("End"), validators=[Optional()], description=_l("Leave empty while it goes on.")
    )
    evidence = StringField(_l("Source or evidence"), validators=[Optional(), Length(max=500)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])
    submit = SubmitField(_l("Save"))


class EndLinkForm(VersionedForm):
    """End a link on a date; it stays as history."""

    end_date = DateField(_l("Ended on"), validators=[DataRequired()], default=local_today)
    submit = SubmitField(_l("End link"))


class DeleteLinkForm(FlaskForm):
    """A button: remove a link entered by mistake."""

    submit = SubmitField(_l("Delete link"))


class LinkTypeForm(VersionedForm):
    """A type of link (admins)."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    position = IntegerField(
        _l("Position in lists"), validators=[Optional(), NumberRange(min=0, max=10000)], default=0
    )
    active = BooleanField(_l("In use (offered for new links)"), default=True)
    submit = SubmitField(_l("Save"))


class DeactivateLinkTypeForm(FlaskForm):
    """A button: stop offering a link type."""

    submit = SubmitField(_l("Deactivate"))


CHIPS = {"data-chips": ""}


class NetworkFilterForm(FlaskForm):
    """The filters of the network pages (GET, no CSRF token); unknown ids are dropped later."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
    # Type-ahead chips in the browser (static/js/combobox.js); a plain list without scripts.
    cluster = SelectMultipleField(
        _l("Clusters"), coerce=str, validate_choice=False, render_kw=CHIPS
    )
    sector = SelectMultipleField(_l("Sectors"), coerce=str, validate_choice=False, render_kw=CHIPS)
    focus_area = SelectMultipleField(
        _l("Focus areas"), coerce=str, validate_choice=False, render_kw=CHIPS
    )
    place = SelectMultipleField(_l("Places"), coerce=str, validate_choice=False, render_kw=CHIPS)
    kind = SelectMultipleField(
        _l("Kinds of organisation"),
        choices=COMPANY_KIND.choices(),
        coerce=str,
        validate_choice=False,
        render_kw=CHIPS,
    )
    link_type = SelectMultipleField(
        _l("Kinds of link"),
        coerce=str,
        validate_choice=False,
        description=_l("Only ties that include a registered link of these kinds."),
        render_kw=CHIPS,
    )
    min_weight = DecimalField(
        _l("Minimum strength"),
        places=None,
        validators=[Optional(), NumberRange(min=0, max=1000)],
        description=_l("A link counts 3, a shared person 2, a meeting 1, a cluster 0.5–2."),
    )
    colour = SelectField(_l("Colour by"), choices=COLOUR_BY.choices(), default="community")
    size = SelectField(_l("Size by"), choices=METRIC.choices(), default="pagerank")
    submit = SubmitField(_l("Show"))

    def read_filter(self, known: FilterChoices) -> tuple[NetworkFilter, list[str]]:
        """The filter asked for, and a notice for each value dropped from it.

        Ids and values that are not among `known` (a deleted cluster, a typo in a shared
        link) are left out with a notice, never a 500; a period that ends before it starts is
        swapped; an unknown colour or size falls back to the default.
        """
        self.cluster.choices = choices(known.clusters)
        self.sector.choices = choices(known.sectors)
        self.focus_area.choices = choices(known.focus_areas)
        self.place.choices = choices(known.places)
        self.link_type.choices = choices(known.link_types)
        self.validate()
        notices: list[str] = []
        kinds = self._chosen(self.kind, COMPANY_KIND.items(), notices)
        clusters = self._chosen(self.cluster, known.clusters, notices)
        sectors = self._chosen(self.sector, known.sectors, notices)
        focus_areas = self._chosen(self.focus_area, known.focus_areas, notices)
        places = self._chosen(self.place, known.places, notices)
        link_types = self._chosen(self.link_type, known.link_types, notices)
        start = None if self.start.errors else self.start.data
        end = None if self.end.errors else self.end.data
        if start and end and start > end:
            notices.append(_("The period ends before it starts; the dates were swapped."))
            start, end = end, start
        weight = self.min_weight.data
        for field, allowed in ((self.colour, COLOUR_BY), (self.size, METRIC)):
            if field.data not in allowed:
                field.data = field.default
        network_filter = NetworkFilter(
            start=start,
            end=end,
            clusters=tuple(map(int, clusters)),
            sectors=tuple(map(int, sectors)),
            focus_areas=tuple(map(int, focus_areas)),
            places=tuple(map(int, places)),
            kinds=kinds,
            link_types=link_types,
            min_weight=float(weight) if weight and not self.min_weight.errors else 0.0,
        )
        return network_filter, notices

    @staticmethod
    def _chosen(field, known, notices: list[str]) -> tuple[str, ...]:
        """The field's values that are among `known`; a notice names the others."""
        known_values = {str(value) for value, _label in known}
        values = [value for value in (field.data or []) if value]
        unknown = [value for value in values if value not in known_values]
        if unknown:
            notices.append(
                _(
                    "%(field)s: %(values)s not found; left out of the filter.",
                    field=field.label.text,
                    values=", ".join(unknown),
                )
            )
        field.data = [value for value in values if value in known_values]
        return tuple(field.data)


class PathForm(FlaskForm):
    """Two organisations for "who can introduce us" (GET)."""

    class Meta:
        csrf = False

    from_id = IdField()
    from_name = StringField(
        _l("From organisation"),
        validators=[Length(max=300)],
        description=_l("Type a name to search, or give the 9-digit organisation number."),
        render_kw={"data-typeahead": "companies", "data-target": "from_id", "autocomplete": "off"},
    )
    to_id = IdField()
    to_name = StringField(
        _l("To organisation"),
        validators=[Length(max=300)],
        description=_l("Type a name to search, or give the 9-digit organisation number."),
        render_kw={"data-typeahead": "companies", "data-target": "to_id", "autocomplete": "off"},
    )
    submit = SubmitField(_l("Find introductions"))
