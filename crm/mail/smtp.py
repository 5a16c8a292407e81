"""The SMTP settings from the configuration, and handing a message to the server."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import urlsplit

from config import ConfigError

_TRUE = {"1", "true", "yes", "on"}


class MailError(RuntimeError):
    """The SMTP server could not be reached or did not accept a message."""


@dataclass(frozen=True)
class MailSettings:
    """Where and how mail is sent, and the address links in it start with."""

    server: str
    port: int
    use_tls: bool
    use_ssl: bool
    username: str | None
    password: str | None
    sender: str
    base_url: str
    timeout: float


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in _TRUE


def mail_settings(config: Mapping) -> MailSettings | None:
    """The SMTP settings, or None when MAIL_SERVER is unset (mail is off); refuses a half setup."""
    server = (config.get("MAIL_SERVER") or "").strip()
    if not server:
        return None
    use_tls, use_ssl = _flag(config.get("MAIL_USE_TLS")), _flag(config.get("MAIL_USE_SSL"))
    if use_tls and use_ssl:
        raise ConfigError(
            "Set MAIL_USE_TLS (STARTTLS, usually port 587) or MAIL_USE_SSL (TLS from the start, "
            "usually port 465), not both."
        )
    default_port = 465 if use_ssl else 587 if use_tls else 25
    try:
        port = int(str(config.get("MAIL_PORT") or default_port).strip())
    except ValueError:
        port = 0
    if not 0 < port < 65536:
        raise ConfigError(f"MAIL_PORT={config.get('MAIL_PORT')!r} must be a port number.")
    sender = (config.get("MAIL_SENDER") or "").strip()
    if not sender:
        raise ConfigError("MAIL_SERVER is set: set MAIL_SENDER, the address mail comes from.")
    base_url = (config.get("BASE_URL") or "").strip().rstrip("/")
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            "MAIL_SERVER is set: set BASE_URL to the address users open, e.g. "
            "https://koblingsboks.lillestrom.kommune.no (links in mail start with it)."
        )
    username = config.get("MAIL_USERNAME") or None
    return MailSettings(
        server=server,
        port=port,
        use_tls=use_tls,
        use_ssl=use_ssl,
        username=username,
        password=(config.get("MAIL_PASSWORD") or None) if username else None,
        sender=sender,
        base_url=base_url,
        timeout=float(config.get("MAIL_TIMEOUT_SECONDS") or 30),
    )


def send_message(settings: MailSettings, message: EmailMessage) -> None:
    """Hand one message to the SMTP server; returns once the server has accepted it."""
    context = ssl.create_default_context()
    try:
        if settings.use_ssl:
            connection = smtplib.SMTP_SSL(
                settings.server, settings.port, timeout=settings.timeout, context=context
            )
        else:
            connection = smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout)
        with connection:
            if settings.use_tls:
                connection.starttls(context=context)
            if settings.username:
                connection.login(settings.username, settings.password or "")
            refused = connection.send_message(message)
    except (smtplib.SMTPException, OSError) as error:
        raise MailError(f"{settings.server}:{settings.port}: {error}") from error
    if refused:
        raise MailError(f"{settings.server}:{settings.port} refused {', '.join(refused)}")
