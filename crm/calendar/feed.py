"""The iCalendar (RFC 5545) text of a feed, made with the icalendar library."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from crm.calendar.queries import FeedContent

PRODID = "-//Koblingsboks//Lillestrom kommune//NO"
UID_DOMAIN = "koblingsboks"
# A meeting without a duration is shown as an hour long.
DEFAULT_MINUTES = 60


def _stamp(value: datetime | None) -> datetime:
    return (value or datetime.now(UTC)).astimezone(UTC)


def _all_day(event: Event, day: date) -> None:
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("transp", "TRANSPARENT")


def build_feed(
    content: FeedContent,
    *,
    calendar_name: str,
    base_url: str,
    timezone: str,
    texts: dict[str, str],
) -> bytes:
    """The feed as bytes; timed events in `timezone`, dates as all-day events.

    `texts` gives the translated "case" and "task" prefixes; UIDs stay the same across renders.
    """
    zone = ZoneInfo(timezone)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", calendar_name)
    calendar.add("x-wr-timezone", timezone)

    for meeting in content.meetings:
        event = Event()
        event.add("uid", f"meeting-{meeting.id}@{UID_DOMAIN}")
        event.add("dtstamp", _stamp(meeting.updated_at))
        # A changed meeting keeps its UID; calendars see the change by its sequence.
        event.add("last-modified", _stamp(meeting.updated_at))
        event.add("sequence", max((meeting.version or 1) - 1, 0))
        start = meeting.starts_at.astimezone(zone)
        event.add("dtstart", start)
        event.add("dtend", start + timedelta(minutes=meeting.duration_minutes or DEFAULT_MINUTES))
        event.add("summary", meeting.title)
        if meeting.location:
            event.add("location", meeting.location)
        if meeting.companies:
            event.add("description", ", ".join(c.name for c in meeting.companies))
        event.add("url", f"{base_url}/meetings/{meeting.id}")
        calendar.add_component(event)

    for case in content.cases:
        event = Event()
        event.add("uid", f"case-follow-up-{case.id}@{UID_DOMAIN}")
        event.add("dtstamp", _stamp(case.updated_at))
        _all_day(event, case.next_follow_up_on)
        event.add("summary", f"{texts['case']}: {case.company.name}")
        event.add("url", f"{base_url}/establishments/{case.id}")
        calendar.add_component(event)

    for task in content.tasks:
        event = Event()
        event.add("uid", f"task-{task.id}@{UID_DOMAIN}")
        event.add("dtstamp", _stamp(task.updated_at))
        _all_day(event, task.due_on)
        summary = f"{texts['task']}: {task.title}"
        if task.company:
            summary += f" ({task.company.name})"
        event.add("summary", summary)
        if task.description:
            event.add("description", task.description)
        calendar.add_component(event)

    calendar.add_missing_timezones()
    return calendar.to_ical()
