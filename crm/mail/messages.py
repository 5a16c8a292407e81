"""A message in the reader's language, with a plain-text and an HTML part from templates/mail/."""

from __future__ import annotations

from collections.abc import Callable
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale

from crm.common.models import utcnow
from crm.mail.smtp import MailSettings


def absolute_url(settings: MailSettings, endpoint: str, **values) -> str:
    """The full address of a page for a link in mail, starting with BASE_URL (no request needed)."""
    base = urlsplit(settings.base_url)
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def recipient_locale(locale: str | None) -> str:
    """The language a user reads mail in: their setting, else the app's default (bokmål)."""
    if locale in current_app.config["LANGUAGES"]:
        return locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def compose(
    settings: MailSettings,
    *,
    to: str,
    to_name: str,
    locale: str | None,
    subject: Callable[[], str],
    template: str,
    **context,
) -> EmailMessage:
    """Render templates/mail/<template>.txt and .html in the recipient's language into a message.

    `subject` is called inside the recipient's language, so its gettext and dates follow it.
    """
    language = recipient_locale(locale)
    with force_locale(language):
        title = subject()
        context = {**context, "subject": title, "language": language}
        text = render_template(f"mail/{template}.txt", **context)
        html = render_template(f"mail/{template}.html", **context)
    message = EmailMessage()
    message["Subject"] = title
    message["From"] = settings.sender
    message["To"] = Address(display_name=to_name, addr_spec=to)
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain=urlsplit(settings.base_url).hostname)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    # After the parts: making the message multipart moves Content-* headers into its first part.
    message["Content-Language"] = language
    return message
