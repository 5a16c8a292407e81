"""Form helpers shared by every feature: bounded ids and dates, select options, domain errors."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import groupby
from operator import attrgetter

import wtforms
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import Field, HiddenField, SelectChoice, SelectField, ValidationError, widgets
from wtforms.fields.choices import Choice
from wtforms.widgets import Select

from crm.common.converters import MAX_DATE, MIN_DATE, date_in_range, parse_id
from crm.common.errors import DomainError


def show_domain_error(form: FlaskForm, error: DomainError) -> None:
    """Put a service's refusal on the field it concerns, or on the form as a whole."""
    # A lazy string claims to be safe HTML (it has __html__), so a message with user text in
    # it would reach the page unescaped; as a plain str it is escaped like any other value.
    # Markup built on purpose (a link to the duplicate, its parts escaped) is kept.
    message = error.message if isinstance(error.message, Markup) else str(error.message)
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and hasattr(field, "errors"):
        # WTForms makes `errors` a tuple until validate() has run on the field.
        field.errors = [*field.errors, message]
    else:
        form.form_errors.append(message)


class VersionedForm(FlaskForm):
    """An edit form that carries the version of the record it was loaded with."""

    version = HiddenField()

    @classmethod
    def editing(cls, record, *, fill: bool = True, **kwargs):
        """The form for changing `record`, carrying the version the page was loaded with.

        With `fill`, fields start from the record's attributes of the same name. The version
        is the record's only on the first view: on a post it is what the page sent, so an edit
        of a record someone changed meanwhile is refused as stale, not saved over theirs.
        """
        form = cls(obj=record if fill else None, **kwargs)
        if not form.is_submitted():
            form.version.data = record.version
        return form


def optional_id(value) -> int | None:
    """Coerce a select of ids: the empty choice is None, anything but a valid id is refused.

    The refusal (ValueError) becomes WTForms' "could not coerce" message on the field.
    """
    if value in (None, "", "None"):
        return None
    number = parse_id(value)
    if number is None:
        raise ValueError(f"not an id: {str(value)[:20]!r}")
    return number


def optional_choice(value) -> str | None:
    """Coerce a select of codes: the empty choice (or no value at all) is None."""
    return None if value in (None, "") else str(value)


def html_params(**kwargs) -> Markup:
    """wtforms.widgets.html_params with the same output, without a Markup.format per attribute
    (Python's string formatter, a third of a filter form's rendering).

    Keys are cleaned (class_ → class, data_/aria_ underscores → hyphens) and escaped, values
    escaped (escape writes a quote as &#34;, so wtforms' extra &quot; replace never applies),
    True is a bare attribute, False none, sorted by key.
    """
    params = []
    for key, value in sorted(kwargs.items()):
        key = escape(widgets.core.clean_key(key))
        if value is True:
            params.append(key)
        elif value is not False:
            params.append(f'{key}="{escape(value)}"')
    return Markup(" ".join(params))  # noqa: S704  # nosec B704 (every key and value escaped)


class FastTextInput(widgets.TextInput):
    """wtforms' TextInput, its attributes through the faster html_params (the same HTML)."""

    html_params = staticmethod(html_params)


class FastCheckboxInput(widgets.CheckboxInput):
    """wtforms' CheckboxInput, its attributes through the faster html_params (the same HTML)."""

    html_params = staticmethod(html_params)


class FastHiddenInput(widgets.HiddenInput):
    """wtforms' HiddenInput, its attributes through the faster html_params (the same HTML)."""

    html_params = staticmethod(html_params)


class FastDateInput(widgets.DateInput):
    """wtforms' DateInput, its attributes through the faster html_params (the same HTML)."""

    html_params = staticmethod(html_params)


class FastSelect(Select):
    """wtforms' Select with the same HTML, built with one format per option.

    A list's filter form renders some seventy options on every request; wtforms builds each
    through `html_params` (a sorted walk over a dict) and that was a tenth of the organisation
    list's time. An option with extra attributes (render_kw) still goes through wtforms.
    """

    def __call__(self, field, **kwargs) -> Markup:
        """The select element; groups and options with attributes are left to wtforms."""
        block = field.choices if isinstance(field.choices, BlockChoices) else None
        if block is None and (self.multiple or field.has_groups()):
            return super().__call__(field, **kwargs)
        if block is not None and (self.multiple or any(c.optgroup for c in block.head)):
            return super().__call__(field, **kwargs)
        if block is not None:
            choices = [_normalized(field, choice) for choice in block.head]
        else:
            choices = list(field._iter_choices_normalized())
        if any(choice.render_kw for choice in choices):
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        flags = field.flags
        for name in self.validation_attrs:
            if name not in kwargs and getattr(flags, name, False):
                kwargs[name] = getattr(flags, name)
        html = [f"<select {html_params(name=field.name, **kwargs)}>"]
        for choice in choices:
            value = str(choice.value) if isinstance(choice.value, bool) else choice.value
            # A lazy label translated once, not once for `or` and again for escape.
            text = choice.label if isinstance(choice.label, str) else str(choice.label)
            label = escape(text or choice.value)
            selected = "selected " if choice.selected else ""
            html.append(f'<option {selected}value="{escape(value)}">{label}</option>')
        if block is not None:
            html.append(block.block.html(block.block.selected(field)))
        html.append("</select>")
        return Markup("".join(html))  # noqa: S704  # nosec B704 (every value and label escaped)


def _normalized(field, choice: SelectChoice) -> Choice:
    """A choice with `selected` worked out as wtforms does (its coerced value is the data)."""
    return Choice(
        choice.value, choice.label, field.coerce(choice.value) == field.data, choice.render_kw
    )


class OptionBlock:
    """Options read from the database, made once per version of the reference data
    (crm.common.reference): their choices and their HTML, the same as FastSelect's (and as
    wtforms' Select's, optgroups included).

    The values are canonical (an id as str(int), a code as itself), so the option a field
    selects is the one whose value is its data's text: no coerce per option, no escaping per
    request. Only for names the same in every language; translated labels stay per request.
    """

    __slots__ = ("_html", "_position", "choices")

    def __init__(self, pairs: Iterable[tuple[object, str]] | Iterable[SelectChoice]) -> None:
        self.choices = tuple(
            item if isinstance(item, SelectChoice) else SelectChoice(str(item[0]), item[1])
            for item in pairs
        )
        html: list[str] = []
        self._position: dict[str, int] = {}
        # Consecutive options of one optgroup in one <optgroup>, as wtforms groups them.
        for group, choices in groupby(self.choices, key=attrgetter("optgroup")):
            if group is not None:
                html.append(f"<optgroup {html_params(label=group)}>")
            for choice in choices:
                self._position.setdefault(choice.value, len(html))
                html.append(
                    f'<option value="{escape(choice.value)}">'
                    f"{escape(choice.label or choice.value)}</option>"
                )
            if group is not None:
                html.append("</optgroup>")
        self._html = tuple(html)

    def selected(self, field) -> int | None:
        """Where the option the field's data selects is, if one does."""
        if field.data is None:
            return None
        text = str(field.data)
        position = self._position.get(text)
        if position is None or field.coerce(text) != field.data:
            return None
        return position

    def html(self, selected: int | None) -> str:
        """The options, one marked selected."""
        if selected is None:
            return "".join(self._html)
        options = list(self._html)
        options[selected] = options[selected].replace("<option ", "<option selected ", 1)
        return "".join(options)


class BlockChoices(list):
    """A select's choices: a few made per request (`head`, e.g. a translated "All"), then an
    OptionBlock. A plain list of the choices to wtforms (validation, export), which FastSelect
    renders from the block's HTML."""

    def __init__(self, head: Iterable[SelectChoice], block: OptionBlock) -> None:
        self.head = tuple(head)
        self.block = block
        super().__init__((*self.head, *block.choices))


# wtforms' own words, translated by its catalogue (field.gettext), not ours: a name, not a
# literal, so that our message extraction leaves it to wtforms.
_WTFORMS_INVALID_CHOICE = "Not a valid choice."


class BlockSelectField(SelectField):
    """A SelectField that checks a value against BlockChoices by the block's index, not by
    coercing every option (a third of the organisation list filter's construction); the
    same check, the same message, as wtforms' otherwise."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.type = "SelectField"  # what templates ask (the field macro's form-select)

    def pre_validate(self, form) -> None:
        choices = self.choices
        if self.process_errors or not self.validate_choice or not isinstance(choices, BlockChoices):
            super().pre_validate(form)
            return
        if any(self.coerce(choice.value) == self.data for choice in choices.head):
            return
        if choices.block.selected(self) is None:
            message = self.invalid_choice_message or self.gettext(_WTFORMS_INVALID_CHOICE)
            raise ValidationError(message)


def select_choices(
    pairs: Iterable[tuple[object, object]] | Mapping,
    *,
    empty: object | None = None,
    optgroup: str | None = None,
) -> list[SelectChoice]:
    """Select options from (value, label) pairs or a label dict, values as the browser sends them.

    `empty` leads with a "nothing chosen" option (value ""); `optgroup` groups the options.
    """
    items = pairs.items() if isinstance(pairs, Mapping) else pairs
    options = [SelectChoice(str(value), label, optgroup=optgroup) for value, label in items]
    return [SelectChoice("", empty), *options] if empty is not None else options


class IdField(HiddenField):
    """A record's id in a hidden input (the type-ahead's half, where a form came from).

    None when empty or not an id the database can hold: the typed name beside it, or the
    service's "choose one" message, takes over, as when nothing was picked.
    """

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = parse_id(valuelist[0]) if valuelist else None


class IdListField(Field):
    """Ids posted as several inputs of one name (hidden inputs or checkboxes); rendered by hand."""

    def process_data(self, value) -> None:
        self.data = [int(v) for v in value or []]

    def process_formdata(self, valuelist: list[str]) -> None:
        ids: list[int] = []
        for raw in valuelist:
            raw = (raw or "").strip()
            if not raw:
                continue
            number = parse_id(raw)
            if number is None:
                self.data = ids
                raise ValueError(_l("This list holds an id that is not a number."))
            ids.append(number)
        self.data = list(dict.fromkeys(ids))


class DateField(wtforms.DateField):
    """A date field that refuses dates outside the years the application handles."""

    widget = FastDateInput()

    def process_formdata(self, valuelist: list[str]) -> None:
        super().process_formdata(valuelist)
        if self.data is not None and not date_in_range(self.data):
            self.data = None
            raise ValueError(
                _l(
                    "Give a date between the years %(first)s and %(last)s.",
                    first=MIN_DATE.year,
                    last=MAX_DATE.year,
                )
            )
