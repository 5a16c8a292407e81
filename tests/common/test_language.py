"""The fast short date format says the same as the `datetime` and `date` filters."""

from datetime import UTC, date, datetime

from flask_babel import force_locale

from crm.common.formats import date as format_date
from crm.common.formats import datetime as format_datetime
from crm.common.language import _short_formatter, _short_pattern, short_date, short_datetime


def test_short_datetime_matches_the_filters_in_both_languages(app):
    moment = datetime(2026, 7, 1, 12, 30, tzinfo=UTC)  # 14:30 in Oslo (summer time)
    with app.test_request_context():
        for locale in ("nb", "en"):
            with force_locale(locale):
                assert short_datetime(moment) == format_datetime(moment, "short")
                assert short_datetime(date(2026, 1, 5)) == format_date(date(2026, 1, 5), "short")
        with force_locale("nb"):
            assert short_datetime(moment) == "01.07.2026, 14:30"
        assert short_datetime(None) == ""
        # 23:30 UTC on New Year's Eve is already the next day in Oslo.
        with force_locale("nb"):
            assert short_date(datetime(2025, 12, 31, 23, 30, tzinfo=UTC)) == "01.01.2026"


def test_the_compiled_short_formats_write_what_babel_writes():
    # Bokmål's and British English's short patterns are plain numbers, written with one
    # str.format instead of Babel's field objects; a locale with other fields (US English:
    # a two-digit year, AM/PM) keeps Babel's. Every month, single and double digits, both ends
    # of the day, and a year below 1000.
    moments = [
        datetime(year, month, day, hour, minute, tzinfo=UTC)
        for year in (987, 2009, 2026)
        for month in (1, 9, 10, 12)
        for day in (1, 9, 28)
        for hour, minute in ((0, 0), (9, 5), (13, 30), (23, 59))
    ]
    for locale in ("nb", "en_GB", "en"):
        for with_time in (True, False):
            babel_locale, pattern = _short_pattern(locale, with_time)
            compiled = _short_formatter(locale, with_time)
            for moment in moments:
                value = moment if with_time else moment.date()
                assert compiled(value) == pattern.apply(value, babel_locale), (locale, value)
    assert isinstance(_short_formatter("nb", True), type("".format))  # the fast path is taken
