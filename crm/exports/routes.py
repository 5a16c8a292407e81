"""Data out: the lists as CSV or XLSX with the list's filters, and the whole database as JSON."""

from __future__ import annotations

from flask import Response, current_app, request
from flask_babel import gettext as _
from flask_login import current_user

from crm.common.access import admin_access, read_access
from crm.common.dates import local_today
from crm.common.models import utcnow
from crm.companies.forms import CompanyFilterForm
from crm.contacts.forms import ContactFilterForm, contact_filters
from crm.contacts.services import record_access
from crm.establishments.forms import case_filter_form
from crm.exports import bp, services
from crm.exports.spreadsheets import write_csv, write_xlsx
from crm.extensions import db
from crm.meetings.forms import meeting_filter_form

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _send(export: services.Export, *, fmt: str, name: str, title: str) -> Response:
    if fmt == "xlsx":
        body = write_xlsx(export.columns, export.rows, sheet_title=title)
    else:
        body = write_csv(export.columns, export.rows)
    filename = f"{name}-{local_today().isoformat()}.{fmt}"
    current_app.logger.info(
        "Export %s by user %s: %d of %d rows, filters %s",
        filename,
        current_user.id,
        len(export.rows),
        export.total,
        dict(request.args),
    )
    response = Response(body, content_type=CONTENT_TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    if export.truncated:
        response.headers["X-Export-Truncated"] = f"{len(export.rows)} of {export.total}"
    return response


@bp.route("/companies.csv", defaults={"fmt": "csv"})
@bp.route("/companies.xlsx", defaults={"fmt": "xlsx"})
@read_access
def companies(fmt: str):
    """The organisations list with the filters of /companies/, as a file."""
    form = CompanyFilterForm(request.args)
    export = services.export_companies(
        db.session, filters=form.filters(), sort=request.args.get("sort")
    )
    return _send(export, fmt=fmt, name="organisations", title=_("Organisations"))


@bp.route("/contacts.csv", defaults={"fmt": "csv"})
@bp.route("/contacts.xlsx", defaults={"fmt": "xlsx"})
@read_access
def contacts(fmt: str):
    """The people list with the filters of /contacts/, as a file."""
    form = ContactFilterForm(request.args)
    export = services.export_contacts(
        db.session, **contact_filters(db.session, form), sort=request.args.get("sort")
    )
    # A list of people is personal data leaving the system: it goes into the access log.
    record_access(
        db.session,
        user_id=current_user.id,
        action="listed_in_export",
        detail=f"{len(export.rows)} people, filters {dict(request.args)}",
    )
    db.session.commit()
    return _send(export, fmt=fmt, name="people", title=_("People"))


@bp.route("/meetings.csv", defaults={"fmt": "csv"})
@bp.route("/meetings.xlsx", defaults={"fmt": "xlsx"})
@read_access
def meetings(fmt: str):
    """The meetings list with the filters of /meetings/, as a file."""
    _form, filters = meeting_filter_form(db.session, request.args)
    export = services.export_meetings(db.session, filters=filters)
    return _send(export, fmt=fmt, name="meetings", title=_("Meetings"))


@bp.route("/establishments.csv", defaults={"fmt": "csv"})
@bp.route("/establishments.xlsx", defaults={"fmt": "xlsx"})
@read_access
def establishments(fmt: str):
    """The establishment cases with the filters of /establishments/, as a file."""
    _form, filters = case_filter_form(db.session, request.args, today=local_today())
    export = services.export_cases(db.session, filters=filters)
    return _send(export, fmt=fmt, name="establishment-cases", title=_("Establishment cases"))


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
