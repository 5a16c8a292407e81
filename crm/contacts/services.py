"""Writes about people and their affiliations; they flush, the caller commits."""

from __future__ import annotations

from datetime import date
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from crm.common.dates import local_today
from crm.common.errors import DomainError
from crm.common.models import utcnow
from crm.common.versioning import ensure_version
from crm.companies.services import resolve_organisation
from crm.contacts import queries
from crm.contacts.models import Affiliation, Contact, ContactAccess
from crm.history.models import ChangeKind
from crm.history.services import erase_history
from crm.history.tracking import tracked_execute
from crm.meetings.models import meeting_contacts

PHONE_REGION = "NO"


class DuplicateEmailError(DomainError):
    """Another person already has the email address; `other` is that person."""

    def __init__(self, other: Contact) -> None:
        path = f"/contacts/{other.id}"
        if other.restricted_at is not None:
            # Not even the name of a restricted person is shown (GDPR art. 18).
            message = _l("This email address already belongs to a person whose data is restricted.")
        else:
            message = _l(
                "This email address already belongs to %(name)s (%(path)s).",
                name=other.name,
                path=path,
            )
        super().__init__("email", message)
        self.other = other


def ensure_not_restricted(contact: Contact) -> None:
    """Refuse any change to a restricted person (GDPR art. 18) until an admin lifts it."""
    if contact.restricted_at is not None:
        raise DomainError(
            None,
            _l(
                "This person's data is restricted: nothing about them can be changed until an "
                "admin lifts the restriction."
            ),
        )


def normalise_email(value: str | None) -> str | None:
    """A checked, normalised email address (no DNS look-up), or None when left empty."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as error:
        raise DomainError("email", _l("This is not a valid email address.")) from error
    return result.normalized


def normalise_phone(value: str | None) -> str | None:
    """A phone number in E.164 (Norway assumed without a country code), or None when empty."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        number = phonenumbers.parse(value, PHONE_REGION)
    except phonenumbers.NumberParseException as error:
        raise DomainError("phone", _l("This is not a valid phone number.")) from error
    if not phonenumbers.is_valid_number(number):
        raise DomainError("phone", _l("This is not a valid phone number."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _check_email_free(session: Session, email: str | None, *, excluding_id: int | None) -> None:
    if email is None:
        return
    other = queries.contact_with_email(session, email, excluding_id=excluding_id)
    if other is not None:
        raise DuplicateEmailError(other)


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError("name", _l("The name is required."))
    return name


def create_contact(
    session: Session, *, name: str, email: str | None, phone: str | None, notes: str = ""
) -> Contact:
    """Register a person; the email must be free, the phone a valid number."""
    name = _clean_name(name)
    email = normalise_email(email)
    phone = normalise_phone(phone)
    _check_email_free(session, email, excluding_id=None)
    contact = Contact(name=name, email=email, phone=phone, notes=(notes or "").strip())
    session.add(contact)
    session.flush()
    return contact


def update_contact(
    session: Session,
    *,
    contact: Contact,
    version: str | int | None,
    name: str,
    email: str | None,
    phone: str | None,
    notes: str = "",
) -> Contact:
    """Correct a person's details, refusing a save over someone else's newer one."""
    ensure_version(contact, version)
    ensure_not_restricted(contact)
    name = _clean_name(name)
    email = normalise_email(email)
    phone = normalise_phone(phone)
    _check_email_free(session, email, excluding_id=contact.id)
    contact.name = name
    contact.email = email
    contact.phone = phone
    contact.notes = (notes or "").strip()
    session.flush()
    return contact


def _make_only_primary(session: Session, affiliation: Affiliation) -> None:
    """A person has one primary affiliation: setting it unsets the others."""
    others = session.scalars(
        select(Affiliation).where(
            Affiliation.contact_id == affiliation.contact_id,
            Affiliation.id != affiliation.id,
            Affiliation.primary.is_(True),
        )
    )
    for other in others:
        other.primary = False
    session.flush()


def add_affiliation(
    session: Session,
    *,
    contact: Contact,
    company_id: str | int | None,
    company_text: str = "",
    title: str = "",
    start_date: date | None = None,
    end_date: date | None = None,
    primary: bool = False,
) -> Affiliation:
    """Record that the person works (or worked) at an organisation."""
    ensure_not_restricted(contact)
    company = resolve_organisation(
        session, company_id=company_id, typed=company_text, field="company", required=True
    )
    # Narrows the type for the checker; required=True has refused a missing one already.
    assert company is not None  # nosec B101
    if start_date and end_date and end_date < start_date:
        raise DomainError("end_date", _l("The end date cannot be before the start date."))
    if primary and end_date is not None and end_date < local_today():
        raise DomainError("primary", _l("Only a current affiliation can be primary."))
    affiliation = Affiliation(
        contact_id=contact.id,
        company_id=company.id,
        title=(title or "").strip(),
        start_date=start_date,
        end_date=end_date,
        primary=primary,
    )
    session.add(affiliation)
    session.flush()
    if primary:
        _make_only_primary(session, affiliation)
    session.expire(contact, ["affiliations"])
    return affiliation


def end_affiliation(session: Session, *, affiliation: Affiliation, end_date: date) -> Affiliation:
    """End an affiliation on a date; the row stays as history."""
    ensure_not_restricted(affiliation.contact)
    if affiliation.end_date is not None and affiliation.end_date < local_today():
        raise DomainError("end_date", _l("This affiliation has already ended."))
    if affiliation.start_date and end_date < affiliation.start_date:
        raise DomainError("end_date", _l("The end date cannot be before the start date."))
    affiliation.end_date = end_date
    session.flush()
    return affiliation


def remove_affiliation(session: Session, *, affiliation: Affiliation) -> None:
    """Delete an affiliation entered by mistake (ending one keeps history instead)."""
    contact = affiliation.contact
    ensure_not_restricted(contact)
    session.delete(affiliation)
    session.flush()
    session.expire(contact, ["affiliations"])


def record_access(
    session: Session,
    *,
    user_id: int | None,
    action: str,
    contact_id: int | None = None,
    detail: str = "",
) -> None:
    """Note that a user saw, exported or erased a person's data (the access log)."""
    session.add(
        ContactAccess(user_id=user_id, contact_id=contact_id, action=action, detail=detail[:300])
    )
    session.flush()


def erase_contact(session: Session, *, contact: Contact, version: str | int | None) -> str:
    """Delete a person and everything that points to them (GDPR art. 17); returns the name.

    Affiliations go with the person; meetings stay (they are the department's records and may
    be public documents) but no longer name the person. The same goes for the trash: a trashed
    meeting or organisation loses the person, so a restore cannot bring them back. The form's
    version must be current, so nobody erases a record someone else just changed without
    seeing it.
    """
    ensure_version(contact, version)
    name = contact.name
    tracked_execute(
        session,
        delete(meeting_contacts).where(meeting_contacts.c.contact_id == contact.id),
        action=ChangeKind.DELETE,
    )
    contact_id = contact.id
    session.delete(contact)
    session.flush()
    erase_history(session, table_name="contacts", record_id=contact_id)
    # Here, not at the top: the trash imports every trashable feature, this one included.
    from crm.trash.services import erase_from_trash

    erase_from_trash(session, contact_id=contact_id)
    return name


def restrict_contact(
    session: Session, *, contact: Contact, version: str | int | None, reason: str, by_id: int
) -> Contact:
    """Restrict the processing of a person's data (GDPR art. 18), keeping why and by whom."""
    ensure_version(contact, version)
    if contact.restricted_at is not None:
        raise DomainError(None, _l("This person's data is already restricted."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("reason", _l("Say why the data is restricted."))
    contact.restricted_at = utcnow()
    contact.restricted_by_id = by_id
    contact.restriction_note = reason
    session.flush()
    return contact


def lift_restriction(session: Session, *, contact: Contact, version: str | int | None) -> Contact:
    """Lift a restriction: the person is back in lists, search, exports and the network."""
    ensure_version(contact, version)
    if contact.restricted_at is None:
        raise DomainError(None, _l("This person's data is not restricted."))
    contact.restricted_at = None
    contact.restricted_by_id = None
    contact.restriction_note = ""
    session.flush()
    return contact


def export_contact_data(session: Session, *, contact: Contact) -> dict[str, Any]:
    """Everything stored about a person, for the right of access (GDPR art. 15)."""
    meetings = queries.contact_meetings(session, contact.id, limit=None)
    person = contact
    return {
        "exported_at": utcnow().isoformat(),
        "person": {
            "id": person.id,
            "name": person.name,
            "email": person.email,
            "phone": person.phone,
            "notes": person.notes,
            "created_at": person.created_at.isoformat() if person.created_at else None,
            "updated_at": person.updated_at.isoformat() if person.updated_at else None,
        },
        "affiliations": [
            {
                "organisation": a.company.name,
                "organisation_number": a.company.org_number,
                "title": a.title,
                "start_date": a.start_date.isoformat() if a.start_date else None,
                "end_date": a.end_date.isoformat() if a.end_date else None,
                "primary": a.primary,
            }
            for a in person.affiliations
        ],
        "meetings": [
            {
                "date": m.starts_at.isoformat(),
                "title": m.title,
                "kind": m.kind,
                "location": m.location,
                "organisations": [c.name for c in m.companies],
            }
            for m in meetings
        ],
    }
