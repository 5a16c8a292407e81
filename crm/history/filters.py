"""The change log's filters: the form above the admin's log, read from the query string."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional

from crm.auth.models import User
from crm.common.filters import valid_filter_values
from crm.common.forms import DateField, optional_id
from crm.history.display import record_kind
from crm.history.queries import LogFilters
from crm.history.tracking import is_tracked


class LogFilterForm(FlaskForm):
    """Who, what, which record, when, and text (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Search"),
        description=_l("A name, a value before or after"),
        validators=[Length(max=200)],
    )
    user = SelectField(_l("Who"), choices=[], coerce=optional_id, validators=[Optional()])
    table = SelectField(_l("Kind of record"), choices=[], validators=[Optional()])
    record = IntegerField(
        _l("Record number"), validators=[Optional(), NumberRange(min=1, max=2_147_483_647)]
    )
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    request = StringField(_l("Request"), validators=[Optional(), Length(max=32)])


def log_filter_form(session: Session, args: Mapping[str, str]) -> tuple[LogFilterForm, LogFilters]:
    """The log's filter form and the filters it asks for."""
    from crm.extensions import db

    form = LogFilterForm(formdata=MultiDict(args))
    users = session.execute(select(User.id, User.name).order_by(User.name)).all()
    form.user.choices = [("", _l("Everyone"))] + [(i, name) for i, name in users]
    kinds = sorted(
        (table.name for table in db.metadata.sorted_tables if is_tracked(table.name)),
        key=record_kind,
    )
    form.table.choices = [("", _l("All kinds"))] + [(name, record_kind(name)) for name in kinds]
    values = valid_filter_values(form)
    return form, LogFilters(
        user_id=values["user"],
        table_name=values["table"] or None,
        record_id=values["record"],
        date_from=values["date_from"],
        date_to=values["date_to"],
        text=(values["q"] or "").strip(),
        request_id=(values["request"] or "").strip(),
    )
