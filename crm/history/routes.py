"""A record's history (the "Historikk" tab) and the admin's change log of the whole app."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user

from crm.common.access import admin_access, read_access
from crm.common.pagination import page_args
from crm.extensions import db
from crm.history import bp, queries
from crm.history.display import present, record_kind
from crm.history.filters import log_filter_form

# The records with a history tab: their page, and the page's argument.
RECORD_PAGES = {
    "companies": ("companies.detail", "company_id"),
    "contacts": ("contacts.detail", "contact_id"),
    "meetings": ("meetings.detail", "meeting_id"),
    "establishment_cases": ("establishments.detail", "case_id"),
}


def _model(kind: str):
    """The mapped class of a table (looked up late: the features import this package)."""
    (model,) = (m.class_ for m in db.Model.registry.mappers if m.local_table.name == kind)
    endpoint, argument = RECORD_PAGES[kind]
    return model, endpoint, argument


@bp.route("/<kind>/<int:record_id>")
@read_access
def record(kind: str, record_id: int):
    """The history of an organisation, person, meeting or case: who changed what, and when.

    Only for a record the reader may see: a deleted one's history is in the admin's log.
    """
    if kind not in RECORD_PAGES:
        abort(404)
    model, endpoint, argument = _model(kind)
    item = db.session.get(model, record_id)
    if item is None:
        abort(404)
    if kind == "contacts":
        from crm.contacts.services import record_access

        # A person's history holds personal data: reading it is logged like the page.
        record_access(
            db.session,
            user_id=current_user.id,
            action="viewed",
            contact_id=record_id,
            detail="history",
        )
        db.session.commit()
        item = db.session.get(model, record_id)
    page, per_page = page_args()
    pagination = queries.record_history(
        db.session,
        kind,
        record_id,
        page=page,
        per_page=per_page,
        hide_restricted=not current_user.is_admin,
    )
    return render_template(
        "history/record.html",
        item=item,
        title=getattr(item, "name", None) or getattr(item, "title", None) or item.company.name,
        kind=kind,
        kind_label=record_kind(kind),
        back_url=(endpoint, {argument: record_id}),
        pagination=pagination,
        views=present(db.session, pagination.items),
        args={"kind": kind, "record_id": record_id},
        record_kind=record_kind,
    )


@bp.route("/")
@admin_access
def index():
    """The change log of the whole app, searchable, newest first (admins)."""
    form, filters = log_filter_form(db.session, request.args)
    page, per_page = page_args()
    pagination = queries.change_log(db.session, filters, page=page, per_page=per_page)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "history/index.html",
        form=form,
        pagination=pagination,
        views=present(db.session, pagination.items),
        args=args,
        record_kind=record_kind,
    )
