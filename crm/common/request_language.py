"""The language of this request, worked out once: its name, catalogue and formatting locale.

A list page translates a hundred strings, labels a hundred codes and formats a hundred figures
and dates. Asked of Flask-Babel each time, every one of them walked its context (`g`, three
proxy lookups) to find the same locale and catalogue: about a tenth of a list page's CPU.

The memo lives beside Flask-Babel's own per-request state (`g._flask_babel`) and is tied to
the very locale object Flask-Babel holds, so `force_locale` (a mail in the recipient's
language) and `refresh` (a language just changed) are seen at once: a different locale object
means a new memo. Nothing is shared between requests except Flask-Babel's catalogues, which
hold no personal data.
"""

from __future__ import annotations

from functools import cached_property, lru_cache

from babel import Locale
from babel.numbers import get_group_symbol
from babel.support import NullTranslations, Translations

# The app context's variable itself: `has_app_context()` and `g` each walk a proxy, and this is
# asked a few hundred times a page.
from flask.globals import _cv_app
from flask_babel import Babel, Domain, get_locale, get_translations
from wtforms.i18n import messages_path

# The interface language → the locale whose conventions format its numbers and dates.
FORMAT_LOCALES = {"en": "en_GB"}
DEFAULT_LANGUAGE = "nb"
_MEMO = "crm_language"


class RequestLanguage:
    """One locale's name, catalogue and formatting locale."""

    def __init__(self, locale: Locale | None) -> None:
        self.locale = locale
        # None outside an app, e.g. a pure function's unit test.
        self.name = str(locale) if locale else DEFAULT_LANGUAGE
        self.format_name = FORMAT_LOCALES.get(self.name, self.name)
        self.format_locale = parse_locale(self.format_name)
        self.group_symbol = get_group_symbol(self.format_locale)
        # Label tables translated into this language (crm.common.labels), by table name.
        self.label_tables: dict[str, dict[str, str]] = {}
        # Catalogues by message domain (RequestDomain).
        self.catalogues: dict[tuple[str, ...], Translations | NullTranslations] = {}

    @cached_property
    def translations(self) -> Translations | NullTranslations:
        """The current domain's catalogue (for the templates' `_`)."""
        return get_translations()


class RequestDomain(Domain):
    """Flask-Babel's message domain, its catalogue looked up once per request and language.

    Every `gettext` and lazy string (form labels, flash messages) goes through here.
    """

    def get_translations(self) -> Translations | NullTranslations:
        """The catalogue of this domain in the request's language."""
        catalogues = request_language().catalogues
        key = tuple(self.domain)
        catalogue = catalogues.get(key)
        if catalogue is None:
            catalogue = catalogues[key] = super().get_translations()
        return catalogue


class RequestBabel(Babel):
    """Flask-Babel with the default domain as a RequestDomain."""

    @cached_property
    def domain_instance(self) -> RequestDomain:
        """The message domain for the translations."""
        return RequestDomain(domain=self.domain)


@lru_cache(maxsize=8)
def parse_locale(name: str) -> Locale:
    """A Babel locale by name, parsed once per process."""
    return Locale.parse(name)


def request_language() -> RequestLanguage:
    """The language of this request (or app context); outside one, the default language's."""
    context = _cv_app.get(None)
    if context is None:
        return RequestLanguage(None)
    state = context.g.__dict__.get("_flask_babel")
    locale = getattr(state, "babel_locale", None)
    if locale is None:
        # The first ask in this request: Flask-Babel runs the selector and stores the locale.
        locale = get_locale()
        state = context.g.__dict__.get("_flask_babel")
        if state is None:
            return RequestLanguage(locale)
    memo = getattr(state, _MEMO, None)
    if memo is None or memo.locale is not locale:
        memo = RequestLanguage(locale)
        setattr(state, _MEMO, memo)
    return memo


@lru_cache(maxsize=8)
def _wtforms_catalogue(language: str) -> Translations | NullTranslations:
    return Translations.load(messages_path(), [language], domain="wtforms")


class WtformsMessages:
    """wtforms' own messages ("Not a valid choice") in the request's language.

    Flask-WTF reads wtforms' catalogue from disk once per request that builds a form (every
    form's CSRF field asks for its label), unless the request already holds it as
    `wtforms_translations`: the request class holds this instead (see
    crm.common.converters.TextRequest), which reads each language's catalogue once per process.
    """

    def ugettext(self, string: str) -> str:
        """`string` translated."""
        return _wtforms_catalogue(request_language().name).ugettext(string)

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        """The singular or plural, translated."""
        return _wtforms_catalogue(request_language().name).ungettext(singular, plural, n)
