"""The lists' reference data cached per process (crm.common.reference): a change shows at once."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from werkzeug.datastructures import MultiDict
from wtforms import Form, SelectChoice, SelectField
from wtforms.widgets import Select

from crm.common import reference
from crm.common.forms import BlockChoices, BlockSelectField, FastSelect, OptionBlock, optional_id
from crm.companies import queries as company_queries
from crm.meetings import queries as meeting_queries
from tests.factories import make_cluster, make_place, make_sector, make_user


def _options(html: str, name: str) -> str:
    start = html.index(f'<select class="form-select" id="{name}"')
    return html[start : html.index("</select>", start)]


def test_a_place_renamed_shows_in_the_next_request(client, login, session, count_queries):
    login(role="reader")
    place = make_place(session, name="Kjeller")
    session.commit()
    assert ">Kjeller</option>" in _options(client.get("/companies/?page=1").text, "place")

    # A second request reads the version only: the same statements as before minus the choices.
    with count_queries() as statements:
        client.get("/companies/?page=1")
    assert not [s for s in statements if "UNION ALL" in s], statements

    place.name = "Kjeller vest"
    session.commit()
    html = client.get("/companies/?page=1").text
    assert ">Kjeller vest</option>" in _options(html, "place")
    assert ">Kjeller</option>" not in html

    # Plain SQL too (an import, a script): the triggers keep the version, not the ORM.
    session.execute(text("UPDATE places SET name = 'Lillestrøm' WHERE id = :id"), {"id": place.id})
    session.commit()
    assert ">Lillestrøm</option>" in _options(client.get("/companies/?page=1").text, "place")


def test_an_adviser_renamed_or_deactivated_shows_in_the_next_request(client, login, session):
    login(role="reader")
    adviser = make_user(session, name="Rita Rådgiver")
    session.commit()
    assert ">Rita Rådgiver</option>" in _options(client.get("/meetings/?page=1").text, "user_id")
    assert ">Rita Rådgiver</option>" in _options(
        client.get("/establishments/?page=1").text, "adviser_id"
    )

    before = reference.REFERENCE.read(session)
    adviser.active = False
    session.commit()
    assert reference.REFERENCE.read(session) != before

    adviser.name = "Rita Rådgiversen"
    session.commit()
    for path, name in (
        ("/meetings/?page=1", "user_id"),
        ("/establishments/?page=1", "adviser_id"),
        ("/companies/?page=1", "responsible"),
    ):
        assert ">Rita Rådgiversen</option>" in _options(client.get(path).text, name), path


@pytest.mark.parametrize(
    "table", ["places", "sectors", "clusters", "users", "establishment_stages", "strategies"]
)
def test_every_write_to_the_reference_tables_changes_the_version(session, table):
    makers = {
        "places": lambda: make_place(session),
        "sectors": lambda: make_sector(session),
        "clusters": lambda: make_cluster(session),
        "users": lambda: make_user(session),
    }
    if table not in makers:
        # Those tables' triggers exist like the others' (their writes are the admins' pages).
        dialect = session.get_bind().dialect.name
        names = set(reference.REFERENCE.trigger_names(table, dialect))
        if dialect == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        else:
            query = "SELECT tgname FROM pg_trigger"
        assert names <= set(session.scalars(text(query))), table
        return
    before = reference.REFERENCE.read(session)
    made = makers[table]()
    session.commit()
    inserted = reference.REFERENCE.read(session)
    assert inserted != before
    made.name = "Nytt navn"
    session.commit()
    renamed = reference.REFERENCE.read(session)
    assert renamed != inserted
    session.delete(made)
    session.commit()
    assert reference.REFERENCE.read(session) != renamed


def test_a_transaction_that_wrote_sees_its_own_rows_and_leaves_the_cache_alone(session):
    place = make_place(session, name="Gammel")
    session.commit()
    assert (place.id, "Gammel") in _place_pairs(session)

    place.name = "Ny"
    session.flush()  # written, not committed
    assert (place.id, "Ny") in _place_pairs(session)
    session.rollback()
    # The rolled-back name was cached by no one.
    assert (place.id, "Gammel") in _place_pairs(session)
    assert meeting_queries.filter_options(session) is meeting_queries.filter_options(session)


def _place_pairs(session) -> list[tuple[int, str]]:
    block = company_queries.filter_options(session).places
    return [(int(choice.value), choice.label) for choice in block.choices]


class _Filter(Form):
    plain = SelectField(coerce=optional_id, choices=[], widget=Select(), validate_choice=False)
    block = SelectField(coerce=optional_id, choices=[], widget=FastSelect(), validate_choice=False)


_NAMES = [SelectChoice(str(v), label) for v, label in ((1, "Kjeller"), (2, "Berg & <Dal>"))]
_GROUPED = [
    SelectChoice("3", "1.1 Næring", optgroup="1 Vekst & <nye> jobber"),
    SelectChoice("4", "1.2 Klynger", optgroup="1 Vekst & <nye> jobber"),
    SelectChoice("5", '2.1 "Grønt"', optgroup="2 Grønn omstilling"),
]


@pytest.mark.parametrize("choices", [_NAMES, _GROUPED], ids=["names", "optgroups"])
@pytest.mark.parametrize("value", [None, "", "2", "4", "99", "abc", "<b>"])
def test_an_option_block_renders_as_wtforms_does(choices, value):
    args = MultiDict() if value is None else MultiDict({"plain": value, "block": value})
    form = _Filter(formdata=args)
    head = [SelectChoice("", "Alle")]
    form.plain.choices = [*head, *choices]
    form.block.choices = BlockChoices(head, OptionBlock(choices))
    form.validate()
    assert list(form.block.choices) == form.plain.choices
    assert str(form.block()).replace('id="block" name="block"', "") == str(form.plain()).replace(
        'id="plain" name="plain"', ""
    )


@pytest.mark.parametrize(
    "params",
    [
        {"name": "q", "id": "q", "class_": "form-control", "value": 'a "b" <c> & d'},
        {"for": "x", "class_": "form-label"},
        {"required": True, "disabled": False, "aria_describedby": "q-help", "data_x_y": 3},
        {"value": None, "maxlength": 300, "aria-invalid": "true"},
    ],
)
def test_our_html_params_write_what_wtforms_writes(params):
    from wtforms.widgets import html_params as wtforms_html_params

    from crm.common.forms import html_params

    assert str(html_params(**params)) == str(wtforms_html_params(**params))


class _Checked(Form):
    plain = SelectField(coerce=optional_id, choices=[])
    block = BlockSelectField(coerce=optional_id, choices=[], widget=FastSelect())


@pytest.mark.parametrize("value", [None, "", "2", "3", "99", "abc", "02"])
def test_a_block_select_field_accepts_and_refuses_what_a_select_field_does(value):
    pairs = [(1, "Kjeller"), (2, "Berg"), (3, "Skedsmo")]
    args = MultiDict() if value is None else MultiDict({"plain": value, "block": value})
    form = _Checked(formdata=args)
    head = [SelectChoice("", "Alle")]
    form.plain.choices = [*head, *(SelectChoice(str(v), label) for v, label in pairs)]
    form.block.choices = BlockChoices(head, OptionBlock(pairs))
    form.validate()
    assert form.block.errors == form.plain.errors
    assert form.block.data == form.plain.data
    assert form.block.type == "SelectField"  # the field macro gives it form-select
