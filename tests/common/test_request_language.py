"""The request's language, worked out once per request, still follows every switch of language.

The memo (crm.common.request_language) keeps the catalogue, the formatting locale and the
translated label tables for the request; these tests change the language inside one request
and between requests, and read what a user would see.
"""

import re

from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from flask import render_template_string
from flask_babel import force_locale, refresh
from flask_wtf import FlaskForm
from jinja2.runtime import new_context
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice, SelectField

from crm.common.formats import date, number
from crm.common.labels import label
from crm.common.language import _fill

PAGE = '{{ _("Organisations") }} · {{ 12345 | number }} · {{ "company" | label("company_kind") }}'


def test_a_page_and_a_mail_in_another_language_in_one_request(app):
    bokmaal = "Organisasjoner · 12\N{NO-BREAK SPACE}345 · Bedrift"
    with app.test_request_context(), force_locale("nb"):
        assert render_template_string(PAGE) == bokmaal
        # A mail to a colleague who reads English, rendered in the middle of the page.
        with force_locale("en"):
            assert render_template_string(PAGE) == "Organisations · 12,345 · Company"
            assert label("company", "company_kind") == "Company"
        # And back: nothing of the English stayed in the request's memo.
        assert render_template_string(PAGE) == bokmaal


def test_a_language_chosen_during_the_request_shows_at_once(app):
    with app.test_request_context() as context:
        context.session["locale"] = "nb"
        assert render_template_string('{{ _("Organisations") }}') == "Organisasjoner"
        # A language changed within a request, as Flask-Babel documents it: refresh().
        context.session["locale"] = "en"
        refresh()
        assert render_template_string('{{ _("Organisations") }}') == "Organisations"


def test_whole_numbers_are_grouped_as_babel_groups_them(app):
    values = [0, 7, 999, 1000, 1234, 12345, 999999, 1000000, 2**31 - 1, -5, -1234, -1000000]
    with app.test_request_context():
        for locale, format_name in (("nb", "nb"), ("en", "en_GB")):
            with force_locale(locale):
                for value in values:
                    assert number(value) == format_decimal(value, "#,##0", locale=format_name)
                    assert number(value, 1) == format_decimal(value, "#,##0.#", locale=format_name)
                # Decimals and fixed places still go through Babel.
                assert number(5, 2, fixed=True) == ("5,00" if locale == "nb" else "5.00")


def test_dates_keep_their_format_in_both_languages(app):
    from datetime import date as Date

    day = Date(2026, 12, 1)
    with app.test_request_context():
        with force_locale("nb"):
            assert date(day) == "1. des. 2026"
            assert date(day, "short") == "01.12.2026"
        with force_locale("en"):
            assert date(day) == "1 Dec 2026"
            assert date(day, "short") == "01/12/2026"


class _ChoiceForm(FlaskForm):
    kind = SelectField(choices=[SelectChoice("company", "Bedrift")])


def test_wtforms_messages_follow_each_requests_language(app):
    # wtforms' catalogue is read once per language and process: a bokmål request first must
    # not leave its catalogue to the English one after it, nor the other way round.
    for locale, message in (
        ("nb", "Ikke et gyldig valg"),
        ("en", "Not a valid choice."),
        ("nb", "Ikke et gyldig valg"),
    ):
        with app.test_request_context() as context:
            context.session["locale"] = locale
            form = _ChoiceForm(formdata=MultiDict({"kind": "nonsense"}), meta={"csrf": False})
            assert not form.validate()
            assert form.kind.errors == [message]


def test_templates_translate_and_escape_as_jinjas_own_gettext_does(app):
    # The templates' `_`, `gettext` and `ngettext` are the app's own (crm.common.language):
    # the same text as Jinja's newstyle gettext, in the request's language.
    name = "<b>Bygg & Anlegg</b>"
    escaped = "&lt;b&gt;Bygg &amp; Anlegg&lt;/b&gt;"
    plural = (
        '{{ ngettext("%(num)d organisation was added to %(target)s.",'
        ' "%(num)d organisations were added to %(target)s.", n, target=name) }}'
    )
    with app.test_request_context(), force_locale("nb"):
        page = '{{ _("Choose %(name)s", name=name) }}|{{ gettext("Organisations") }}'
        assert render_template_string(page, name=name) == f"Velg {escaped}|Organisasjoner"
        assert render_template_string(plural, n=1, name=name) == (
            f"1 organisasjon er lagt til i {escaped}."
        )
        assert render_template_string(plural, n=3, name="H2") == (
            "3 organisasjoner er lagt til i H2."
        )
        # Always a format, even without variables: "%%" is a per cent sign.
        assert render_template_string('{{ _("Ten %% more") }}') == "Ten % more"
        # A plain-text mail part does not escape: what was put in stays as it was.
        plain = '{% autoescape false %}{{ _("Choose %(name)s", name=name) }}{% endautoescape %}'
        assert render_template_string(plain, name=name) == f"Velg {name}"
        with force_locale("en"):
            assert render_template_string(page, name="A") == "Choose A|Organisations"


def test_every_catalogue_text_is_filled_as_markups_own_percent_fills_it(app):
    # crm.common.language._fill escapes the variables itself (Markup's `%` was a tenth of a
    # list's rendering); for every text with variables (English ids and bokmål translations)
    # and values of each kind a template passes (text with markup characters, numbers,
    # markup, nothing), it gives what Jinja's newstyle gettext gives: Markup(text) % variables.
    template = app.jinja_env.from_string("")
    escaping = new_context(app.jinja_env, "t.html", template.blocks, {}, {}, template.globals)
    assert escaping.eval_ctx.autoescape
    plain_env = app.jinja_env.overlay(autoescape=False)
    plain = new_context(plain_env, "t.txt", {}, {}, {}, plain_env.globals)
    assert not plain.eval_ctx.autoescape
    values = ["<b>Bygg & Anlegg</b>", Markup("<i>H2</i>"), None, True, 3, 2.5, "7"]
    compared = 0
    path = f"{app.root_path}/translations/nb/LC_MESSAGES/messages.po"
    with open(path, "rb") as handle:
        catalogue = read_po(handle)
    for message in catalogue:
        # The English texts are the message ids; the bokmål ones their translations.
        texts = [*_as_tuple(message.id), *_as_tuple(message.string)]
        for text in texts:
            names = dict(re.findall(r"%\((\w+)\)([sdifr])", text))
            if not names:
                continue
            for value in values:
                variables = {
                    name: value if kind in "sr" or isinstance(value, int | float) else 1
                    for name, kind in names.items()
                }
                filled = _fill(escaping, text, dict(variables))
                assert isinstance(filled, Markup)
                assert filled == Markup(text) % variables  # noqa: S704 (the reference)
                assert _fill(plain, text, dict(variables)) == text % variables
                compared += 1
    assert compared > 500
    # A text of digits for a `%d`: Markup's `%` makes it a number, and so does _fill.
    assert _fill(escaping, "%(num)d left", {"num": "7"}) == "7 left"


def _as_tuple(text: str | tuple[str, ...]) -> tuple[str, ...]:
    return tuple(t or "" for t in text) if isinstance(text, tuple) else (text or "",)
