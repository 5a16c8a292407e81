"""The municipality's calendar: its time zone and today's date there."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

# The app context's variable itself, not `current_app`: a list formats a hundred moments, and the
# proxy's lookup cost more than the conversion.
from flask.globals import _cv_app

# The same zone as BABEL_DEFAULT_TIMEZONE in config.py, for code that runs outside a request.
LOCAL_TIMEZONE = "Europe/Oslo"


def app_zone() -> ZoneInfo:
    """The app's time zone (BABEL_DEFAULT_TIMEZONE), LOCAL_TIMEZONE outside an app."""
    context = _cv_app.get(None)
    return ZoneInfo(context.app.config["BABEL_DEFAULT_TIMEZONE"] if context else LOCAL_TIMEZONE)


def local_today(timezone: str = LOCAL_TIMEZONE) -> date:
    """Today's date in the municipality (the server may run in UTC)."""
    return datetime.now(ZoneInfo(timezone)).date()


def local_midnight(day: date, timezone: str = LOCAL_TIMEZONE) -> datetime:
    """The instant a day begins in the municipality, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(timezone))
