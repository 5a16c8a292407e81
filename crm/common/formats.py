"""Numbers, amounts, areas, percentages and dates in the reader's language.

Every figure and date a page shows goes through these template filters (registered in
`init_formats`), never through Python's defaults (`"%.1f"`, `|round`, `str()`), so bokmål
readers see "2 000 m²", "0,71", "12,5 %", "1. des. 2026" and English readers "2,000 m²",
"0.71", "12.5%", "1 Dec 2026" — the rules of the glossary in docs (Ordliste, DOMAIN.md).

    {{ case.area_m2 | area }}            2 000 m²
    {{ amount | nok }}                   650 000 kr
    {{ value | number }}                 9            (at most `digits` decimals: 0)
    {{ row.weight | number(1) }}         40,5
    {{ density | number(2, fixed=True) }} 0,70
    {{ share | percent }}                12 %         (a fraction: 0.125 with digits=1 is 12,5 %)
    {{ day | date }}                     1. mai 2026  (medium; "short", "long", "full" too)
    {{ moment | datetime }}              01.05.2026, 10:00

English is formatted the British way ("1 Dec 2026", "01/12/2026"): the glossary's English
examples, and day-month order a Norwegian reader of English expects. Scripts format with
`Intl` in the same locale: `<html data-format-locale>` carries it (see static/js/format.js).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date as Date
from datetime import datetime as DateTime
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import (
    DateTimePattern,
    format_datetime,
    format_time,
    get_date_format,
    get_datetime_format,
    get_time_format,
)
from babel.dates import parse_pattern as parse_date_pattern
from babel.numbers import NumberPattern, format_decimal, format_percent, parse_pattern
from flask import Flask

from crm.common.dates import app_zone
from crm.common.request_language import parse_locale, request_language

Number = int | float | Decimal


def format_locale_name() -> str:
    """The locale that formats figures for this request: "nb" or "en_GB"."""
    return request_language().format_name


def format_locale() -> Locale:
    """The Babel locale that formats figures for this request."""
    return request_language().format_locale


# Babel parses a pattern on every call otherwise; a list formats a hundred figures and dates.
@lru_cache(maxsize=64)
def _number_pattern(pattern: str) -> NumberPattern:
    return parse_pattern(pattern)


@lru_cache(maxsize=32)
def _date_pattern(format: str, name: str):
    if format in ("full", "long", "medium", "short"):
        format = get_date_format(format, parse_locale(name)).pattern
    return compile_date_pattern(parse_date_pattern(format), parse_locale(name))


# The pattern fields a day or a moment is written with, as Python's str.format writes them
# ({1} is the month's name, looked up by the caller). Babel's own `apply` builds a formatter
# object and calls a method per field: some thirty calls for "01.12.2026"; a list shows two
# hundred dates. Any other field (weekday, era, 12-hour clock …) leaves the pattern to Babel.
_FIELDS = {
    "d": "{0.day}",
    "dd": "{0.day:02}",
    "M": "{0.month}",
    "MM": "{0.month:02}",
    "MMM": "{1}",
    "MMMM": "{1}",
    "y": "{0.year}",
    "H": "{0.hour}",
    "HH": "{0.hour:02}",
    "mm": "{0.minute:02}",
    "ss": "{0.second:02}",
}
_MONTH_WIDTHS = {"MMM": "abbreviated", "MMMM": "wide"}


def compile_date_pattern(pattern: DateTimePattern, locale: Locale) -> Callable[[Date], str]:
    """A function that writes a date or datetime as `pattern.apply(value, locale)` would."""
    parts = re.split(r"%\((\w+)\)s", pattern.format)
    template, months = [], None
    for index, part in enumerate(parts):
        if index % 2 == 0:  # literal text, %-escaped by Babel
            template.append(part.replace("%%", "%").replace("{", "{{").replace("}", "}}"))
        elif part in _FIELDS and (part not in _MONTH_WIDTHS or months in (None, part)):
            template.append(_FIELDS[part])
            if part in _MONTH_WIDTHS:
                months = part
        else:
            return lambda value: pattern.apply(value, locale)
    text = "".join(template)
    if months is None:
        return text.format
    names = locale.months["format"][_MONTH_WIDTHS[months]]
    return lambda value: text.format(value, names[value.month])


def _fraction_pattern(digits: int, fixed: bool) -> str:
    if digits <= 0:
        return ""
    return "." + ("0" if fixed else "#") * digits


def number(value: Number | None, digits: int = 0, *, fixed: bool = False) -> str:
    """A number with grouped thousands and at most `digits` decimals (exactly, when `fixed`)."""
    if value is None:
        return "–"
    if type(value) is int and value >= 0 and (digits <= 0 or not fixed):
        # Counts are most of the figures a list shows: Python groups a whole number as Babel
        # would (tests compare them), at a fifth of the cost.
        return f"{value:,}".replace(",", request_language().group_symbol)
    pattern = _number_pattern("#,##0" + _fraction_pattern(digits, fixed))
    return format_decimal(value, pattern, locale=format_locale())


@lru_cache(maxsize=32)
def _percent_pattern(name: str, digits: int) -> str:
    # The locale's own pattern keeps its spacing ("12 %" in bokmål, "12%" in English).
    pattern = parse_locale(name).percent_formats[None].pattern.split(";")[0]
    head, zero, tail = pattern.rpartition("0")
    return head + zero + _fraction_pattern(digits, False) + tail


def percent(value: Number | None, digits: int = 0) -> str:
    """A fraction as a percentage: 0.125 → "12,5 %" (digits=1) or "13 %"."""
    if value is None:
        return "–"
    name = format_locale_name()
    return format_percent(value, _percent_pattern(name, digits), locale=parse_locale(name))


def area(value: Number | None) -> str:
    """An area in square metres: "2 000 m²"."""
    if value is None:
        return "–"
    return f"{number(value)}\N{NO-BREAK SPACE}m²"


@lru_cache(maxsize=8)
def _currency_pattern(name: str) -> str:
    pattern = parse_locale(name).currency_formats["standard"].pattern.split(";")[0]
    pattern = pattern.replace(".00", "")
    # CLDR spaces a currency code from the digits; Babel's patterns leave that to us.
    if pattern.startswith("¤") and not pattern[1:2].isspace():
        pattern = "¤\N{NO-BREAK SPACE}" + pattern[1:]
    return pattern


def nok(value: Number | None) -> str:
    """An amount in whole Norwegian kroner: "650 000 kr" / "NOK 650,000"."""
    if value is None:
        return "–"
    name = format_locale_name()
    locale = parse_locale(name)
    symbol = "kr" if locale.language == "nb" else "NOK"
    text = format_decimal(round(value), _currency_pattern(name).replace("¤", "'¤'"), locale=locale)
    return text.replace("¤", symbol)


def _local(value: DateTime) -> DateTime:
    if value.tzinfo is None:
        return value
    return value.astimezone(app_zone())


def date(value: Date | DateTime | None, format: str = "medium") -> str:
    """A day: "1. mai 2026" / "1 May 2026" (medium); a moment's day in the app's time zone."""
    if value is None:
        return "–"
    if isinstance(value, DateTime):
        value = _local(value).date()
    return _day_text(format, request_language().format_name, value)


@lru_cache(maxsize=4096)
def _day_text(format: str, name: str, day: Date) -> str:
    # babel.dates.format_date's own steps, with the pattern parsed and compiled once; and each
    # day's text kept (a list shows fifty dates, most of them days seen on earlier pages).
    return _date_pattern(format, name)(day)


@lru_cache(maxsize=16)
def _datetime_pattern(format: str, name: str) -> Callable[[DateTime], str] | None:
    """babel.dates.format_datetime's named format as one compiled pattern, or None."""
    locale = parse_locale(name)
    glue = get_datetime_format(format, locale).replace("'", "")
    # Babel fills "{1}, {0}" with the date and the time after dropping its quotes: read as one
    # pattern only when the glue has no letters (they would turn into fields).
    if re.search("[A-Za-z]", glue.replace("{0}", "").replace("{1}", "")):
        return None
    joined = glue.replace("{1}", get_date_format(format, locale).pattern)
    joined = joined.replace("{0}", get_time_format(format, locale).pattern)
    return compile_date_pattern(parse_date_pattern(joined), locale)


def datetime(value: DateTime | None, format: str = "short") -> str:
    """A moment in the app's time zone: "01.05.2026, 10:00" / "01/05/2026, 10:00"."""
    if value is None:
        return "–"
    if format == "short":
        pattern = _datetime_pattern(format, format_locale_name())
        if pattern is not None:
            return pattern(_local(value))
    return format_datetime(_local(value), format, locale=format_locale())


def time(value: DateTime | None, format: str = "short") -> str:
    """A time of day in the app's time zone: "10:00"."""
    if value is None:
        return "–"
    return format_time(_local(value), format, locale=format_locale())


def init_formats(app: Flask) -> None:
    """Register the filters, and give templates the locale scripts format with."""
    for name, function in {
        "number": number,
        "percent": percent,
        "area": area,
        "nok": nok,
        "date": date,
        "datetime": datetime,
        "time": time,
    }.items():
        app.add_template_filter(function, name)

    @app.context_processor
    def format_context() -> dict:
        return {"format_locale": format_locale_name().replace("_", "-")}
