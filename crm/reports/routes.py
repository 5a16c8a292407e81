"""Reports for the head of department: the establishment pipeline and its results."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _

from crm.common.access import read_access
from crm.establishments.labels import LOST_REASON
from crm.exports.downloads import spreadsheet_download
from crm.extensions import db
from crm.reports import bp, queries


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def _days(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def pipeline_table(report: queries.PipelineReport) -> tuple[list[str], list[list]]:
    """The pipeline report as one table: a line per stage, then a line per lost reason."""
    columns = [
        _("Section"),
        _("Name"),
        _("Cases now"),
        _("Reached the stage"),
        _("Of those, established"),
        _("Conversion to established (%)"),
        _("Median days in the stage"),
        _("Stays measured"),
    ]
    rows: list[list] = [
        [
            _("Stage"),
            s.stage.name,
            s.current,
            s.reached,
            s.reached_established,
            _percent(s.conversion),
            _days(s.median_days),
            s.stays,
        ]
        for s in report.stages
    ]
    for reason, count in report.lost_reasons:
        rows.append(
            [_("Lost reason"), LOST_REASON.label(reason) or _("Not given"), count] + [None] * 5
        )
    return columns, rows


def results_table(report: queries.ResultsReport) -> tuple[list[str], list[list]]:
    """The results report as one table: a line per year and place."""
    columns = [
        _("Year"),
        _("Place"),
        _("Prioritised growth area"),
        _("Established cases"),
        _("Actual jobs"),
        _("Area (m²)"),
    ]
    rows = [
        [r.year, r.place or _("Unknown place"), r.growth_area, r.cases, r.jobs, r.area_m2]
        for r in report.rows
    ]
    return columns, rows


@bp.route("/pipeline")
@read_access
def pipeline():
    """Cases per stage now, conversion to established, median days per stage, lost reasons."""
    return render_template("reports/pipeline.html", report=queries.pipeline_report(db.session))


@bp.route("/pipeline.csv", defaults={"fmt": "csv"}, endpoint="pipeline_csv")
@bp.route("/pipeline.xlsx", defaults={"fmt": "xlsx"}, endpoint="pipeline_xlsx")
@read_access
def pipeline_file(fmt: str):
    """The pipeline report as CSV or XLSX."""
    columns, rows = pipeline_table(queries.pipeline_report(db.session))
    return spreadsheet_download(
        fmt, columns, rows, filename="pipeline", sheet_title=_("Stages and outcomes")
    )


@bp.route("/results")
@read_access
def results():
    """Established cases per year and place; the share of new jobs in growth areas."""
    return render_template("reports/results.html", report=queries.results_report(db.session))


@bp.route("/results.csv", defaults={"fmt": "csv"}, endpoint="results_csv")
@bp.route("/results.xlsx", defaults={"fmt": "xlsx"}, endpoint="results_xlsx")
@read_access
def results_file(fmt: str):
    """The results report as CSV or XLSX."""
    columns, rows = results_table(queries.results_report(db.session))
    return spreadsheet_download(fmt, columns, rows, filename="results", sheet_title=_("Results"))
