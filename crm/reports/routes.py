"""Reports for the head of department: each a chart, its table, a period filter and downloads.

Every report page and its downloads build the same sections (crm.reports.tables) from the same
filters (crm.reports.filters), so a file holds exactly the table the page shows beside its chart.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from crm.common.access import Role, read_access
from crm.common.dates import local_today
from crm.exports.downloads import spreadsheet_download
from crm.extensions import db
from crm.reports import bp, queries, tables
from crm.reports.filters import ALL_TIME, Period, ReportFilters, report_filter_form


def _is_admin() -> bool:
    return current_user.role == Role.ADMIN.value


def _strategy_start(today: date) -> Period:
    """From the strategy's first year (or the first recorded indicator) to today."""
    first = queries.first_indicator_year(db.session) or today.year
    return Period(date(min(first, today.year), 1, 1), today)


def _build(name: str, args) -> tuple:
    """The filter form, the filters and the sections of report `name` for the query `args`."""
    today = local_today()
    session = db.session
    if name == "strategy":
        areas = queries.report_focus_areas(session)
        form, filters = report_filter_form(
            args, today=today, focus_areas=[(a.id, f"{a.number} {a.name}") for a in areas]
        )
        report = queries.strategy_report(
            session, period=filters.period, focus_area_id=filters.focus_area_id
        )
        return form, filters, tables.strategy_sections(report)
    if name == "reach":
        form, filters = report_filter_form(args, today=today)
        report = queries.reach_report(session, period=filters.period, advisers=_is_admin())
        return form, filters, tables.reach_sections(report, advisers=_is_admin())
    if name == "clusters":
        form, filters = report_filter_form(args, today=today)
        report = queries.clusters_report(session, period=filters.period)
        return form, filters, tables.clusters_sections(report)
    if name == "pipeline":
        form, filters = report_filter_form(args, today=today, default=ALL_TIME)
        report = queries.pipeline_report(session, period=filters.period)
        return form, filters, tables.pipeline_sections(report)
    if name == "results":
        form, filters = report_filter_form(args, today=today, default=ALL_TIME)
        report = queries.results_report(session, period=filters.period)
        return form, filters, tables.results_sections(report)
    if name == "indicators":
        form, filters = report_filter_form(args, today=today, default=_strategy_start(today))
        years = queries.jobs_by_year(session, period=filters.period)
        external = queries.external_indicators(session, period=filters.period)
        return form, filters, tables.indicators_sections(years, external)
    raise KeyError(name)


TITLES: dict[str, Callable[[], str]] = {
    "strategy": lambda: _("Strategy: what the work serves"),
    "reach": lambda: _("Reach: organisations met"),
    "clusters": lambda: _("Clusters: members and ties"),
    "pipeline": lambda: _("Establishment cases: stages and outcomes"),
    "results": lambda: _("Establishments: jobs and places"),
    "indicators": lambda: _("The strategy's indicators"),
}


def _page(name: str):
    form, filters, sections = _build(name, request.args)
    status = 400 if form.errors else 200
    return (
        render_template(
            "reports/report.html",
            name=name,
            title=TITLES[name](),
            form=form,
            filters=filters,
            sections=sections,
            printed_on=local_today(),
            empty=not any(s.has_figures for s in sections),
        ),
        status,
    )


def _download(name: str, fmt: str):
    _form, filters, sections = _build(name, request.args)
    wanted = request.args.get("table") or sections[0].key
    section = next((s for s in sections if s.key == wanted), None)
    if section is None:
        abort(404)
    return spreadsheet_download(
        fmt,
        section.columns,
        section.file_rows(),
        filename=f"{name}-{section.key}{_file_period(filters)}",
        sheet_title=section.title,
    )


def _file_period(filters: ReportFilters) -> str:
    period = filters.period
    if period is None:
        return ""
    if period.year is not None:
        return f"-{period.year}" + (f"-q{period.quarter}" if period.quarter else "")
    return f"-{period.start.isoformat()}-{period.end.isoformat()}"


@bp.route("/")
@read_access
def index():
    """The reports, each with a sentence on what it answers."""
    return render_template("reports/index.html", titles={k: f() for k, f in TITLES.items()})


def _register(name: str, summary: str) -> None:
    """The report's page and its two downloads: /reports/<name>, <name>.csv, <name>.xlsx."""

    def page():
        return _page(name)

    def download(fmt: str):
        return _download(name, fmt)

    page.__doc__ = summary
    download.__doc__ = f"One table of the report as CSV or XLSX ({name})."
    bp.add_url_rule(f"/{name}", endpoint=name, view_func=read_access(page))
    for fmt in ("csv", "xlsx"):
        bp.add_url_rule(
            f"/{name}.{fmt}",
            endpoint=f"{name}_{fmt}",
            view_func=read_access(download),
            defaults={"fmt": fmt},
        )


_register("strategy", "Meetings, organisations and cases per focus area, strategy, quarter, SDG.")
_register("reach", "Organisations met per sector, place and kind; per adviser for admins only.")
_register("clusters", "Members per year, the triple-helix mix, meetings with members, ties.")
_register("pipeline", "Cases per stage, conversion, median days per stage, lost reasons.")
_register("results", "Established cases per year and place; the share of jobs in growth areas.")
_register("indicators", "New jobs per year and their share in growth areas; external indicators.")
