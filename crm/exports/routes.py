"""Data out: the lists as CSV or XLSX with the list's filters, and the whole database as JSON."""

from __future__ import annotations

from flask import Response, current_app, request
from flask_babel import gettext as _
from flask_login import current_user

from crm.common.access import admin_access, read_access
from crm.common.dates import local_today
from crm.common.models import utcnow
from crm.companies.filters import company_filter_form
from crm.contacts.filters import contact_filter_form
from crm.establishments.filters import case_filter_form
from crm.exports import bp, services
from crm.exports.files import companies_file, contacts_file, send_export
from crm.extensions import db
from crm.meetings.filters import meeting_filter_form


@bp.route("/companies.csv", defaults={"fmt": "csv"})
@bp.route("/companies.xlsx", defaults={"fmt": "xlsx"})
@read_access
def companies(fmt: str):
    """The organisations list with the filters of /companies/, as a file."""
    _form, filters = company_filter_form(db.session, request.args, user_id=current_user.id)
    return companies_file(filters, fmt=fmt, sort=request.args.get("sort"))


@bp.route("/contacts.csv", defaults={"fmt": "csv"})
@bp.route("/contacts.xlsx", defaults={"fmt": "xlsx"})
@read_access
def contacts(fmt: str):
    """The people list with the filters of /contacts/, as a file."""
    _form, filters = contact_filter_form(db.session, request.args)
    return contacts_file(
        filters, fmt=fmt, sort=request.args.get("sort"), described=f"filters {dict(request.args)}"
    )


@bp.route("/meetings.csv", defaults={"fmt": "csv"})
@bp.route("/meetings.xlsx", defaults={"fmt": "xlsx"})
@read_access
def meetings(fmt: str):
    """The meetings list with the filters of /meetings/, as a file."""
    _form, filters = meeting_filter_form(db.session, request.args)
    export = services.export_meetings(db.session, filters=filters)
    return send_export(
        export, fmt=fmt, name="meetings", title=_("Meetings"), list_endpoint="meetings.index"
    )


@bp.route("/establishments.csv", defaults={"fmt": "csv"})
@bp.route("/establishments.xlsx", defaults={"fmt": "xlsx"})
@read_access
def establishments(fmt: str):
    """The establishment cases with the filters of /establishments/, as a file."""
    _form, filters = case_filter_form(db.session, request.args, today=local_today())
    export = services.export_cases(db.session, filters=filters)
    return send_export(
        export,
        fmt=fmt,
        name="establishment-cases",
        title=_("Establishment cases"),
        list_endpoint="establishments.index",
    )


@bp.route("/everything.json")
@admin_access
def everything():
    """Every table (no password hashes, no sessions) as one JSON document, streamed."""
    exported_at = utcnow()
    current_app.logger.info("Full export by user %s at %s", current_user.id, exported_at)
    engine = db.engine
    # The generator needs no request context: only the engine, taken here.
    body = services.stream_everything(engine, exported_at=exported_at)
    response = Response(body, content_type="application/json; charset=utf-8")
    filename = f"koblingsboks-{exported_at.date().isoformat()}.json"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
