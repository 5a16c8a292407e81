"""Interface language: the user's choice, else the session's, else bokmål."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache, partial
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import (
    DateTimePattern,
    get_date_format,
    get_datetime_format,
    get_time_format,
    parse_pattern,
)
from flask import Flask, current_app, has_request_context, session
from flask_login import current_user

from crm.common.formats import format_locale_name, init_formats
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


@lru_cache(maxsize=16)
def _short_pattern(locale: str, with_time: bool) -> tuple[Locale, DateTimePattern]:
    babel_locale = Locale.parse(locale)
    date_pattern = get_date_format("short", babel_locale).pattern
    if not with_time:
        return babel_locale, parse_pattern(date_pattern)
    time_pattern = get_time_format("short", babel_locale).pattern
    joined = get_datetime_format("short", babel_locale).replace("{1}", date_pattern)
    return babel_locale, parse_pattern(joined.replace("{0}", time_pattern))


# Babel's fields that Python's str.format writes the same way, as format fields of the value
# (the day, month and year, hours and minutes with or without a leading zero).
_PLAIN_FIELDS = {
    "d": "{0.day}",
    "dd": "{0.day:02d}",
    "M": "{0.month}",
    "MM": "{0.month:02d}",
    "y": "{0.year}",
    "yyyy": "{0.year:04d}",
    "H": "{0.hour}",
    "HH": "{0.hour:02d}",
    "m": "{0.minute}",
    "mm": "{0.minute:02d}",
}
_PATTERN_PART = re.compile(r"%\((\w+)\)s|%%")


@lru_cache(maxsize=16)
def _short_formatter(locale: str, with_time: bool) -> Callable[[date], str]:
    """The short pattern as one `str.format` when every field is a plain number (bokmål's
    and British English's are: 27.11.2026, 14:05), else Babel's (tests compare the two).

    Babel works out each field through its own objects, some thirty Python calls a date; a
    timeline formats two hundred.
    """
    babel_locale, pattern = _short_pattern(locale, with_time)
    parts, end = [], 0
    for match in _PATTERN_PART.finditer(pattern.format):
        parts.append(pattern.format[end : match.start()].replace("{", "{{").replace("}", "}}"))
        field = match.group(1)
        if field is None:
            parts.append("%")
        elif field in _PLAIN_FIELDS:
            parts.append(_PLAIN_FIELDS[field])
        else:
            return partial(_apply, pattern, babel_locale)
        end = match.end()
    parts.append(pattern.format[end:].replace("{", "{{").replace("}", "}}"))
    return "".join(parts).format


def _apply(pattern: DateTimePattern, locale: Locale, value: date) -> str:
    return pattern.apply(value, locale)


def short_datetime(value: datetime | date | None) -> str:
    """A date (and time, in the app's time zone) in the user's short format, e.g. 27.11.2026, 14:05.

    The same text as the `datetime` filter with "short", at a fraction of the cost: long
    timelines format hundreds of these per page.
    """
    if value is None:
        return ""
    locale = format_locale_name()
    if isinstance(value, datetime):
        zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
        return _short_formatter(locale, True)(value.astimezone(zone))
    return _short_formatter(locale, False)(value)


def short_date(value: datetime | date | None) -> str:
    """The day (in the app's time zone for a moment) in the user's short format: 27.11.2026."""
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()
    return short_datetime(value)


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
    init_formats(app)
    app.add_template_filter(short_datetime, "short_datetime")
    app.add_template_filter(short_date, "short_date")

    @app.context_processor
    def language_context() -> dict:
        return {"current_locale": request_language().name, "languages": app.config["LANGUAGES"]}
