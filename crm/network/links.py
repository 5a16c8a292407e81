"""Registered links between organisations, and the link types admins keep (routes on the
network's blueprint; endpoint names stay network.link_new, network.link_types, …)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from crm.common.access import admin_access, edit_access, read_access
from crm.common.converters import parse_id
from crm.common.saving import saving
from crm.companies.models import Company
from crm.extensions import db
from crm.network import bp, forms, queries, services
from crm.network.forms import (
    DeactivateLinkTypeForm,
    DeleteLinkForm,
    EndLinkForm,
    LinkEditForm,
    LinkForm,
    LinkTypeForm,
)
from crm.network.models import CollaborationLink, LinkType


def _get_link(link_id: int) -> CollaborationLink:
    link = queries.get_link(db.session, link_id)
    if link is None:
        abort(404)
    return link


# --- links ------------------------------------------------------------------------------------


def _link_type_choices(form, current: int | None = None) -> None:
    types = queries.list_link_types(db.session)
    form.link_type_id.choices = forms.choices(
        [("", _("Choose…"))] + [(lt.id, lt.name) for lt in types if lt.active or lt.id == current]
    )


@bp.route("/companies/<int:company_id>/links")
@read_access
def company_links(company_id: int):
    """An organisation's registered links."""
    company = db.get_or_404(Company, company_id)
    return render_template(
        "network/company_links.html",
        company=company,
        links=queries.list_company_links(db.session, company_id),
    )


@bp.route("/links/new", methods=["GET", "POST"])
@edit_access
def link_new():
    """Add a link from an organisation (?company_id=N) to another."""
    company_id = parse_id(request.args.get("company_id"))
    if company_id is None:
        abort(404)
    company = db.get_or_404(Company, company_id)
    form = LinkForm()
    _link_type_choices(form)
    if form.validate_on_submit():
        with saving(form) as saved:
            services.create_link(
                db.session,
                company_id=company.id,
                other_id=form.other_id.data,
                other_name=form.other_name.data,
                link_type_id=form.link_type_id.data,
                direction=form.direction.data,
                start_date=form.start_date.data,
                end_date=form.end_date.data,
                evidence=form.evidence.data or "",
                note=form.note.data or "",
            )
        if saved.ok:
            flash(_("The link is saved."), "success")
            return redirect(url_for("network.company_links", company_id=company.id))
    return render_template(
        "network/link_form.html", form=form, company=company
    ), 400 if form.errors else 200


def _seen_from(link: CollaborationLink) -> int:
    requested = parse_id(request.args.get("company_id"))
    return requested if requested in (link.source_id, link.target_id) else link.source_id


def _direction(link: CollaborationLink, seen_from: int) -> str:
    if not link.directed:
        return "none"
    return "outgoing" if link.source_id == seen_from else "incoming"


@bp.route("/links/<int:link_id>/edit", methods=["GET", "POST"])
@edit_access
def link_edit(link_id: int):
    """Change a link's type, direction, period, evidence or note."""
    link = _get_link(link_id)
    seen_from = _seen_from(link)
    form = LinkEditForm.editing(link)
    _link_type_choices(form, current=link.link_type_id)
    if request.method == "GET":
        form.direction.data = _direction(link, seen_from)
    if form.validate_on_submit():
        with saving(form) as saved:
            services.update_link(
                db.session,
                link=link,
                seen_from=seen_from,
                link_type_id=form.link_type_id.data,
                direction=form.direction.data,
                start_date=form.start_date.data,
                end_date=form.end_date.data,
                evidence=form.evidence.data or "",
                note=form.note.data or "",
                version=form.version.data,
            )
        if saved.ok:
            flash(_("The link is saved."), "success")
            return redirect(url_for("network.company_links", company_id=seen_from))
    return render_template(
        "network/link_edit.html", form=form, link=link, seen_from=seen_from
    ), 400 if form.errors else 200


@bp.route("/links/<int:link_id>/end", methods=["GET", "POST"])
@edit_access
def link_end(link_id: int):
    """End a link on a date; it stays as history."""
    link = _get_link(link_id)
    seen_from = _seen_from(link)
    form = EndLinkForm.editing(link, fill=False)
    if form.validate_on_submit():
        with saving(form) as saved:
            services.end_link(
                db.session, link=link, end_date=form.end_date.data, version=form.version.data
            )
        if saved.ok:
            flash(_("The link is ended."), "success")
            return redirect(url_for("network.company_links", company_id=seen_from))
    return render_template(
        "network/link_end.html",
        form=form,
        link=link,
        seen_from=seen_from,
        delete_form=DeleteLinkForm(),
    ), 400 if form.errors else 200


@bp.route("/links/<int:link_id>/delete", methods=["POST"])
@edit_access
def link_delete(link_id: int):
    """Remove a link entered by mistake."""
    link = _get_link(link_id)
    seen_from = _seen_from(link)
    form = DeleteLinkForm()
    if not form.validate_on_submit():
        abort(400)
    services.delete_link(db.session, link=link)
    db.session.commit()
    flash(_("The link is deleted."), "success")
    return redirect(url_for("network.company_links", company_id=seen_from))


# --- link types (admins) ----------------------------------------------------------------------


@bp.route("/link-types")
@admin_access
def link_types():
    """The kinds of link staff can record."""
    return render_template(
        "network/link_types.html",
        link_types=queries.list_link_types(db.session),
        deactivate_form=DeactivateLinkTypeForm(),
    )


@bp.route("/link-types/new", methods=["GET", "POST"])
@admin_access
def link_type_new():
    """Add a link type."""
    form = LinkTypeForm()
    del form.active
    if form.validate_on_submit():
        with saving(form) as saved:
            services.create_link_type(
                db.session, name=form.name.data, position=form.position.data or 0
            )
        if saved.ok:
            flash(_("The link type is saved."), "success")
            return redirect(url_for("network.link_types"))
    return render_template("network/link_type_form.html", form=form, link_type=None), (
        400 if form.errors else 200
    )


@bp.route("/link-types/<int:link_type_id>/edit", methods=["GET", "POST"])
@admin_access
def link_type_edit(link_type_id: int):
    """Rename, reorder or (de)activate a link type."""
    link_type = db.get_or_404(LinkType, link_type_id)
    form = LinkTypeForm.editing(link_type)
    if form.validate_on_submit():
        with saving(form) as saved:
            services.update_link_type(
                db.session,
                link_type=link_type,
                name=form.name.data,
                position=form.position.data or 0,
                active=form.active.data,
                version=form.version.data,
            )
        if saved.ok:
            flash(_("The link type is saved."), "success")
            return redirect(url_for("network.link_types"))
    return render_template("network/link_type_form.html", form=form, link_type=link_type), (
        400 if form.errors else 200
    )


@bp.route("/link-types/<int:link_type_id>/deactivate", methods=["POST"])
@admin_access
def link_type_deactivate(link_type_id: int):
    """Stop offering a link type for new links."""
    link_type = db.get_or_404(LinkType, link_type_id)
    if not DeactivateLinkTypeForm().validate_on_submit():
        abort(400)
    services.deactivate_link_type(db.session, link_type=link_type)
    db.session.commit()
    flash(_("%(name)s is no longer offered for new links.", name=link_type.name), "success")
    return redirect(url_for("network.link_types"))
