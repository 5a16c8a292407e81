"""The trash's forms: the confirmation of a deletion, and the restore and delete buttons."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField

from crm.common.forms import VersionedForm


class MoveToTrashForm(VersionedForm):
    """Delete a record (to the trash), with the version the page showed."""

    submit = SubmitField(_l("Move to the trash"))


class TrashActionForm(FlaskForm):
    """A button on a trashed record (restore, delete for good): CSRF only."""
