"""Clusters, networks and programmes: list, detail, create, edit, and their memberships."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.clusters import bp, queries, services
from crm.clusters.filters import cluster_filter_form, member_filter_form
from crm.clusters.forms import (
    ClusterForm,
    DeleteMembershipForm,
    EndMembershipForm,
    MembershipEditForm,
    MembershipForm,
)
from crm.clusters.models import Cluster, Membership
from crm.common.access import edit_access, read_access
from crm.common.pagination import page_args
from crm.common.saving import saving
from crm.common.urls import safe_link
from crm.extensions import db


def _chosen_id(hidden, visible) -> int | None:
    """The type-ahead's hidden id, dropped when the visible field was emptied (no facilitator)."""
    return hidden.data if (visible.data or "").strip() else None


def _get_cluster(cluster_id: int) -> Cluster:
    cluster = queries.get_cluster(db.session, cluster_id)
    if cluster is None:
        abort(404)
    return cluster


def _get_membership(cluster_id: int, membership_id: int) -> Membership:
    membership = queries.get_membership(db.session, cluster_id, membership_id)
    if membership is None:
        abort(404)
    return membership


@bp.route("/")
@read_access
def index():
    """All clusters with their number of current members, filtered by kind."""
    form, filters = cluster_filter_form(request.args)
    rows = queries.list_clusters(db.session, filters=filters)
    return render_template(
        "clusters/index.html",
        rows=rows,
        form=form,
        can_edit=current_user.can_edit,
    )


@bp.route("/<int:cluster_id>")
@read_access
def detail(cluster_id: int):
    """A cluster's facts, its members (filtered) and the triple-helix check."""
    cluster = _get_cluster(cluster_id)
    form, filters = member_filter_form(request.args)
    page, per_page = page_args()
    members = queries.cluster_members(
        db.session, cluster.id, filters=filters, page=page, per_page=per_page
    )
    counts = queries.member_counts_by_kind(db.session, cluster.id)
    chosen = {"status": filters.status, "role": filters.role, "kind": filters.kind}
    # The members' network takes the district's graph version to work out: it loads after
    # the page (network.cluster_summary), as an organisation's strongest ties do.
    return render_template(
        "clusters/detail.html",
        cluster=cluster,
        website=safe_link(cluster.website),
        form=form,
        members=members,
        endpoint_args={"cluster_id": cluster.id, **{k: v for k, v in chosen.items() if v}},
        counts=counts,
        helix=queries.helix_check(counts),
        helix_min_members=queries.HELIX_MIN_MEMBERS,
        helix_min_kinds=queries.HELIX_MIN_KINDS,
        can_edit=current_user.can_edit,
    )


def _facts(form) -> dict:
    """A cluster's facts as the create and edit forms post them."""
    return {
        "name": form.name.data,
        "kind": form.kind.data,
        "programme_level": form.programme_level.data,
        "focus": form.focus.data or "",
        "description": form.description.data or "",
        "website": form.website.data,
        "facilitator_id": _chosen_id(form.facilitator_id, form.facilitator_name),
        "facilitator_text": form.facilitator_name.data or "",
    }


@bp.route("/new", methods=["GET", "POST"])
@edit_access
def create():
    """Create a cluster, network or programme."""
    form = ClusterForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            cluster = services.create_cluster(db.session, **_facts(form))
        if saved.ok:
            flash(_("%(name)s is saved.", name=cluster.name), "success")
            return redirect(url_for("clusters.detail", cluster_id=cluster.id))
    return render_template("clusters/form.html", form=form, cluster=None), (
        400 if form.errors or form.form_errors else 200
    )


@bp.route("/<int:cluster_id>/edit", methods=["GET", "POST"])
@edit_access
def edit(cluster_id: int):
    """Change a cluster's facts; a save over a newer version is refused and the input kept."""
    cluster = _get_cluster(cluster_id)
    if request.method == "GET":
        form = ClusterForm(obj=cluster)
        form.facilitator_name.data = cluster.facilitator.name if cluster.facilitator else ""
    else:
        form = ClusterForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            services.update_cluster(
                db.session, cluster=cluster, version=form.version.data, **_facts(form)
            )
        if saved.ok:
            flash(_("%(name)s is saved.", name=cluster.name), "success")
            return redirect(url_for("clusters.detail", cluster_id=cluster.id))
    return render_template("clusters/form.html", form=form, cluster=cluster), (
        400 if form.errors or form.form_errors else 200
    )


@bp.route("/<int:cluster_id>/members/new", methods=["GET", "POST"])
@edit_access
def add_member(cluster_id: int):
    """Add an organisation to a cluster."""
    cluster = _get_cluster(cluster_id)
    form = MembershipForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            membership = services.add_membership(
                db.session,
                cluster=cluster,
                company_id=form.company_id.data,
                company_text=form.company_name.data or "",
                role=form.role.data,
                joined_on=form.joined_on.data,
                left_on=form.left_on.data,
                note=form.note.data or "",
            )
        if saved.ok:
            flash(_("%(name)s was added as a member.", name=membership.company.name), "success")
            return redirect(url_for("clusters.detail", cluster_id=cluster.id))
    return render_template("clusters/member_form.html", form=form, cluster=cluster), (
        400 if form.errors or form.form_errors else 200
    )


def _render_member_edit(membership: Membership, form, end_form, status: int = 200):
    return render_template(
        "clusters/member_edit.html",
        membership=membership,
        cluster=membership.cluster,
        form=form,
        end_form=end_form,
        delete_form=DeleteMembershipForm(prefix="delete"),
    ), status


@bp.route("/<int:cluster_id>/members/<int:membership_id>/edit", methods=["GET", "POST"])
@edit_access
def edit_member(cluster_id: int, membership_id: int):
    """Change a membership's role, dates or note."""
    membership = _get_membership(cluster_id, membership_id)
    form = MembershipEditForm(obj=membership) if request.method == "GET" else MembershipEditForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            services.update_membership(
                db.session,
                membership=membership,
                version=form.version.data,
                role=form.role.data,
                joined_on=form.joined_on.data,
                left_on=form.left_on.data,
                note=form.note.data or "",
            )
        if saved.ok:
            flash(
                _("The membership of %(name)s is saved.", name=membership.company.name), "success"
            )
            return redirect(url_for("clusters.detail", cluster_id=cluster_id))
    status = 400 if form.errors or form.form_errors else 200
    return _render_member_edit(membership, form, EndMembershipForm(prefix="end"), status)


@bp.route("/<int:cluster_id>/members/<int:membership_id>/end", methods=["POST"])
@edit_access
def end_member(cluster_id: int, membership_id: int):
    """End a membership on a date; it stays in the history."""
    membership = _get_membership(cluster_id, membership_id)
    end_form = EndMembershipForm(prefix="end")
    if end_form.validate_on_submit():
        with saving(end_form) as saved:
            services.end_membership(
                db.session, membership=membership, left_on=end_form.left_on.data
            )
        if saved.ok:
            flash(
                _("The membership of %(name)s was ended.", name=membership.company.name), "success"
            )
            return redirect(url_for("clusters.detail", cluster_id=cluster_id))
    form = MembershipEditForm(formdata=None, obj=membership)
    return _render_member_edit(membership, form, end_form, 400)


@bp.route("/<int:cluster_id>/members/<int:membership_id>/delete", methods=["POST"])
@edit_access
def delete_member(cluster_id: int, membership_id: int):
    """Remove a membership entered by mistake."""
    membership = _get_membership(cluster_id, membership_id)
    if not DeleteMembershipForm(prefix="delete").validate_on_submit():
        abort(400)
    name = membership.company.name
    with saving() as saved:
        services.delete_membership(db.session, membership=membership)
    if saved.ok:
        flash(_("The membership of %(name)s was deleted.", name=name), "success")
    return redirect(url_for("clusters.detail", cluster_id=cluster_id))
