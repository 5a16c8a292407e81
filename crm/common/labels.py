"""The one registry of labels for coded values (kinds, roles, statuses …).

Each feature declares its tables in its own `labels.py`; forms, templates, exports and scripts
read them from here, so a coded value has one label in the whole app. Labels are lazy strings,
translated when shown (never when a module is imported, which would freeze one language).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from enum import StrEnum

from flask import has_app_context
from flask_babel import LazyString
from wtforms import SelectChoice

from crm.common.request_language import request_language

_TABLES: dict[str, LabelTable] = {}


class LabelTable(Mapping[str, str]):
    """The labels of one set of coded values, in the order forms offer them.

    As a mapping it gives the labels translated into the language of the request.
    """

    def __init__(
        self,
        name: str,
        labels: Mapping[str, LazyString | str],
        *,
        enum: type[StrEnum] | None = None,
        columns: tuple[str, ...] = (),
        translated: bool = True,
    ) -> None:
        if enum is not None and set(labels) != {member.value for member in enum}:
            raise ValueError(f"labels {name!r} do not cover exactly the members of {enum}")
        self.name = name
        self.enum = enum
        # The database columns ("table.column") that store these values.
        self.columns = columns
        # False for codes that read the same in every language (SN2007).
        self.translated = translated
        self.lazy: dict[str, LazyString | str] = {str(k): v for k, v in labels.items()}

    def __getitem__(self, value: str) -> str:
        return self._strings()[value]

    def __contains__(self, value: object) -> bool:
        return value in self.lazy

    def __iter__(self) -> Iterator[str]:
        return iter(self.lazy)

    def __len__(self) -> int:
        return len(self.lazy)

    def label(self, value: str | None) -> str:
        """The label of `value`; an unknown code is shown as it is stored, None as nothing."""
        if value is None:
            return ""
        return self._strings().get(value, value)

    def choices(
        self, *, empty: LazyString | str | None = None, only: Iterable[str] | None = None
    ) -> list[SelectChoice]:
        """Options for a select field (all, or `only` some), led by an `empty` one if given."""
        wanted = set(self.lazy) if only is None else {str(value) for value in only}
        options = [
            SelectChoice(value, label) for value, label in self.lazy.items() if value in wanted
        ]
        return [SelectChoice("", empty), *options] if empty is not None else options

    def choices_now(self, *, empty: LazyString | str | None = None) -> list[SelectChoice]:
        """choices(), labelled in the request's language now: for a form made per request
        (a list's filter), where each lazy label would be translated again on every render
        (some 10 µs each, twice per option)."""
        strings = self._strings()
        options = [SelectChoice(value, strings[value]) for value in self.lazy]
        return [SelectChoice("", str(empty)), *options] if empty is not None else options

    def _strings(self) -> dict[str, str]:
        if not has_app_context():
            # At import time there is no language yet: whatever was translated would stay.
            raise RuntimeError(f"labels {self.name!r} read outside an app context")
        # A lazy string is translated again each time it is shown and a timeline shows
        # hundreds: translate the table once per request (or app context) and language.
        cache = request_language().label_tables
        strings = cache.get(self.name)
        if strings is None:
            strings = cache[self.name] = {value: str(label) for value, label in self.lazy.items()}
        return strings


def label_table(name: str, labels: Mapping[str, LazyString | str], **options) -> LabelTable:
    """Declare and register the labels of one set of coded values; the name must be new.

    `options` are LabelTable's: the enum they label, the columns that store them, and
    whether they are translated.
    """
    if name in _TABLES:
        raise ValueError(f"labels {name!r} are declared twice")
    table = LabelTable(name, labels, **options)
    _TABLES[name] = table
    return table


def tables() -> Mapping[str, LabelTable]:
    """Every registered table by name."""
    return _TABLES


def labels(name: str) -> LabelTable:
    """The table called `name` (a template global: `labels("import_status").items()`)."""
    return _TABLES[name]


def label(value: str | None, name: str) -> str:
    """The label of a stored code (the template filter: `company.kind | label("company_kind")`)."""
    return _TABLES[name].label(value)
