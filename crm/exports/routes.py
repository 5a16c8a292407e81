"""Data out: the lists as CSV or XLSX with the list's filters, and the whole database as JSON."""

from __future__ import annotations

from flask import Response, current_app, flash, redirect, request, url_for
from flask_babel import format_number
from flask_babel import gettext as _
from flask_login import current_user

from crm.common.access import admin_access, read_access
from crm.common.dates import local_today
from crm.common.models import utcnow
from crm.companies.forms import company_filter_form
from crm.companies.queries import CompanyFilters
from crm.contacts.forms import contact_filter_form
from crm.contacts.queries import ContactFilters
from crm.contacts.services import record_access
from crm.establishments.forms import case_filter_form
from crm.exports import bp, services
from crm.exports.downloads import spreadsheet_download
from crm.exports.spreadsheets import XLSX_MAX_ROWS
from crm.extensions import db
from crm.meetings.forms import meeting_filter_form


def _refusal(export: services.Export, *, fmt: str) -> str | None:
    """Why this export cannot be made whole, if it cannot: never send a part as if it were all."""
    if fmt == "xlsx" and export.total > XLSX_MAX_ROWS:
        return _(
            "An Excel sheet holds at most %(most)s rows and this list has %(total)s. "
            "Download it as CSV, or narrow the filters.",
            most=format_number(XLSX_MAX_ROWS),
            total=format_number(export.total),
        )
    return None


def _send(export: services.Export, *, fmt: str, name: str, title: str, list_endpoint: str):
    """The export as a file; or, when it cannot be whole, back to the list with the reason."""
    refusal = _refusal(export, fmt=fmt)
    if refusal:
        flash(refusal, "warning")
        return redirect(url_for(list_endpoint, **request.args))
    filename = f"{name}-{local_today().isoformat()}"
    current_app.logger.info(
        "Export %s.%s by user %s: %d rows, filters %s",
        filename,
        fmt,
        current_user.id,
        export.total,
        dict(request.args),
    )
    rows = export.rows(db.engine)
    return spreadsheet_download(fmt, export.columns, rows, filename=filename, sheet_title=title)


@bp.route("/companies.csv", defaults={"fmt": "csv"})
@bp.route("/companies.xlsx", defaults={"fmt": "xlsx"})
@read_access
def companies(fmt: str):
    """The organisations list with the filters of /companies/, as a file."""
    _form, filters = company_filter_form(db.session, request.args, user_id=current_user.id)
    return companies_file(filters, fmt=fmt, sort=request.args.get("sort"))


def companies_file(filters: CompanyFilters, *, fmt: str, sort: str | None):
    """The organisations these filters give, as a file (the list's export and a selection's)."""
    export = services.export_companies(db.session, filters=filters, sort=sort)
    return _send(
        export,
        fmt=fmt,
        name="organisations",
        title=_("Organisations"),
        list_endpoint="companies.index",
    )


@bp.route("/contacts.csv", defaults={"fmt": "csv"})
@bp.route("/contacts.xlsx", defaults={"fmt": "xlsx"})
@read_access
def contacts(fmt: str):
    """The people list with the filters of /contacts/, as a file."""
    _form, filters = contact_filter_form(db.session, request.args)
    return contacts_file(
        filters, fmt=fmt, sort=request.args.get("sort"), described=f"filters {dict(request.args)}"
    )


def contacts_file(filters: ContactFilters, *, fmt: str, sort: str | None, described: str):
    """The people these filters give, as a file, noted in the access log (`described`: how)."""
    export = services.export_contacts(db.session, filters=filters, sort=sort)
    response = _send(
        export, fmt=fmt, name="people", title=_("People"), list_endpoint="contacts.index"
    )
    if response.status_code == 200:
        # A list of people is personal data leaving the system: it goes into the access log.
        record_access(
            db.session,
            user_id=current_user.id,
            action="listed_in_export",
            detail=f"{export.total} people, {described}",
        )
        db.session.commit()
    return response


@bp.route("/meetings.csv", defaults={"fmt": "csv"})
@bp.route("/meetings.xlsx", defaults={"fmt": "xlsx"})
@read_access
def meetings(fmt: str):
    """The meetings list with the filters of /meetings/, as a file."""
    _form, filters = meeting_filter_form(db.session, request.args)
    export = services.export_meetings(db.session, filters=filters)
    return _send(
        export, fmt=fmt, name="meetings", title=_("Meetings"), list_endpoint="meetings.index"
    )


@bp.route("/establishments.csv", defaults={"fmt": "csv"})
@bp.route("/establishments.xlsx", defaults={"fmt": "xlsx"})
@read_access
def establishments(fmt: str):
    """The establishment cases with the filters of /establishments/, as a file."""
    _form, filters = case_filter_form(db.session, request.args, today=local_today())
    export = services.export_cases(db.session, filters=filters)
    return _send(
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
