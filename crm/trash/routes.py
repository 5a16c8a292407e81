"""Deleting a record to the trash, the trash itself, restoring and deleting for good."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.common.access import admin_access, edit_access
from crm.common.pagination import page_args
from crm.common.saving import saving
from crm.extensions import db
from crm.history.display import record_kind
from crm.trash import bp, queries, services
from crm.trash.forms import MoveToTrashForm, TrashActionForm
from crm.trash.models import TrashItem

# Where each kind of record is shown, and the list to go back to once it is gone.
PAGES = {
    "companies": ("companies.detail", "company_id", "companies.index"),
    "contacts": ("contacts.detail", "contact_id", "contacts.index"),
    "meetings": ("meetings.detail", "meeting_id", "meetings.index"),
    "clusters": ("clusters.detail", "cluster_id", "clusters.index"),
    "establishment_cases": ("establishments.detail", "case_id", "establishments.index"),
}


@bp.route("/delete/<kind>/<int:record_id>", methods=["GET", "POST"])
@edit_access
def move(kind: str, record_id: int):
    """Confirm, then move an organisation, person, meeting, cluster or case to the trash."""
    if kind not in services.TRASHABLE:
        abort(404)
    record = db.session.get(services.TRASHABLE[kind], record_id)
    if record is None:
        abort(404)
    form = MoveToTrashForm.editing(record, fill=False)
    detail, argument, index = PAGES[kind]
    if form.validate_on_submit():
        with saving(form) as saved:
            item = services.move_to_trash(
                db.session,
                table_name=kind,
                record_id=record_id,
                version=form.version.data,
                user_id=current_user.id,
            )
            title = item.title
        if saved.ok:
            flash(_("%(name)s is in the trash.", name=title), "success")
            return redirect(url_for(index))
    snapshot = services.collect(db.session, kind, record_id)
    counts = {record_kind(name): len(rows) for name, rows in snapshot.rows.items() if name != kind}
    status = 400 if form.errors or form.form_errors else 200
    return render_template(
        "trash/move.html",
        form=form,
        kind_label=record_kind(kind),
        title=services.record_title(db.session, kind, snapshot.rows[kind][0]),
        counts=counts,
        blockers=[record_kind(name) for name in sorted(snapshot.blockers)],
        back_url=url_for(detail, **{argument: record_id}),
    ), status


@bp.route("/")
@edit_access
def index():
    """What has been deleted, the latest first; admins restore or delete for good."""
    page, per_page = page_args()
    pagination = queries.trash_page(db.session, page=page, per_page=per_page)
    return render_template(
        "trash/index.html",
        pagination=pagination,
        form=TrashActionForm(),
        record_kind=record_kind,
        args={},
    )


def _item(item_id: int) -> TrashItem:
    item = db.session.get(TrashItem, item_id)
    if item is None:
        abort(404)
    return item


@bp.route("/<int:item_id>/restore", methods=["POST"])
@admin_access
def restore(item_id: int):
    """Put a deleted record back as it was, links included, or say why not."""
    item = _item(item_id)
    if not TrashActionForm().validate_on_submit():
        abort(400)
    kind, record_id, title = item.table_name, item.record_id, item.title
    with saving() as saved:
        services.restore(db.session, item=item)
    if saved.ok:
        flash(_("%(name)s is restored.", name=title), "success")
        detail, argument, _index = PAGES[kind]
        return redirect(url_for(detail, **{argument: record_id}))
    return redirect(url_for("trash.index"))


@bp.route("/<int:item_id>/purge", methods=["POST"])
@admin_access
def purge(item_id: int):
    """Delete a record in the trash for good."""
    item = _item(item_id)
    if not TrashActionForm().validate_on_submit():
        abort(400)
    title = item.title
    with saving() as saved:
        services.purge(db.session, item=item)
    if saved.ok:
        flash(_("%(name)s is deleted for good.", name=title), "success")
    return redirect(url_for("trash.index"))
