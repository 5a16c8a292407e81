"""Interface language: the user's choice, else the session's, else bokmål."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, current_app, has_request_context, session
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from crm.common import formats
from crm.common.dates import app_zone
from crm.common.formats import init_formats
from crm.common.request_language import request_language
from crm.extensions import babel


def select_locale() -> str:
    """The language of this request."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and background work speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def short_datetime(value: datetime | date | None) -> str:
    """A date (and time, in the app's time zone) in the user's short format, e.g. 27.11.2026, 14:05.

    The `datetime` and `date` filters' "short" text (compiled patterns, crm.common.formats),
    empty rather than "–" for no value.
    """
    if value is None:
        return ""
    if isinstance(value, datetime):
        return formats.datetime(value.astimezone(app_zone()), "short")
    return formats.date(value, "short")


def short_date(value: datetime | date | None) -> str:
    """The day (in the app's time zone for a moment) in the user's short format: 27.11.2026."""
    # formats.date takes a moment's day in the app's time zone.
    return "" if value is None else formats.date(value, "short")


# Jinja's newstyle gettext (jinja2.ext._make_new_gettext and its siblings), calling the request's
# catalogue directly: the text is markup-safe where the template autoescapes (so the variables
# are escaped as they are put in), and always a %-format, even without variables.
def _fill(context: Context, text: str, variables: dict[str, object]) -> str:
    """`text % variables` as Jinja's newstyle gettext gives it: where the template autoescapes,
    the (trusted) catalogue text is markup and each variable is escaped as it is put in.

    Markup's own `%` wraps every variable in a helper object and goes through Python's
    formatter once more per variable (some 10 µs a call; a list's rows call it fifty times, for
    their checkboxes' labels): the variables are escaped here first (numbers stay numbers, for
    `%d`), then formatted as plain text. The same text (tests compare it with Markup's `%`).
    """
    if not context.eval_ctx.autoescape:
        return text % variables
    if ")r" in text:
        # A `%r` is the escaped repr of the value as given: Markup's `%` writes it.
        return Markup(text) % variables  # noqa: S704  # nosec B704 (our catalogue)
    escaped = {
        key: value if type(value) in _NUMBERS else escape(value) for key, value in variables.items()
    }
    try:
        return Markup(text % escaped)  # noqa: S704  # nosec B704 (catalogue text, escaped values)
    except TypeError:
        # A `%d` given a text of digits: Markup's `%` turns it into a number; let it.
        return Markup(text) % variables  # noqa: S704  # nosec B704


_NUMBERS = frozenset({int, float})


@pass_context
def template_gettext(context: Context, string: str, /, **variables: object) -> str:
    """`_()` and `gettext()` in templates."""
    text = request_language().translations.ugettext(string)
    if not variables and "%" not in text:
        # What `%` would give back: most of a page's words.
        if context.eval_ctx.autoescape:
            return Markup(text)  # noqa: S704  # nosec B704 (our catalogue, as Jinja does)
        return text
    return _fill(context, text, variables)


@pass_context
def template_ngettext(
    context: Context, singular: str, plural: str, num: int, /, **variables: object
) -> str:
    """`ngettext()` in templates (and `{% trans count=… %}`): `num` is a variable too."""
    variables.setdefault("num", num)
    text = request_language().translations.ungettext(singular, plural, num)
    return _fill(context, text, variables)


@pass_context
def template_pgettext(
    context: Context, string_context: str, string: str, /, **variables: object
) -> str:
    """`pgettext()` in templates."""
    variables.setdefault("context", string_context)
    text = request_language().translations.upgettext(string_context, string)
    return _fill(context, text, variables)


@pass_context
def template_npgettext(
    context: Context,
    string_context: str,
    singular: str,
    plural: str,
    num: int,
    /,
    **variables: object,
) -> str:
    """`npgettext()` in templates."""
    variables.setdefault("context", string_context)
    variables.setdefault("num", num)
    text = request_language().translations.unpgettext(string_context, singular, plural, num)
    return _fill(context, text, variables)


def init_babel(app: Flask) -> None:
    """Bind Flask-Babel with the catalogues in crm/translations."""
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(app.root_path + "/translations"),
    )

    # Flask-Babel's callables ask it for the catalogue on every `_()`: through the request's
    # memo instead (the same catalogue; a list page translates over a hundred strings).
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_language().translations.ugettext(s),
        ngettext=lambda s, p, n: request_language().translations.ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: request_language().translations.upgettext(c, s),
        npgettext=lambda c, s, p, n: request_language().translations.unpgettext(c, s, p, n),
    )
    # ... and Jinja's newstyle wrappers around them reach the function through three
    # `Context.call`s per `_()` (the `_` alias, the wrapper, the function itself), each a
    # handful of attribute probes: the same wrappers in one step.
    app.jinja_env.globals.update(
        _=template_gettext,
        gettext=template_gettext,
        ngettext=template_ngettext,
        pgettext=template_pgettext,
        npgettext=template_npgettext,
    )
    init_formats(app)
    app.add_template_filter(short_datetime, "short_datetime")
    app.add_template_filter(short_date, "short_date")

    @app.context_processor
    def language_context() -> dict:
        return {"current_locale": request_language().name, "languages": app.config["LANGUAGES"]}
