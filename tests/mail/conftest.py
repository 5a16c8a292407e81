"""Fixtures: a real SMTP server, and the app configured to send through it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.mailbox import Mailbox, smtp_server

BASE_URL = "https://koblingsboks.lillestrom.kommune.no"


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    """An SMTP server on a free loopback port; the app is not told about it."""
    with smtp_server() as server:
        yield server


@pytest.fixture
def mail_on(app, mailbox, monkeypatch) -> Mailbox:
    """The app sends mail through `mailbox`, with links starting with BASE_URL."""
    for name, value in mailbox.settings(BASE_URL).items():
        monkeypatch.setitem(app.config, name, value)
    return mailbox
