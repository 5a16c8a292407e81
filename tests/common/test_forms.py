"""Domain errors shown on forms are escaped like any other text."""

import pytest
import wtforms
from flask import render_template_string
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import SelectField, StringField
from wtforms.fields.core import UnboundField
from wtforms.validators import NumberRange, Optional
from wtforms.widgets import HiddenInput

from crm.common.errors import DomainError
from crm.common.forms import (
    DateField,
    FastSelect,
    IdField,
    IdListField,
    optional_id,
    select_choices,
    show_domain_error,
)
from tests.factories import make_meeting


class _Form(FlaskForm):
    name = StringField("Name")


def test_a_domain_error_with_user_text_is_escaped_on_the_page(app):
    with app.test_request_context():
        form = _Form(meta={"csrf": False})
        show_domain_error(form, DomainError("name", _l("Unknown role %(role)s.", role="<b>x</b>")))
        show_domain_error(form, DomainError(None, _l("Unknown role %(role)s.", role="<i>y</i>")))
        html = render_template_string(
            "{{ form.name.errors[0] }} {{ form.form_errors[0] }}", form=form
        )
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>" not in html
    assert "&lt;i&gt;y&lt;/i&gt;" in html and "<i>" not in html


# --- ids and dates: one bounded parse for every form ------------------------------------------


def _crm_forms() -> list[type]:
    def walk(cls: type):
        for sub in cls.__subclasses__():
            yield sub
            yield from walk(sub)

    return sorted(
        {form for form in walk(FlaskForm) if form.__module__.startswith("crm.")},
        key=lambda form: f"{form.__module__}.{form.__qualname__}",
    )


def _unbound_fields(form: type) -> list[tuple[str, UnboundField]]:
    return [(n, getattr(form, n)) for n in dir(form) if isinstance(getattr(form, n), UnboundField)]


def test_every_form_field_that_reads_a_date_or_an_id_is_bounded(app):
    """Dates go through the bounded DateField, ids through IdField, IdListField or optional_id."""
    loose = []
    checked = 0
    for form in _crm_forms():
        for name, unbound in _unbound_fields(form):
            cls, kwargs = unbound.field_class, unbound.kwargs
            where = f"{form.__module__}.{form.__qualname__}.{name}"
            if issubclass(cls, wtforms.DateField) and not issubclass(cls, DateField):
                loose.append(f"{where}: wtforms.DateField")
            if issubclass(cls, wtforms.SelectFieldBase) and kwargs.get("coerce") is int:
                loose.append(f"{where}: coerce=int")
            if isinstance(kwargs.get("widget"), HiddenInput) and issubclass(
                cls, wtforms.IntegerField
            ):
                loose.append(f"{where}: IntegerField in a hidden input")
            if name.endswith(("_id", "_ids")) and name != "csrf_token":
                checked += 1
                bounded = issubclass(cls, IdField | IdListField) or (
                    kwargs.get("coerce") is optional_id
                )
                positional = unbound.args[1] if len(unbound.args) > 1 else ()
                validators = kwargs.get("validators") or positional
                ranged = any(isinstance(v, NumberRange) and v.max is not None for v in validators)
                if not (bounded or ranged):
                    loose.append(f"{where}: {cls.__name__} reads an id unbounded")
    assert checked > 20
    assert loose == []


class _Ids(FlaskForm):
    class Meta:
        csrf = False

    chosen = IdField()
    several = IdListField()
    one = SelectField(coerce=optional_id, validate_choice=False, choices=[])
    day = DateField(validators=[Optional()])


def _ids_form(app, **data) -> _Ids:
    with app.test_request_context():
        form = _Ids(formdata=MultiDict(data))
        form.validate()
        return form


def test_a_hidden_id_beyond_the_database_counts_as_not_chosen(app):
    assert _ids_form(app, chosen="42").chosen.data == 42
    for value in ("3000000000", "0", "-5", "²", "abc", ""):
        form = _ids_form(app, chosen=value)
        assert form.chosen.data is None and form.chosen.errors == []


def test_an_id_list_refuses_an_id_beyond_the_database(app):
    assert _ids_form(app, several="7").several.data == [7]
    form = _ids_form(app, several="9223372036854775808")
    assert form.several.errors == ["This list holds an id that is not a number."]


def test_a_select_of_ids_refuses_what_is_not_an_id(app):
    assert _ids_form(app, one="").one.data is None
    assert _ids_form(app, one="12").one.data == 12
    form = _ids_form(app, one="1" + "0" * 30)
    assert form.one.data is None and form.one.errors


def test_a_date_outside_the_years_handled_is_refused_with_a_message(app):
    assert _ids_form(app, day="2024-05-17").day.errors == []
    for value in ("9999-12-31", "0001-01-01"):
        form = _ids_form(app, day=value)
        assert form.day.data is None
        assert form.day.errors == ["Give a date between the years 1900 and 2200."]


def test_select_choices_takes_pairs_or_a_label_dict_with_an_empty_choice():
    pairs = select_choices([(1, "One"), (2, "Two")], empty="All")
    assert [(c.value, c.label) for c in pairs] == [("", "All"), ("1", "One"), ("2", "Two")]
    grouped = select_choices({"a": "A"}, optgroup="Group")
    assert [(c.value, c.label, c.optgroup) for c in grouped] == [("a", "A", "Group")]


def test_the_meetings_filter_says_what_is_wrong_with_a_date_and_still_lists(client, login, session):
    login(role="reader")
    make_meeting(session, title="Kjeller-møtet")
    session.commit()
    for query in ("date_to=9999-12-31", "date_from=0001-01-01"):
        response = client.get(f"/meetings/?{query}")
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "Kjeller-møtet" in html
        assert "Oppgi en dato mellom årene 1900 og 2200." in html


@pytest.mark.parametrize(
    "path",
    [
        "/meetings/?company_id={big}&user_id={big}&strategy_id={big}",
        "/companies/?cluster={big}&place={big}&sector={big}",
        "/establishments/?stage_id={big}&adviser_id={big}&place_id={big}",
        "/exports/meetings.csv?company_id={big}&user_id={big}&date_to=9999-12-31",
        "/exports/establishments.csv?stage_id={big}",
    ],
)
def test_filters_with_ids_beyond_the_database_are_left_out(client, login, session, path):
    login(role="editor")
    make_meeting(session, title="Kjeller-møtet")
    session.commit()
    response = client.get(path.format(big=10**30))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "choices, data, attributes",
    [
        ([("", "Alle"), ("1", "Ø & <b>"), (2, "to")], "1", {}),
        ([("", "Alle"), (True, "ja"), (False, "nei")], "True", {"class_": "form-select"}),
        ([("a", 'Sitat "x"')], None, {"aria-describedby": "x-help", "required": True}),
    ],
)
def test_fast_select_writes_what_wtforms_writes(app, choices, data, attributes):
    """The filter forms' quicker select: the same HTML as wtforms' own, option by option."""
    options = select_choices(choices)

    class Plain(wtforms.Form):
        pick = SelectField(choices=options)

    class Fast(wtforms.Form):
        pick = SelectField(choices=options, widget=FastSelect())

    plain, fast = Plain(pick=data), Fast(pick=data)
    assert str(fast.pick(**attributes)) == str(plain.pick(**attributes))
    assert str(fast.pick()).count("<option") == len(choices)
