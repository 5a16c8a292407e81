"""Bounded parsing of ids, page numbers and dates from URLs, query strings and forms.

Every number or date a request carries goes through here, so that a value the database or
the calendar cannot hold ends as a 404 or a message, never as a 500:
- ids are 1 … 2^31-1, the range of an INTEGER column on PostgreSQL (which refuses a bigger
  parameter outright; SQLite's driver overflows at 2^63);
- page numbers are 1 … MAX_PAGE, so that an offset stays small whatever the page size;
- dates are 1900 … 2200: the register has nothing older, plans reach no further, and date
  arithmetic on the list filters (a day after `date_to`, a year before `start`) cannot leave
  Python's date range.
Only ASCII digits count: `str.isdigit` and `int` also accept other scripts' digits ("٣", "²").
Text parameters lose NUL characters: nobody types one, and PostgreSQL refuses them in text.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.routing import IntegerConverter, ValidationError

from crm.common.request_language import WtformsMessages

MAX_ID = 2**31 - 1
MAX_PAGE = 10_000
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2200, 12, 31)

_DIGITS = re.compile(r"[0-9]{1,10}")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


def parse_id(value: object) -> int | None:
    """The id a value names, or None when it is empty, not a number or out of range."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip() if value is not None else ""
        if not _DIGITS.fullmatch(text):
            return None
        number = int(text)
    return number if 1 <= number <= MAX_ID else None


def parse_page(value: object, *, default: int = 1, maximum: int = MAX_PAGE) -> int:
    """A page number (or size) asked for: `default` unless a number from 1 up; at most `maximum`."""
    text = str(value).strip() if value is not None else ""
    digits = text.lstrip("0")
    if not text.isascii() or not text.isdigit() or not digits:
        return default
    # Count digits rather than convert: int() refuses a 100,000-digit number outright.
    return maximum if len(digits) > len(str(maximum)) else min(int(digits), maximum)


def date_in_range(value: date) -> bool:
    """Whether a date lies within the years the application handles."""
    return MIN_DATE <= value <= MAX_DATE


def parse_date(value: object) -> date | None:
    """An ISO date (YYYY-MM-DD) within MIN_DATE … MAX_DATE, or None."""
    match = _ISO_DATE.fullmatch(str(value).strip()) if value is not None else None
    if match is None:
        return None
    try:
        parsed = date(*(int(part) for part in match.groups()))
    except ValueError:  # 2024-02-30
        return None
    return parsed if date_in_range(parsed) else None


def parse_datetime(value: object) -> datetime | None:
    """An ISO date and time (as datetime.fromisoformat reads it) within the date range, or None."""
    try:
        parsed = datetime.fromisoformat(str(value).strip()) if value else None
    except ValueError:
        return None
    return parsed if parsed is not None and date_in_range(parsed.date()) else None


class IdConverter(IntegerConverter):
    """Flask's `int` URL converter, bounded to the ids the database can hold (else a 404)."""

    regex = r"[0-9]+"

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str):
        """The id in the path; too many digits is refused before int() reads them."""
        if len(value) > len(str(MAX_ID)):
            raise ValidationError()
        return super().to_python(value)


def _without_nul(value):
    return value.replace("\x00", "") if isinstance(value, str) else value


class TextParameters(ImmutableMultiDict):
    """Query string and form values without NUL characters (uploaded files are left alone)."""

    def __init__(self, mapping=None) -> None:
        pairs = MultiDict(mapping).items(multi=True)
        super().__init__([(_without_nul(key), _without_nul(value)) for key, value in pairs])


class TextRequest(Request):
    """Flask's request, its query string and form read as TextParameters."""

    parameter_storage_class = TextParameters
    # Where Flask-WTF looks for wtforms' catalogue before it loads it from disk again.
    wtforms_translations = WtformsMessages()
