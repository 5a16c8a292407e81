"""Figures and dates read the way the glossary says, in both languages."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date, format_datetime
from flask_babel import force_locale

from crm.common import formats
from crm.common.language import short_datetime

NBSP = "\N{NO-BREAK SPACE}"
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (
            "nb",
            {
                "thousands": f"2{NBSP}000",
                "weight": "40,5",
                "whole": "9",
                "fixed": "0,71",
                "percent": f"12,5{NBSP}%",
                "rounded_percent": f"71{NBSP}%",
                "area": f"2{NBSP}000{NBSP}m²",
                "nok": f"650{NBSP}000{NBSP}kr",
                "day": "1. mai 2026",
                "december": "1. des. 2026",
                "short": "01.01.2017",
                "moment": "01.07.2026, 14:30",
                "time": "14:30",
            },
        ),
        (
            "en",
            {
                "thousands": "2,000",
                "weight": "40.5",
                "whole": "9",
                "fixed": "0.71",
                "percent": "12.5%",
                "rounded_percent": "71%",
                "area": f"2,000{NBSP}m²",
                "nok": f"NOK{NBSP}650,000",
                "day": "1 May 2026",
                "december": "1 Dec 2026",
                "short": "01/01/2017",
                "moment": "01/07/2026, 14:30",
                "time": "14:30",
            },
        ),
    ],
)
def test_figures_and_dates_follow_the_readers_language(app, locale, expected):
    summer_noon = datetime(2026, 7, 1, 12, 30, tzinfo=UTC)  # 14:30 in Oslo
    with app.test_request_context(), force_locale(locale):
        assert formats.number(2000) == expected["thousands"]
        assert formats.number(40.5, 1) == expected["weight"]
        assert formats.number(9.0, 1) == expected["whole"]
        assert formats.number(0.714, 2, fixed=True) == expected["fixed"]
        assert formats.percent(0.125, 1) == expected["percent"]
        assert formats.percent(Decimal("0.714")) == expected["rounded_percent"]
        assert formats.area(2000) == expected["area"]
        assert formats.nok(650_000.4) == expected["nok"]
        assert formats.date(date(2026, 5, 1)) == expected["day"]
        assert formats.date(date(2026, 12, 1)) == expected["december"]
        assert formats.date(date(2017, 1, 1), "short") == expected["short"]
        assert formats.datetime(summer_noon) == expected["moment"]
        assert formats.time(summer_noon) == expected["time"]


def test_a_moment_is_dated_in_the_municipalitys_time_zone(app):
    with app.test_request_context(), force_locale("nb"):
        # 23:30 UTC on New Year's Eve is already New Year's Day in Oslo.
        assert formats.date(datetime(2025, 12, 31, 23, 30, tzinfo=UTC)) == "1. jan. 2026"


def test_nothing_to_format_is_a_dash(app):
    with app.test_request_context():
        for filter_ in (formats.number, formats.percent, formats.area, formats.nok, formats.date):
            assert filter_(None) == "–"


def test_filters_and_the_scripts_locale_reach_templates(app):
    with app.test_request_context(), force_locale("en"):
        rendered = app.jinja_env.from_string(
            "{{ 2000 | area }}|{{ 0.5 | percent }}|{{ day | date }}|{{ format_locale }}"
        )
        app.update_template_context(context := {"day": date(2026, 5, 1)})
        assert rendered.render(context) == f"2,000{NBSP}m²|50%|1 May 2026|en-GB"


# Python's and Flask-Babel's own formatting speak US English or no language at all.
UNFORMATTED = re.compile(
    r"\|\s*(dateformat|datetimeformat|timeformat|numberformat|decimalformat|percentformat"
    r"|currencyformat)\b"
    r"|\"%[.\d]*[dfs%]\"\s*\|\s*format"
    r"|\"\{:[^}]*\}\"\.format"
)


def test_templates_format_figures_and_dates_only_through_the_filters():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if UNFORMATTED.search(line)
    ]
    assert offenders == []


def test_dates_and_moments_read_as_babel_writes_them(app):
    # The filters write the common patterns without Babel (crm.common.formats.
    # compile_date_pattern): every day of two years and every hour, in both languages, must
    # read exactly as Babel's own formatting.
    days = [date(2025, 1, 1) + timedelta(days=n) for n in range(731)] + [date(999, 3, 4)]
    moments = [datetime(2026, 3, 29, hour, 5 * hour % 60, tzinfo=UTC) for hour in range(24)]
    with app.test_request_context():
        for language, babel_locale in (("nb", "nb"), ("en", "en_GB")):
            with force_locale(language):
                for format in ("short", "medium", "long", "full", "d. MMM", "EEEE", "MMMM y"):
                    for day in days:
                        assert formats.date(day, format) == format_date(day, format, babel_locale)
                for moment in moments:
                    local = moment.astimezone(ZoneInfo("Europe/Oslo"))
                    written = format_datetime(local, "short", locale=babel_locale)
                    assert formats.datetime(moment) == written
                    assert short_datetime(moment) == written
