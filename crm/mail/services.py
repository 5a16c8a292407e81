"""Sending mail: the daily digest of what each adviser has due, and invitations to new users.

The digest is sent one adviser at a time, each in its own transaction (the command commits):
the day is claimed for the adviser (a `SentDigest` row, flushed), the message handed to the SMTP
server, and only then committed. A failed hand-over rolls the claim back, so the next run tries
again; a second run the same day finds the claim and sends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm.auth.models import User
from crm.home.queries import due_items
from crm.mail.messages import absolute_url, compose
from crm.mail.models import SentDigest
from crm.mail.smtp import MailSettings, send_message
from crm.register.queries import new_register_flags


class DigestAlreadySent(Exception):
    """Another run sent (or is sending) this adviser's digest for the day."""


@dataclass(frozen=True)
class DigestLine:
    """One task or case follow-up in a digest, with the address of its page."""

    kind: str  # "task" or "case"
    title: str
    company_name: str | None
    due_on: date
    overdue: bool
    url: str


@dataclass(frozen=True)
class DigestFlag:
    """A new warning from the register on one of the adviser's organisations."""

    company_name: str
    severity: str
    rule: str
    fields: dict
    url: str


@dataclass(frozen=True)
class Digest:
    """What one adviser has due today or overdue, overdue first; and new register warnings."""

    user: User
    lines: list[DigestLine]
    flags: list[DigestFlag] = field(default_factory=list)


def pending_digests(
    session: Session, settings: MailSettings, *, today: date
) -> tuple[list[Digest], int, int]:
    """The digests still to send today, and how many advisers had one or had nothing due."""
    users = list(
        session.scalars(select(User).where(User.active.is_(True)).order_by(User.name, User.id))
    )
    sent_today = set(session.scalars(select(SentDigest.user_id).where(SentDigest.day == today)))
    rows = session.execute(
        select(SentDigest.user_id, func.max(SentDigest.day))
        .where(SentDigest.day < today)
        .group_by(SentDigest.user_id)
    )
    last_sent = {user_id: day for user_id, day in rows}
    digests: list[Digest] = []
    already = nothing = 0
    for user in users:
        if user.id in sent_today:
            already += 1
            continue
        lines = [
            DigestLine(
                kind=item.kind,
                title=item.title,
                company_name=item.company_name,
                due_on=item.due_on,
                overdue=item.overdue,
                url=_item_url(settings, user, item.kind, item.record_id),
            )
            # The start page's list runs two weeks ahead; the digest is today and before.
            for item in due_items(session, user.id, today=today)
            if item.due_on <= today
        ]
        flags = [
            DigestFlag(
                company_name=flag.company_name,
                severity=flag.severity,
                rule=flag.rule,
                fields=flag.fields,
                url=absolute_url(settings, "companies.detail", company_id=flag.company_id),
            )
            for flag in new_register_flags(
                session, user_id=user.id, after=last_sent.get(user.id), today=today
            )
        ]
        if lines or flags:
            digests.append(Digest(user=user, lines=lines, flags=flags))
        else:
            nothing += 1
    return digests, already, nothing


def _item_url(settings: MailSettings, user: User, kind: str, record_id: int) -> str:
    if kind == "case":
        return absolute_url(settings, "establishments.detail", case_id=record_id)
    if user.can_edit:
        return absolute_url(settings, "tasks.edit", task_id=record_id)
    return absolute_url(settings, "tasks.index")


def send_digest(session: Session, settings: MailSettings, *, digest: Digest, today: date) -> None:
    """Claim today's digest for the adviser, then hand it to the SMTP server (the caller commits).

    Raises DigestAlreadySent when another run claimed the day first, MailError when the server
    did not take the message; either way the caller rolls back.
    """
    user = digest.user
    user_id = user.id
    session.add(SentDigest(user_id=user_id, day=today, items=len(digest.lines) + len(digest.flags)))
    try:
        session.flush()
    except IntegrityError as error:
        raise DigestAlreadySent(user_id) from error
    overdue = [line for line in digest.lines if line.overdue]
    message = compose(
        settings,
        to=user.email,
        to_name=user.name,
        locale=user.locale,
        subject=lambda: _("Due in Koblingsboks %(day)s", day=format_date(today, "medium")),
        template="digest",
        user=user,
        overdue=overdue,
        due_today=[line for line in digest.lines if not line.overdue],
        flags=digest.flags,
        home_url=absolute_url(settings, "home.index"),
    )
    send_message(settings, message)


def send_invitation(
    settings: MailSettings, *, user: User, token: str, lifetime: timedelta, invited_by: User
) -> None:
    """Mail the user a one-time link to choose their own password."""
    hours = int(lifetime.total_seconds() // 3600)
    message = compose(
        settings,
        to=user.email,
        to_name=user.name,
        locale=user.locale,
        subject=lambda: _("Choose your password for Koblingsboks"),
        template="invitation",
        user=user,
        invited_by=invited_by,
        link=absolute_url(settings, "auth.invitation", token=token),
        hours=hours,
        login_url=absolute_url(settings, "auth.login"),
    )
    send_message(settings, message)
