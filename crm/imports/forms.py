"""Forms of the import pages: upload, column mapping, decisions on duplicates, revert, merge."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, RadioField, SelectChoice, SelectField, SubmitField

from crm.imports.labels import IMPORT_KIND
from crm.imports.models import ImportKind

# A spreadsheet holds organisations or people; the register and merges have their own pages.
SPREADSHEET_KINDS = (ImportKind.ORGANISATIONS, ImportKind.CONTACTS)
DECISION_CHOICES = [
    SelectChoice("skip", _l("Skip the row")),
    SelectChoice("update", _l("Update the existing record")),
    SelectChoice("create", _l("Create a new record anyway")),
]
ROW_DECISION_CHOICES = [SelectChoice("", _l("As chosen for all")), *DECISION_CHOICES]


class UploadForm(FlaskForm):
    """Step 1: the file and what its rows are."""

    file = FileField(
        _l("CSV or Excel (XLSX) file"),
        validators=[FileRequired(_l("Choose a file."))],
        description=_l(
            "At most 10 MB, 10,000 rows and 200 columns. The first row must hold the column "
            "names. CSV files should be UTF-8."
        ),
    )
    kind = SelectField(
        _l("The rows are"),
        choices=IMPORT_KIND.choices(only=SPREADSHEET_KINDS),
        default="organisations",
    )
    submit = SubmitField(_l("Upload and choose columns"))


class RevertForm(FlaskForm):
    """A button: revert a whole import."""

    submit = SubmitField(_l("Revert this import"))


class CancelForm(FlaskForm):
    """A button: drop an uploaded file."""

    cancel = SubmitField(_l("Cancel and delete the file"))


def mapping_form(
    header: Sequence[str], fields: dict, guesses: Sequence[str], formdata=None
) -> FlaskForm:
    """Step 2: one select per column, preset with the guess from the header."""

    class MappingForm(FlaskForm):
        submit = SubmitField(_l("Preview the import"))

    choices = [SelectChoice("", _l("— not imported —"))]
    choices += [SelectChoice(name, label) for name, label in fields.items()]
    for index, title in enumerate(header):
        label = title or _l("Column %(n)s", n=index + 1)
        setattr(
            MappingForm,
            f"col_{index}",
            SelectField(label, choices=choices, default=guesses[index] if guesses else ""),
        )
    form = MappingForm(formdata=formdata) if formdata is not None else MappingForm()
    form.column_names = [f"col_{i}" for i in range(len(header))]
    return form


def mapping_from(form: FlaskForm) -> list[str]:
    """The chosen field per column."""
    return [getattr(form, name).data or "" for name in form.column_names]


def check_mapping(form: FlaskForm, mapping: list[str]) -> bool:
    """Each field at most once, and a name column; errors go on the columns concerned."""
    ok = True
    seen: dict[str, str] = {}
    for name, chosen in zip(form.column_names, mapping, strict=True):
        if not chosen:
            continue
        if chosen in seen:
            getattr(form, name).errors = [_l("This field is already taken by another column.")]
            ok = False
        seen[chosen] = name
    if "name" not in seen:
        form.form_errors.append(_l("Choose the column that holds the name."))
        ok = False
    return ok


def decision_form(duplicate_rows: Sequence[int], formdata=None) -> FlaskForm:
    """Step 3: what to do with possible duplicates, for all and per row."""

    class DecisionForm(FlaskForm):
        default_decision = SelectField(
            _l("For every possible duplicate"), choices=DECISION_CHOICES, default="skip"
        )
        submit = SubmitField(_l("Import the valid rows"))

    for number in duplicate_rows:
        setattr(
            DecisionForm,
            f"row_{number}",
            SelectField(_l("Row %(n)s", n=number), choices=ROW_DECISION_CHOICES, default=""),
        )
    form = DecisionForm(formdata=formdata) if formdata is not None else DecisionForm()
    form.row_numbers = list(duplicate_rows)
    return form


def decisions_from(form: FlaskForm) -> dict[int, str]:
    """Per-row decisions that differ from "as chosen for all"."""
    chosen = {}
    for number in form.row_numbers:
        value = getattr(form, f"row_{number}").data
        if value:
            chosen[number] = value
    return chosen


def merge_form(fields: Sequence[tuple[str, str, str, str]], formdata=None) -> FlaskForm:
    """The merge page: which record is kept, and per differing field whose value stays.

    `fields` holds (name, label, first value shown, second value shown).
    """

    class MergeForm(FlaskForm):
        keep = RadioField(
            _l("Keep"),
            choices=[
                SelectChoice("first", _l("the first record")),
                SelectChoice("second", _l("the second record")),
            ],
            default="first",
        )
        first_version = HiddenField()
        second_version = HiddenField()
        submit = SubmitField(_l("Merge"))

    for name, label, first, second in fields:
        setattr(
            MergeForm,
            f"field_{name}",
            RadioField(
                label,
                choices=[
                    SelectChoice("first", first or _l("(empty)")),
                    SelectChoice("second", second or _l("(empty)")),
                ],
                default="first",
            ),
        )
    form = MergeForm(formdata=formdata) if formdata is not None else MergeForm()
    form.field_names = [name for name, *_rest in fields]
    return form
