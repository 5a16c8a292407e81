"""Lists as files: the export of a filtered list or of rows chosen on it, whole or refused."""

from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.common.dates import local_today
from crm.common.formats import number
from crm.companies.queries import CompanyFilters
from crm.contacts.queries import ContactFilters
from crm.contacts.services import record_access
from crm.exports import services
from crm.exports.downloads import spreadsheet_download
from crm.exports.spreadsheets import XLSX_MAX_ROWS
from crm.extensions import db


def _refusal(export: services.Export, *, fmt: str) -> str | None:
    """Why this export cannot be made whole, if it cannot: never send a part as if it were all."""
    if fmt == "xlsx" and export.total > XLSX_MAX_ROWS:
        return _(
            "An Excel sheet holds at most %(most)s rows and this list has %(total)s. "
            "Download it as CSV, or narrow the filters.",
            most=number(XLSX_MAX_ROWS),
            total=number(export.total),
        )
    return None


def send_export(export: services.Export, *, fmt: str, name: str, title: str, list_endpoint: str):
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


def companies_file(filters: CompanyFilters, *, fmt: str, sort: str | None):
    """The organisations these filters give, as a file (the list's export and a selection's)."""
    export = services.export_companies(db.session, filters=filters, sort=sort)
    return send_export(
        export,
        fmt=fmt,
        name="organisations",
        title=_("Organisations"),
        list_endpoint="companies.index",
    )


def contacts_file(filters: ContactFilters, *, fmt: str, sort: str | None, described: str):
    """The people these filters give, as a file, noted in the access log (`described`: how)."""
    export = services.export_contacts(db.session, filters=filters, sort=sort)
    response = send_export(
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
