"""Messages from pure modules (no Flask): English templates the catalogue translates later.

A pure module (the register reader, the organisation-number check) says what is wrong as a
`Message`: an English template with %(name)s placeholders, marked with `N_` so that
`make extract-messages` puts it in the catalogue, and its values. `str(message)` is the English
text (logs, tests); `translate(message)` is the text in the user's language, for what is
stored or shown now; `translate_lazily(message)` waits until it is shown. Values that are
messages themselves are translated too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


def N_(template: str) -> str:
    """Mark an English template for the catalogue without translating it."""
    return template


@dataclass(frozen=True, slots=True)
class Message:
    """An English template (a msgid) and the values of its placeholders."""

    template: str
    values: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        if not self.values:
            return self.template
        return self.template % {
            key: str(value) if isinstance(value, Message) else value
            for key, value in self.values.items()
        }


def message(template: str, **values: Any) -> Message:
    """A message from a template marked with N_ and its values."""
    return Message(template, values)


def translate(value: Message | str) -> str:
    """The message in the current language (Flask-Babel's; English outside an app)."""
    from flask_babel import gettext

    if not isinstance(value, Message):
        return str(value)
    values = {
        key: translate(item) if isinstance(item, Message) else item
        for key, item in value.values.items()
    }
    return gettext(value.template, **values) if values else gettext(value.template)


def translate_lazily(value: Message) -> Any:
    """The message as a lazy string, translated when shown (a form error, a DomainError)."""
    from flask_babel import lazy_gettext

    values = {
        key: translate_lazily(item) if isinstance(item, Message) else item
        for key, item in value.values.items()
    }
    return lazy_gettext(value.template, **values)
