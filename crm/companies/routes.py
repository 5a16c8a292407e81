"""Organisations: list, page with timeline, create and edit; admin lists of places and sectors."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.common.access import admin_access, edit_access, read_access
from crm.common.converters import parse_datetime
from crm.common.dates import local_today
from crm.common.errors import DomainError
from crm.common.pagination import page_args
from crm.common.saving import saving
from crm.companies import bp, queries, services
from crm.companies.filters import company_filter_form
from crm.companies.forms import (
    CompanyEditForm,
    CompanyForm,
    PlaceEditForm,
    PlaceForm,
    SectorEditForm,
    SectorForm,
)
from crm.companies.labels import STATUS_BADGES, format_orgnr
from crm.companies.models import Place, Sector
from crm.companies.page import company_page
from crm.extensions import db
from crm.lists.memory import ListPanel, bulk_panel, remember_list
from crm.lists.models import ListName
from crm.meetings import queries as meeting_queries
from crm.network import queries as network_queries


@bp.context_processor
def helpers() -> dict:
    """Helpers every page of this feature uses."""
    return {"status_badges": STATUS_BADGES, "format_orgnr": format_orgnr}


LINKS_SHOWN = 20


def _company_or_404(company_id: int):
    company = queries.get_company(db.session, company_id)
    if company is None:
        abort(404)
    return company


@bp.route("/")
@read_access
def index():
    """Organisations: search, filter, sort, page."""
    memory = remember_list(ListName.COMPANIES)
    if not isinstance(memory, ListPanel):
        return memory
    form, filters = company_filter_form(db.session, request.args, user_id=current_user.id)
    page, per_page = page_args()
    pagination, sort = queries.list_companies(
        db.session, filters=filters, sort=request.args.get("sort"), page=page, per_page=per_page
    )
    # What the sort links and pager carry along: the filters as typed and the sort in effect.
    endpoint_args = {
        key: value
        for key in ("q", "kind", "place", "sector", "cluster", "status", "responsible", "per_page")
        if (value := request.args.get(key))
    }
    endpoint_args["sort"] = sort
    return render_template(
        "companies/index.html",
        form=form,
        pagination=pagination,
        sort=sort,
        endpoint_args=endpoint_args,
        filtered=filters != queries.CompanyFilters(),
        list_panel=memory,
        bulk=bulk_panel(ListName.COMPANIES),
    )


@bp.route("/<int:company_id>")
@read_access
def detail(company_id: int):
    """An organisation's facts, clusters, people and timeline."""
    before = parse_datetime(request.args.get("before"))
    page = company_page(db.session, company_id, before=before)
    if page is None:
        abort(404)
    # The page shows the newest links; the network's page for the organisation has all.
    links, link_count = network_queries.newest_company_links(
        db.session, company_id, shown=LINKS_SHOWN
    )
    return render_template(
        "companies/detail.html",
        detail=page.detail,
        company=page.detail.company,
        timeline=page.detail.timeline,
        before=before,
        links=links,
        link_count=link_count,
        establishment_panel=page.panel,
        open_tasks=page.open_tasks,
        today=local_today(),
        register_history=page.history,
        register_chart=queries.employee_chart(page.history),
    )


def _render_form(form, company=None, duplicate=None, status: int = 200):
    parent_name = queries.get_company_name(db.session, form.parent_id.data)
    return render_template(
        "companies/form.html",
        form=form,
        company=company,
        duplicate=duplicate,
        parent_name=parent_name,
    ), status


def _duplicate(error: DomainError) -> dict | None:
    if isinstance(error, services.DuplicateOrgNumberError):
        return {"id": error.company_id, "name": error.company_name}
    return None


def _set_choices(form, responsible_id: int | None = None) -> None:
    form.set_choices(
        queries.list_places(db.session),
        queries.list_sectors(db.session),
        meeting_queries.user_choices(
            db.session, active_only=True, include_ids=[responsible_id] if responsible_id else []
        ),
    )


@bp.route("/new", methods=["GET", "POST"])
@edit_access
def create():
    """Register an organisation."""
    form = CompanyForm()
    _set_choices(form)
    duplicate = None
    if form.validate_on_submit():
        with saving(form) as saved:
            company = services.create_company(db.session, **form.values())
        if saved.ok:
            flash(_("%(name)s is saved.", name=company.name), "success")
            return redirect(url_for("companies.detail", company_id=company.id))
        duplicate = _duplicate(saved.error)
    return _render_form(form, duplicate=duplicate, status=400 if form.errors else 200)


@bp.route("/<int:company_id>/edit", methods=["GET", "POST"])
@edit_access
def edit(company_id: int):
    """Change an organisation; a save over a newer version is refused and the input kept."""
    company = _company_or_404(company_id)
    form = CompanyEditForm.editing(company)
    _set_choices(form, company.responsible_id)
    if not form.is_submitted():
        form.sector_ids.data = [sector.id for sector in company.sectors]
    duplicate = None
    if form.validate_on_submit():
        with saving(form) as saved:
            services.update_company(
                db.session, company=company, version=form.version.data, **form.values()
            )
        if saved.ok:
            flash(_("%(name)s is saved.", name=company.name), "success")
            return redirect(url_for("companies.detail", company_id=company.id))
        duplicate = _duplicate(saved.error)
    return _render_form(
        form, company=company, duplicate=duplicate, status=400 if form.errors else 200
    )


# Places and sectors: reference data for admins.

_REFERENCE = {
    "place": {
        "model": Place,
        "form": PlaceForm,
        "edit_form": PlaceEditForm,
        "flag": "growth_area",
        "list": queries.list_places,
        "create": services.create_place,
        "update": services.update_place,
    },
    "sector": {
        "model": Sector,
        "form": SectorForm,
        "edit_form": SectorEditForm,
        "flag": "prioritised",
        "list": queries.list_sectors,
        "create": services.create_sector,
        "update": services.update_sector,
    },
}


def _reference_index(kind: str):
    spec = _REFERENCE[kind]
    return render_template(f"companies/{kind}s.html", records=spec["list"](db.session), kind=kind)


def _reference_create(kind: str):
    spec = _REFERENCE[kind]
    form = spec["form"]()
    if form.validate_on_submit():
        with saving(form) as saved:
            record = spec["create"](
                db.session,
                name=form.name.data,
                position=form.position.data or 0,
                **{spec["flag"]: form[spec["flag"]].data},
            )
        if saved.ok:
            flash(_("%(name)s is saved.", name=record.name), "success")
            return redirect(url_for(f"companies.{kind}s"))
    return render_template(
        "companies/reference_form.html", form=form, kind=kind, record=None
    ), 400 if form.errors else 200


def _reference_edit(kind: str, record_id: int):
    spec = _REFERENCE[kind]
    record = db.session.get(spec["model"], record_id)
    if record is None:
        abort(404)
    form = spec["edit_form"].editing(record)
    if form.validate_on_submit():
        with saving(form) as saved:
            spec["update"](
                db.session,
                **{kind: record},
                version=form.version.data,
                name=form.name.data,
                position=form.position.data or 0,
                **{spec["flag"]: form[spec["flag"]].data},
            )
        if saved.ok:
            flash(_("%(name)s is saved.", name=record.name), "success")
            return redirect(url_for(f"companies.{kind}s"))
    return render_template(
        "companies/reference_form.html", form=form, kind=kind, record=record
    ), 400 if form.errors else 200


@bp.route("/places")
@admin_access
def places():
    """The places organisations are tagged with."""
    return _reference_index("place")


@bp.route("/places/new", methods=["GET", "POST"])
@admin_access
def create_place():
    """Add a place."""
    return _reference_create("place")


@bp.route("/places/<int:place_id>/edit", methods=["GET", "POST"])
@admin_access
def edit_place(place_id: int):
    """Change a place."""
    return _reference_edit("place", place_id)


@bp.route("/sectors")
@admin_access
def sectors():
    """The sectors organisations are tagged with."""
    return _reference_index("sector")


@bp.route("/sectors/new", methods=["GET", "POST"])
@admin_access
def create_sector():
    """Add a sector."""
    return _reference_create("sector")


@bp.route("/sectors/<int:sector_id>/edit", methods=["GET", "POST"])
@admin_access
def edit_sector(sector_id: int):
    """Change a sector."""
    return _reference_edit("sector", sector_id)
