"""Log a meeting from the calendar: read an invitation (.ics, or an .eml with one attached) and
turn it into the capture form's prefill, with attendees matched to staff, people and
organisations.

`read_invitation` is pure (bytes in, an `Invitation` out); `match_attendees` reads the database;
`invitation_prefill` does both; `prefill_from_upload` is what a route calls with an uploaded file.
"""

from __future__ import annotations

import email
import email.policy
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import nh3
import recurring_ical_events
import x_wr_timezone
from flask import current_app
from flask_babel import lazy_gettext as _l
from icalendar import Calendar, Component, vRecur
from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from crm.auth.models import User
from crm.common import folding
from crm.common.dates import local_today
from crm.common.language import short_date
from crm.companies.models import Company
from crm.contacts.models import Contact
from crm.meetings.services import MAX_DURATION_MINUTES, MAX_NOTES_LENGTH, MAX_TITLE_LENGTH

# An invitation is a few kilobytes; a megabyte leaves room for a long agenda and a logo.
MAX_BYTES = 1024 * 1024
LOCAL_TIMEZONE = "Europe/Oslo"
# A series offers the latest past occurrences (logged afterwards) and the next ones.
PAST_OCCURRENCES = 3
NEXT_OCCURRENCES = 10
PAST_WINDOW_DAYS = 120
# Meetings recur by the day at the finest, and not from far back: a rule that would make
# millions of occurrences (every second, or daily since 1900) is refused, not computed.
SERIES_FREQUENCIES = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
SERIES_MAX_YEARS_BACK = 30
MAX_LOCATION_LENGTH = 300
# Addresses anyone can have: their domain says nothing about an organisation.
GENERIC_MAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "outlook.com", "outlook.no", "hotmail.com", "hotmail.no",
        "live.com", "live.no", "msn.com", "yahoo.com", "yahoo.no", "icloud.com", "me.com",
        "mac.com", "aol.com", "gmx.com", "gmx.net", "proton.me", "protonmail.com", "online.no",
        "getmail.no", "broadpark.no", "altibox.no", "telia.no", "lyse.net", "frisurf.no",
    }
)  # fmt: skip
# Rooms and equipment booked through the invitation are not people.
NOT_PEOPLE = {"ROOM", "RESOURCE"}
_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")
_BREAK = re.compile(r"<\s*(br|/p|/div|/li)\s*/?\s*>", re.IGNORECASE)


class InvitationError(Exception):
    """The file is not an invitation we can read; `message` says why, for the user."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Attendee:
    """Someone on the invitation: organiser or attendee."""

    name: str
    email: str


@dataclass(frozen=True)
class Occurrence:
    """One meeting of a series, in local time; `at` is None for an all-day meeting."""

    day: date
    at: time | None

    def as_json(self) -> dict[str, str | None]:
        """The occurrence as the JSON answer shows it."""
        return {"day": self.day.isoformat(), "time": _hhmm(self.at)}


@dataclass
class Invitation:
    """What the invitation says, in local time; nothing looked up yet."""

    title: str
    day: date
    at: time | None
    duration_minutes: int | None
    location: str
    notes: str
    attendees: list[Attendee]
    occurrences: list[Occurrence] = field(default_factory=list)
    errors: list[Any] = field(default_factory=list)


@dataclass
class Matches:
    """Attendees found in the database, and the rest offered as new people."""

    companies: list[tuple[int, str]] = field(default_factory=list)
    contacts: list[tuple[int, str]] = field(default_factory=list)
    staff: list[tuple[int, str]] = field(default_factory=list)
    unmatched: list[Attendee] = field(default_factory=list)


@dataclass
class InvitationPrefill:
    """The capture form's prefill from an invitation."""

    invitation: Invitation
    matches: Matches

    def as_json(self) -> dict[str, Any]:
        """The answer of POST /meetings/invitation."""
        inv, found = self.invitation, self.matches
        return {
            "title": inv.title,
            "day": inv.day.isoformat(),
            "time": _hhmm(inv.at),
            "duration_minutes": inv.duration_minutes,
            "location": inv.location,
            "notes": inv.notes,
            "companies": [{"id": i, "name": n} for i, n in found.companies],
            "contacts": [{"id": i, "name": n} for i, n in found.contacts],
            "staff": [{"id": i, "name": n} for i, n in found.staff],
            "unmatched": [{"name": a.name, "email": a.email} for a in found.unmatched],
            "occurrences": [o.as_json() for o in inv.occurrences],
            "errors": [str(e) for e in inv.errors],
        }

    def form_data(self) -> dict[str, Any]:
        """The prefill keyed by the meeting form's field names, for `form.process(data=...)`."""
        inv, found = self.invitation, self.matches
        return {
            "title": inv.title,
            "day": inv.day,
            "time": inv.at,
            "duration_minutes": inv.duration_minutes,
            "location": inv.location,
            "notes": inv.notes,
            "company_ids": [i for i, _ in found.companies],
            "contact_ids": [i for i, _ in found.contacts],
            "staff_ids": [i for i, _ in found.staff],
        }


def _hhmm(at: time | None) -> str | None:
    return at.strftime("%H:%M") if at is not None else None


# --- reading the file ---------------------------------------------------------------------------


def _calendar_text(data: bytes) -> str:
    """The iCalendar text of an .ics file or of the invitation attached to an .eml."""
    if not data.strip():
        raise InvitationError(_l("The file is empty."))
    if len(data) > MAX_BYTES:
        raise InvitationError(
            _l("The file is too large for an invitation (at most %(n)d kB).", n=MAX_BYTES // 1024)
        )
    if b"\x00" in data:
        raise InvitationError(_l("This is not an invitation: choose an .ics or .eml file."))
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:15].upper() == b"BEGIN:VCALENDAR":
        return _decode(head)
    return _calendar_in_mail(data)


def _decode(data: bytes, charset: str | None = None) -> str:
    """Text in its declared charset, else UTF-8 (RFC 5545), else Windows-1252 (old Outlook)."""
    for candidate in (charset, "utf-8-sig", "cp1252"):
        if not candidate:
            continue
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("latin-1")


def _is_calendar_part(part: EmailMessage) -> bool:
    kind = part.get_content_type()
    filename = (part.get_filename() or "").lower()
    return kind in ("text/calendar", "application/ics") or filename.endswith((".ics", ".vcs"))


def _calendar_in_mail(data: bytes) -> str:
    """The first invitation in a message: a text/calendar part or an .ics attachment."""
    message = email.message_from_bytes(data, policy=email.policy.default)
    if not isinstance(message, EmailMessage) or not (
        message.get("From") or message.get("Content-Type") or message.get("MIME-Version")
    ):
        raise InvitationError(_l("This is not an invitation: choose an .ics or .eml file."))
    for part in message.walk():
        if part.is_multipart() or not _is_calendar_part(part):
            continue
        try:
            payload = part.get_payload(decode=True) or b""
        except (ValueError, TypeError) as error:
            raise InvitationError(_l("The invitation in the message cannot be read.")) from error
        text = _decode(payload, part.get_content_charset())
        if "BEGIN:VCALENDAR" in text.upper():
            return text
    raise InvitationError(_l("The message has no invitation attached (.ics)."))


def _parse_calendar(text: str) -> Calendar:
    try:
        calendar = Calendar.from_ical(text)
        # Google's exports may give floating times and the zone only in X-WR-TIMEZONE.
        return x_wr_timezone.to_standard(calendar)
    except Exception as error:  # icalendar raises many kinds on malformed input
        raise InvitationError(_l("The invitation cannot be read: the file is damaged.")) from error


def _text(component: Component, name: str) -> str:
    value = component.get(name)
    if value is None:
        return ""
    if isinstance(value, list):
        value = value[0]
    return str(value).strip()


def _plain(description: str) -> str:
    """The description as plain text; Google sends HTML in it."""
    if not _TAG.search(description):
        return description
    with_breaks = _BREAK.sub("\n", description)
    return html.unescape(nh3.clean(with_breaks, tags=set())).strip()


def _one_line(text: str) -> str:
    return ", ".join(line.strip() for line in text.splitlines() if line.strip())


def _name_from_address(address: str) -> str:
    local = address.split("@", 1)[0]
    words = [w for w in re.split(r"[._-]+", local) if w and not w.isdigit()]
    return " ".join(w.capitalize() for w in words)


def _people(event: Component) -> list[Attendee]:
    """Organiser and attendees with an email address, once each, rooms left out."""
    found: dict[str, Attendee] = {}
    values = []
    if event.get("ORGANIZER") is not None:
        values.append(event["ORGANIZER"])
    attendees = event.get("ATTENDEE", [])
    values += attendees if isinstance(attendees, list) else [attendees]
    for value in values:
        params = getattr(value, "params", {})
        if str(params.get("CUTYPE", "")).upper() in NOT_PEOPLE:
            continue
        address = str(value).strip()
        if address.lower().startswith("mailto:"):
            address = address[7:]
        address = address.strip().lower()
        if "@" not in address or len(address) > 254 or address in found:
            continue
        name = str(params.get("CN", "")).strip().strip('"').strip() or ""
        if not name or "@" in name:
            name = _name_from_address(address)
        found[address] = Attendee(name=name[:200], email=address)
    return list(found.values())


def _local(value: date | datetime, zone: ZoneInfo) -> tuple[date, time | None]:
    """A start as local date and time: aware times converted, floating ones taken as local."""
    if isinstance(value, datetime):
        moment = value.astimezone(zone) if value.tzinfo is not None else value
        return moment.date(), moment.time().replace(second=0, microsecond=0, tzinfo=None)
    return value, None


def _minutes(event: Component) -> int | None:
    start = event.get("DTSTART")
    if start is None or not isinstance(start.dt, datetime):
        return None
    try:
        if event.get("DTEND") is not None:
            length = event["DTEND"].dt - start.dt
        elif event.get("DURATION") is not None:
            length = event["DURATION"].dt
        else:
            return None
    except TypeError:  # a naive end against an aware start
        return None
    minutes = int(length.total_seconds() // 60)
    return minutes if 0 < minutes <= MAX_DURATION_MINUTES else None


def _is_series(calendar: Calendar, uid: str) -> bool:
    for event in calendar.walk("VEVENT"):
        if _text(event, "UID") == uid and (
            event.get("RRULE") is not None
            or event.get("RDATE") is not None
            or event.get("RECURRENCE-ID") is not None
        ):
            return True
    return False


def _check_series(calendar: Calendar, today: date) -> None:
    """Refuse a series whose occurrences would be too many to compute."""
    earliest = today - timedelta(days=365 * SERIES_MAX_YEARS_BACK)
    for event in calendar.walk("VEVENT"):
        start = event["DTSTART"].dt
        if (start.date() if isinstance(start, datetime) else start) < earliest:
            raise InvitationError(_l("The meeting series in the file cannot be read."))
        rules = event.get("RRULE", [])
        for rule in rules if isinstance(rules, list) else [rules]:
            finer = sum(len(rule.get(part, [])) for part in ("BYHOUR", "BYMINUTE", "BYSECOND"))
            if set(rule.get("FREQ", [])) - SERIES_FREQUENCIES or finer > 3:
                raise InvitationError(_l("The meeting series in the file cannot be read."))
            if not _may_happen(rule):
                raise InvitationError(_l("The meeting series in the file cannot be read."))


# The longest each month can be (February in a leap year).
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _may_happen(rule: vRecur) -> bool:
    """False for the rules calendars never write and that never give a meeting (30 February,
    the 6th Monday): the recurrence library would search until the year 9999 for one."""
    if rule.get("BYYEARDAY") or rule.get("BYWEEKNO"):
        return False
    if any(not 1 <= abs(int(p)) <= 5 for p in rule.get("BYSETPOS", [])):
        return False
    days, months = rule.get("BYMONTHDAY", []), rule.get("BYMONTH", [])
    if days and months:
        return any(
            abs(int(d)) <= _MONTH_DAYS[int(m) - 1]
            for d in days
            for m in months
            if 1 <= int(m) <= 12
        )
    return True


def _only_uid(calendar: Calendar, uid: str) -> Calendar:
    """The calendar with one meeting's components only (its series and moved occurrences)."""
    kept = Calendar()
    for component in calendar.subcomponents:
        if component.name != "VEVENT" or _text(component, "UID") == uid:
            kept.add_component(component)
    return kept


def _occurrences(
    calendar: Calendar, zone: ZoneInfo, today: date
) -> tuple[list[Component], list[Component]]:
    """A series' latest past occurrences and next occurrences, cancelled ones left out."""
    query = recurring_ical_events.of(calendar, components=["VEVENT"])
    midnight = datetime.combine(today, time(), tzinfo=zone)

    def live(events: Iterable[Component]) -> Iterable[Component]:
        return (e for e in events if _text(e, "STATUS").upper() != "CANCELLED")

    def before_today(days_back: int) -> list[Component]:
        since = midnight - timedelta(days=days_back)
        events = live(query.between(since, midnight))
        return [e for e in events if _local(e["DTSTART"].dt, zone)[0] < today]

    past = before_today(PAST_WINDOW_DAYS)
    upcoming = []
    for event in live(query.after(midnight)):
        if _local(event["DTSTART"].dt, zone)[0] < today:
            continue  # still running at midnight, but begun the day before
        upcoming.append(event)
        if len(upcoming) == NEXT_OCCURRENCES:
            break
    if not past and not upcoming:  # a series that ended long ago: its last meetings
        past = before_today(366 * SERIES_MAX_YEARS_BACK)
    return past[-PAST_OCCURRENCES:], upcoming


def _choose(
    calendar: Calendar, master: Component, zone: ZoneInfo, today: date, on: date | None
) -> tuple[Component, list[Occurrence], list[Any]]:
    """The occurrence of a series to log: the one on `on`, else the next from today, else the
    last one; with the occurrences to choose among."""
    errors: list[Any] = []
    on_day: list[Component] = []
    if on is not None:
        on_day = [
            e
            for e in recurring_ical_events.of(calendar, components=["VEVENT"]).at(on)
            if _local(e["DTSTART"].dt, zone)[0] == on and _text(e, "STATUS").upper() != "CANCELLED"
        ]
    past, upcoming = _occurrences(calendar, zone, today)
    listed = past + upcoming
    if on_day:
        chosen = on_day[0]
        if all(_local(e["DTSTART"].dt, zone) != _local(chosen["DTSTART"].dt, zone) for e in listed):
            listed.append(chosen)
    else:
        if on is not None:
            errors.append(_l("The series has no meeting on %(day)s.", day=short_date(on)))
        chosen = upcoming[0] if upcoming else (past[-1] if past else master)
    occurrences = sorted({Occurrence(*_local(e["DTSTART"].dt, zone)) for e in listed},
                         key=lambda o: (o.day, o.at or time()))  # fmt: skip
    return chosen, occurrences, errors


def read_invitation(
    data: bytes,
    *,
    today: date,
    on: date | None = None,
    timezone: str = LOCAL_TIMEZONE,
) -> Invitation:
    """Read an .ics file or an .eml with one attached; raises InvitationError with a message.

    A recurring series gives the occurrence on `on` when given, else the next one from `today`
    (else its last), with `occurrences` to choose among. Times are local in `timezone`.
    """
    calendar = _parse_calendar(_calendar_text(data))
    try:
        return _read_calendar(calendar, today=today, on=on, zone=ZoneInfo(timezone))
    except InvitationError:
        raise
    # icalendar reads properties when asked: a broken date surfaces here, not when parsing.
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, OverflowError) as error:
        raise InvitationError(_l("The invitation cannot be read: the file is damaged.")) from error


def _read_calendar(
    calendar: Calendar, *, today: date, on: date | None, zone: ZoneInfo
) -> Invitation:
    events = [e for e in calendar.walk("VEVENT") if e.get("DTSTART") is not None]
    if not events:
        raise InvitationError(_l("The file holds no meeting."))
    errors: list[Any] = []
    if _text(calendar, "METHOD").upper() == "CANCEL":
        errors.append(_l("This is a cancellation: the meeting has been called off."))
    # A series comes as its rule plus moved occurrences (same UID, with RECURRENCE-ID).
    masters = [e for e in events if e.get("RECURRENCE-ID") is None] or events
    master = masters[0]
    uid = _text(master, "UID")
    if len({_text(e, "UID") for e in events}) > 1:
        errors.append(_l("The file holds several meetings; the first is used."))
    occurrences: list[Occurrence] = []
    chosen = master
    if _is_series(calendar, uid):
        series = _only_uid(calendar, uid)
        _check_series(series, today)
        try:
            chosen, occurrences, more = _choose(series, master, zone, today, on)
        except Exception as error:  # the recurrence library's errors on a broken rule
            raise InvitationError(_l("The meeting series in the file cannot be read.")) from error
        errors += more
    day, at = _local(chosen["DTSTART"].dt, zone)
    notes = _plain(_text(chosen, "DESCRIPTION") or _text(master, "DESCRIPTION"))
    return Invitation(
        title=(_text(chosen, "SUMMARY") or _text(master, "SUMMARY"))[:MAX_TITLE_LENGTH],
        day=day,
        at=at,
        duration_minutes=_minutes(chosen),
        location=_one_line(_text(chosen, "LOCATION") or _text(master, "LOCATION"))[
            :MAX_LOCATION_LENGTH
        ],
        notes=notes[:MAX_NOTES_LENGTH].strip(),
        attendees=_people(chosen) or _people(master),
        occurrences=occurrences,
        errors=errors,
    )


# --- matching attendees -------------------------------------------------------------------------


def _host(website: str | None) -> str:
    if not website:
        return ""
    text = website.strip().lower()
    if "//" not in text:
        text = "//" + text
    try:
        host = urlsplit(text).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def _same_organisation(mail_domain: str, host: str) -> bool:
    """Whether a mail domain belongs to a website's host (post.ife.no belongs to ife.no)."""
    return bool(host) and (mail_domain == host or mail_domain.endswith("." + host))


def _companies_by_domain(session: Session, domains: Sequence[str]) -> list[tuple[int, str]]:
    if not domains:
        return []
    # The last two labels find the candidates (ife.no for post.ife.no); the host decides.
    keys = sorted({".".join(d.split(".")[-2:]) for d in domains})
    candidates = session.execute(
        select(Company.id, Company.name, Company.website, Company.parent_id)
        .where(or_(*(folding.contains(Company.website, k) for k in keys)))
        .order_by(Company.parent_id.is_not(None), Company.name, Company.id)
        .limit(200)
    ).all()
    found: dict[int, str] = {}
    for domain in domains:
        # Sub-units share the main unit's website: the main unit first, a few at most.
        same = [(c.id, c.name) for c in candidates if _same_organisation(domain, _host(c.website))]
        found.update(same[:3])
    return list(found.items())


def match_attendees(
    session: Session, attendees: Sequence[Attendee], *, staff_domains: Iterable[str] = ()
) -> Matches:
    """Staff users and people by email, organisations by the email's domain; the rest unmatched.

    Generic mail domains and the municipality's own (`staff_domains`) name no organisation.
    """
    emails = [a.email for a in attendees]
    if not emails:
        return Matches()
    users = session.execute(
        select(User.id, User.name, User.email)
        .where(folding.one_of(User.email, emails), User.active.is_(True))
        .order_by(User.name, User.id)
    ).all()
    contacts = session.execute(
        select(Contact.id, Contact.name, Contact.email)
        .where(folding.one_of(Contact.email, emails))
        .order_by(Contact.id)
    ).all()
    staff_by_email = {u.email.lower(): (u.id, u.name) for u in users}
    contact_by_email: dict[str, tuple[int, str]] = {}
    for row in contacts:
        contact_by_email.setdefault(row.email.lower(), (row.id, row.name))
    ignored = GENERIC_MAIL_DOMAINS | {d.strip().lower() for d in staff_domains if d.strip()}
    domains = []
    for address in emails:
        domain = address.rsplit("@", 1)[1]
        if address in staff_by_email or domain in ignored or domain in domains:
            continue
        if any(_same_organisation(domain, staff) for staff in ignored):
            continue
        domains.append(domain)
    matches = Matches(companies=_companies_by_domain(session, domains))
    for attendee in attendees:
        if attendee.email in staff_by_email:
            matches.staff.append(staff_by_email[attendee.email])
        elif attendee.email in contact_by_email:
            matches.contacts.append(contact_by_email[attendee.email])
        else:
            matches.unmatched.append(attendee)
    matches.contacts = sorted(dict.fromkeys(matches.contacts), key=lambda c: (c[1], c[0]))
    return matches


# --- for routes ---------------------------------------------------------------------------------


def staff_domains() -> list[str]:
    """The municipality's own mail domains, from the configuration."""
    value = current_app.config.get("STAFF_MAIL_DOMAINS") or ""
    if isinstance(value, str):
        value = value.split(",")
    return [d.strip().lower() for d in value if d.strip()]


def invitation_prefill(
    session: Session, data: bytes, *, on: date | None = None, today: date | None = None
) -> InvitationPrefill:
    """Read an invitation and match its attendees; raises InvitationError for a bad file."""
    invitation = read_invitation(
        data,
        today=today or local_today(),
        on=on,
        timezone=current_app.config.get("BABEL_DEFAULT_TIMEZONE", LOCAL_TIMEZONE),
    )
    matches = match_attendees(session, invitation.attendees, staff_domains=staff_domains())
    return InvitationPrefill(invitation=invitation, matches=matches)


def prefill_from_upload(
    session: Session, upload: FileStorage | None, *, on: date | None = None
) -> InvitationPrefill:
    """The prefill from an uploaded file (the form route's no-JS path); reads at most MAX_BYTES.

    Raises InvitationError when no file was chosen or the file cannot be read.
    """
    if upload is None or not upload.filename:
        raise InvitationError(_l("Choose an invitation file (.ics or .eml)."))
    data = upload.stream.read(MAX_BYTES + 1)
    return invitation_prefill(session, data, on=on)
