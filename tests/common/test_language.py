"""The fast short date format says the same as the `datetime` and `date` filters."""

from datetime import UTC, date, datetime

from flask_babel import force_locale

from crm.common.formats import date as format_date
from crm.common.formats import datetime as format_datetime
from crm.common.language import short_date, short_datetime


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
