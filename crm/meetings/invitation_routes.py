"""Log a meeting from the calendar: an uploaded invitation answered with the form's prefill."""

from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _

from crm.common.access import edit_access
from crm.extensions import db
from crm.meetings import bp
from crm.meetings.invitation_forms import InvitationForm
from crm.meetings.invitations import InvitationError, prefill_from_upload


@bp.route("/invitation", methods=["POST"])
@edit_access
def invitation():
    """Read an uploaded .ics or .eml and answer the meeting form's prefill as JSON (400 if bad)."""
    form = InvitationForm()
    if not form.validate_on_submit():
        errors = [str(e) for errors in form.errors.values() for e in errors]
        return jsonify(errors=errors or [_("The request could not be understood.")]), 400
    try:
        prefill = prefill_from_upload(db.session, form.file.data, on=form.on.data)
    except InvitationError as error:
        return jsonify(errors=[str(error.message)]), 400
    return jsonify(prefill.as_json())
