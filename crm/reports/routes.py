"""Reports for the head of department: the establishment pipeline and its results."""

from __future__ import annotations

from flask import Response, render_template
from flask_babel import gettext as _

from crm.common.access import read_access
from crm.establishments.labels import LOST_REASON
from crm.exports.spreadsheets import write_csv, write_xlsx
from crm.extensions import db
from crm.reports import bp, queries

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


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


@bp.route("/pipeline.csv")
@read_access
def pipeline_csv():
    """The pipeline report as CSV."""
    columns, rows = pipeline_table(queries.pipeline_report(db.session))
    return _download(write_csv(columns, rows), CSV, "pipeline.csv")


@bp.route("/pipeline.xlsx")
@read_access
def pipeline_xlsx():
    """The pipeline report as XLSX."""
    columns, rows = pipeline_table(queries.pipeline_report(db.session))
    body = write_xlsx(columns, rows, sheet_title=_("Pipeline"))
    return _download(body, XLSX, "pipeline.xlsx")


@bp.route("/results")
@read_access
def results():
    """Established cases per year and place; the share of new jobs in growth areas."""
    return render_template("reports/results.html", report=queries.results_report(db.session))


@bp.route("/results.csv")
@read_access
def results_csv():
    """The results report as CSV."""
    columns, rows = results_table(queries.results_report(db.session))
    return _download(write_csv(columns, rows), CSV, "results.csv")


@bp.route("/results.xlsx")
@read_access
def results_xlsx():
    """The results report as XLSX."""
    columns, rows = results_table(queries.results_report(db.session))
    body = write_xlsx(columns, rows, sheet_title=_("Results"))
    return _download(body, XLSX, "results.xlsx")
