"""The tasks list's filters: the form above the list, read from the query string.

The list page, its export and saved filters (crm.lists) read the same form, so a file
holds exactly what the page shows (see crm.common.filters).
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField

from crm.common.filters import valid_filter_values
from crm.tasks.queries import TaskFilters


class TaskFilterForm(FlaskForm):
    """The task list's one filter (GET, no CSRF)."""

    class Meta:
        csrf = False

    show_done = BooleanField(_l("Show done tasks too"))


def task_filter_form(
    session: Session, args: Mapping[str, str]
) -> tuple[TaskFilterForm, TaskFilters]:
    """The task list's filter form and the filters it asks for."""
    form = TaskFilterForm(formdata=MultiDict(args))
    values = valid_filter_values(form)
    return form, TaskFilters(include_done=bool(values["show_done"]))
