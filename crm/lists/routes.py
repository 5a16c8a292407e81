"""Saved filters (save, open, share, delete) and the bulk actions' confirmation page."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from crm.auth.models import User
from crm.clusters.models import Cluster
from crm.common.access import edit_access, read_access
from crm.common.errors import DomainError
from crm.common.forms import select_choices
from crm.common.saving import saving
from crm.companies import queries as company_queries
from crm.companies.models import Place, Sector
from crm.companies.queries import CompanyFilters
from crm.contacts.queries import ContactFilters
from crm.exports.files import companies_file, contacts_file
from crm.extensions import db
from crm.lists import bp, bulk, queries, services
from crm.lists.forms import BulkForm, FilterButtonForm, SaveFilterForm
from crm.lists.memory import list_url, open_filter
from crm.lists.models import ListName, SavedFilter
from crm.lists.registry import LISTS
from crm.meetings import queries as meeting_queries

# How many of the chosen rows the confirmation page names.
NAMED_ROWS = 20


def _list_name(name: str) -> ListName:
    try:
        return ListName(name)
    except ValueError:
        abort(404)


def _visible_or_404(filter_id: int) -> SavedFilter:
    saved = queries.get_visible_filter(db.session, filter_id=filter_id, user_id=current_user.id)
    if saved is None:
        abort(404)
    return saved


def _changeable(filter_id: int) -> SavedFilter:
    saved = _visible_or_404(filter_id)
    if saved.owner_id != current_user.id and not current_user.is_admin:
        abort(403)
    if not FilterButtonForm().validate_on_submit():
        abort(400)
    return saved


@bp.route("/<name>/filters", methods=["POST"])
@read_access
def save_filter(name: str):
    """Save the list's current filter under a name (shared with the department if asked)."""
    list_name = _list_name(name)
    form = SaveFilterForm()
    args = services.decode(form.query.data)
    if form.validate_on_submit():
        with saving() as saved:
            services.save_filter(
                db.session,
                user_id=current_user.id,
                list_name=list_name,
                name=form.name.data,
                args=args,
                shared=form.shared.data,
            )
        if saved.ok:
            flash(_("The filter “%(name)s” is saved.", name=form.name.data.strip()), "success")
    else:
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "danger")
    return redirect(list_url(list_name, services.list_args(list_name, args)))


@bp.route("/filters/<int:filter_id>")
@read_access
def open_saved(filter_id: int):
    """Open a saved filter on its list; parts that no longer fit are named and left out."""
    saved = _visible_or_404(filter_id)
    list_name = ListName(saved.list_name)
    what = _("The filter “%(name)s”", name=saved.name)
    return open_filter(list_name, services.decode(saved.query), what=what)


@bp.route("/filters/<int:filter_id>/share", methods=["POST"])
@read_access
def share(filter_id: int):
    """Share a saved filter with the department, or make it private again."""
    saved = _changeable(filter_id)
    with saving():
        services.set_shared(db.session, saved=saved, shared=not saved.shared)
    message = (
        _("“%(name)s” is shared with the department.", name=saved.name)
        if saved.shared
        else _("“%(name)s” is no longer shared.", name=saved.name)
    )
    flash(message, "success")
    return redirect(url_for(LISTS[ListName(saved.list_name)].endpoint))


@bp.route("/filters/<int:filter_id>/delete", methods=["POST"])
@read_access
def delete(filter_id: int):
    """Delete a saved filter."""
    saved = _changeable(filter_id)
    name, endpoint = saved.name, LISTS[ListName(saved.list_name)].endpoint
    with saving():
        services.delete_filter(db.session, saved=saved)
    flash(_("The filter “%(name)s” is deleted.", name=name), "success")
    return redirect(url_for(endpoint))


# Bulk actions -------------------------------------------------------------------------------


def _fill_choices(form: BulkForm, actions: dict[str, bulk.Action]) -> None:
    form.action.choices = [SelectChoice(key, action.label) for key, action in actions.items()]
    form.cluster.choices = select_choices(
        company_queries.cluster_choices(db.session), empty=_("Choose a cluster")
    )
    form.place.choices = select_choices(
        ((p.id, p.name) for p in company_queries.list_places(db.session)), empty=_("Choose a place")
    )
    form.sector.choices = select_choices(
        ((s.id, s.name) for s in company_queries.list_sectors(db.session)),
        empty=_("Choose a sector"),
    )
    form.user.choices = [
        SelectChoice("", _("Choose an adviser")),
        *select_choices(meeting_queries.user_choices(db.session, active_only=True)),
    ]


def _target(form: BulkForm, needs: str | None) -> tuple[object, str] | None:
    """The value the action needs and how the question names it; None when not given."""
    if needs is None:
        return None, ""
    field = form[needs]
    if field.errors or not field.data:
        return None
    if needs == bulk.DUE_DATE:
        return field.data, format_date(field.data, "long")
    if needs == bulk.FORMAT:
        return field.data, {c.value: c.label for c in field.choices}[field.data]
    model = {bulk.CLUSTER: Cluster, bulk.PLACE: Place, bulk.SECTOR: Sector, bulk.USER: User}
    record = db.session.get(model[needs], field.data)
    if record is None:
        return None
    value = record.id if needs == bulk.USER else record
    return value, record.name


def _export(list_name: ListName, ids: list[int], fmt: str):
    if list_name == ListName.COMPANIES:
        return companies_file(CompanyFilters(ids=tuple(ids)), fmt=fmt, sort=None)
    return contacts_file(
        ContactFilters(ids=tuple(ids)), fmt=fmt, sort=None, described="a selection on the list"
    )


@bp.route("/<name>/bulk", methods=["POST"])
@edit_access
def bulk_action(name: str):
    """Ask what the action needs, confirm with the count, then do it whole or not at all."""
    list_name = _list_name(name)
    actions = bulk.ACTIONS.get(list_name)
    if actions is None:
        abort(404)
    back = redirect(url_for(LISTS[list_name].endpoint))
    form = BulkForm()
    _fill_choices(form, actions)
    form.validate()
    ids = form.ids.data or []
    if form.ids.errors or not ids:
        flash(bulk.describe_empty(), "warning")
        return back
    action = actions.get(form.action.data or "")
    if action is None:
        flash(_("Choose what to do with the chosen rows."), "warning")
        return back
    try:
        rows = bulk.load_rows(db.session, list_name, ids)
    except DomainError as error:
        flash(str(error.message), "danger")
        return back
    target = _target(form, action.needs)
    if action.needs and target is None:
        field = form[action.needs]
        if not form.review.data:
            field.errors = []  # first asked: nothing to correct yet
        elif not field.errors:
            field.errors = [_("Choose one.")]
    question = action.question(len(rows), target[1]) if target is not None else None
    if target is not None and form.submit.data and form.confirmed.data == "1":
        if action.run is None:
            return _export(list_name, ids, target[0])
        with saving() as saved:
            bulk.run_action(db.session, action, rows, target[0])
        if saved.ok:
            flash(action.done(len(rows), target[1]), "success")
            return back
    return render_template(
        "lists/bulk.html",
        form=form,
        action=action,
        needs=action.needs,
        rows=rows[:NAMED_ROWS],
        more=max(0, len(rows) - NAMED_ROWS),
        question=question,
        list_name=list_name,
        list_title=LISTS[list_name].title,
        back_url=url_for(LISTS[list_name].endpoint),
        row_name=bulk.row_name,
    ), 200 if question or not form.review.data else 400
