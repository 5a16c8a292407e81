"""The reports' tables: what a page shows and what its CSV and XLSX files hold, from one place.

Each report is a list of sections; a section is a table (columns, a kind per column for the
page's number formats, rows and an optional line "in all") and the bar chart drawn from it. The
page renders the section and a download writes `file_rows()` of the same section, so a file
holds exactly the table beside the chart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from crm.common.charts import BarChart, bar_chart
from crm.companies.labels import COMPANY_KIND
from crm.establishments.labels import LOST_REASON
from crm.indicators.labels import INDICATOR
from crm.indicators.queries import IndicatorPoint
from crm.plans.labels import MEASURE_STATUS
from crm.reports import queries

TEXT, NUMBER, PERCENT, AREA, NOK, YESNO = "text", "number", "percent", "area", "nok", "yesno"


@dataclass
class Section:
    """One table of a report, the chart drawn from it, and what to say when it is empty."""

    key: str
    title: str
    columns: list[str]
    kinds: list[str]
    rows: list[list]
    total: list | None = None
    chart: BarChart | None = None
    chart_title: str = ""
    chart_format: str = NUMBER
    empty: str = ""
    remarks: list[str] = field(default_factory=list)

    @property
    def has_figures(self) -> bool:
        """Whether any number in the table is other than zero (a period with data)."""
        return any(
            isinstance(cell, int | float) and not isinstance(cell, bool) and cell
            for row in self.rows
            for cell in row
        )

    def file_rows(self) -> list[list]:
        """The rows of the CSV/XLSX file: the table's rows and its line in all."""
        return [*self.rows, *([self.total] if self.total else [])]

    @property
    def chart_summary(self) -> str:
        """The chart in one sentence, for screen readers (the table gives every number)."""
        if self.chart is None or not self.chart.bars:
            return ""
        top = max(self.chart.bars, key=lambda bar: bar.value)
        return _(
            "%(count)s bars; the longest is %(label)s. The table below gives every number.",
            count=len(self.chart.bars),
            label=top.label,
        )


def _chart(section: Section, label_column: int, value_column: int, **options) -> Section:
    rows = [(str(row[label_column]), row[value_column]) for row in section.rows]
    section.chart = bar_chart(rows, **options) if any(v for _l, v in rows) else None
    return section


def strategy_sections(report: queries.StrategyReport) -> list[Section]:
    """Per strategy, per focus area and quarter, per SDG."""
    figures = [_("Meetings"), _("Organisations reached"), _("Cases opened"), _("Cases established")]
    statuses = list(MEASURE_STATUS)
    measure_columns = [
        _("Measures: %(status)s", status=MEASURE_STATUS.label(status)) for status in statuses
    ]
    per_strategy = Section(
        "strategies",
        _("Per strategy"),
        [_("Focus area"), _("Strategy"), *figures, *measure_columns, _("Attention")],
        [TEXT, TEXT, NUMBER, NUMBER, NUMBER, NUMBER, *[NUMBER] * len(statuses), TEXT],
        [
            [
                f"{line.focus_area.number} {line.focus_area.name}",
                line.strategy.label,
                line.figures.meetings,
                line.figures.organisations,
                line.figures.cases_opened,
                line.figures.cases_established,
                *[report.measures[line.strategy.id].get(status, 0) for status in statuses],
                _("No attention") if line.figures.none else "",
            ]
            for line in report.lines
        ],
        total=[
            _("In all"),
            _("each meeting, organisation and case once"),
            report.total.meetings,
            report.total.organisations,
            report.total.cases_opened,
            report.total.cases_established,
            *[sum(m.get(status, 0) for m in report.measures.values()) for status in statuses],
            "",
        ],
        chart_title=_("Meetings per strategy"),
        empty=_("The strategy has no focus areas yet."),
    )
    _chart(per_strategy, 1, 2)
    if per_strategy.chart:
        # A strategy with no attention says so beside its (missing) bar, not by colour.
        per_strategy.chart = bar_chart([(row[1], row[2], row[-1]) for row in per_strategy.rows])
    per_strategy.remarks.append(
        _(
            "Measures of %(plan)s, the action plan in force at the end of the period.",
            plan=report.plan_name,
        )
        if report.plan_name
        else _("No action plan is in force at the end of the period: no measures are counted.")
    )
    if report.neglected:
        per_strategy.remarks.append(
            _(
                "No attention in the period: %(strategies)s.",
                strategies=", ".join(line.strategy.label for line in report.neglected),
            )
        )
    per_quarter = Section(
        "quarters",
        _("Meetings per focus area and period"),
        [_("Focus area"), *[b.label for b in report.buckets]],
        [TEXT, *[NUMBER] * len(report.buckets)],
        [
            [f"{area.number} {area.name}", *report.per_bucket[area.id]]
            for area in report.focus_areas
        ],
        total=[_("In all (each meeting once)"), *report.bucket_totals],
        chart_title=_("Meetings per period"),
    )
    per_quarter.chart = (
        bar_chart(list(zip([b.label for b in report.buckets], report.bucket_totals, strict=True)))
        if any(report.bucket_totals)
        else None
    )
    per_sdg = Section(
        "sdgs",
        _("Per sustainable development goal"),
        [_("Sustainable development goal"), *figures],
        [TEXT, NUMBER, NUMBER, NUMBER, NUMBER],
        [
            [
                _("SDG %(number)s", number=sdg),
                a.meetings,
                a.organisations,
                a.cases_opened,
                a.cases_established,
            ]
            for sdg, a in report.sdgs
        ],
        chart_title=_("Meetings per sustainable development goal"),
        empty=_("No focus area names a sustainable development goal."),
    )
    _chart(per_sdg, 0, 1)
    return [per_strategy, per_quarter, per_sdg]


def reach_sections(report: queries.ReachReport, *, advisers: bool) -> list[Section]:
    """Per sector, place and kind; the register's share; per adviser for admins."""
    orgs = _("Organisations reached")
    sections = [
        Section(
            "share",
            _("Share of the municipality's organisations met"),
            [_("Active organisations from the register"), _("Of those, met"), _("Share")],
            [NUMBER, NUMBER, PERCENT],
            [[report.registered, report.registered_met, report.share]],
            empty=_("No organisation has come from the register yet."),
        ),
        Section(
            "sectors",
            _("Per sector"),
            [_("Sector"), orgs],
            [TEXT, NUMBER],
            [[name or _("No sector"), count] for name, count in report.sectors],
            total=[_("In all (an organisation may have several sectors)"), report.reached],
            chart_title=_("Organisations reached per sector"),
        ),
        Section(
            "places",
            _("Per place"),
            [_("Place"), _("Prioritised growth area"), orgs],
            [TEXT, YESNO, NUMBER],
            [[name or _("Unknown place"), growth, count] for name, growth, count in report.places],
            total=[_("In all"), None, report.reached],
            chart_title=_("Organisations reached per place"),
        ),
        Section(
            "kinds",
            _("Per kind of organisation"),
            [_("Kind"), orgs],
            [TEXT, NUMBER],
            [[COMPANY_KIND.label(kind), count] for kind, count in report.kinds],
            total=[_("In all"), report.reached],
            chart_title=_("Organisations reached per kind"),
        ),
    ]
    if report.share is None:
        sections[0].rows = []
    for section in sections[1:]:
        _chart(section, 0, len(section.columns) - 1)
    if advisers:
        advisers_section = Section(
            "advisers",
            _("Meetings per adviser (visible to administrators only)"),
            [_("Adviser"), _("Meetings")],
            [TEXT, NUMBER],
            [[name, count] for name, count in report.advisers],
            chart_title=_("Meetings per adviser"),
        )
        sections.append(_chart(advisers_section, 0, 1))
    return sections


def clusters_sections(report: queries.ClustersReport) -> list[Section]:
    """Members per year, the triple-helix mix, meetings with members, ties across clusters."""
    members = Section(
        "members",
        _("Members at the end of each year"),
        [_("Cluster"), _("Year"), _("Members at the end of the year"), _("New"), _("Departed")],
        [TEXT, TEXT, NUMBER, NUMBER, NUMBER],
        [[r.cluster, str(r.year), r.members, r.new, r.departed] for r in report.years],
        chart_title=_("Members at the end of the period"),
        empty=_("There are no clusters yet."),
    )
    members.chart = (
        bar_chart([(r.cluster, r.members) for r in report.latest])
        if any(r.members for r in report.latest)
        else None
    )
    mix = Section(
        "mix",
        _("Members by kind of organisation (the triple-helix mix)"),
        [_("Cluster"), _("Kind"), _("Members"), _("Share of the cluster's members")],
        [TEXT, TEXT, NUMBER, PERCENT],
        [
            [cluster, COMPANY_KIND.label(kind), count, count / size if size else None]
            for cluster, kind, count, size in report.mix
        ],
        chart_title=_("Members by kind, across clusters"),
        empty=_("No cluster has members at the end of the period."),
    )
    by_kind: dict[str, int] = {}
    for _cluster, kind, count, _size in report.mix:
        by_kind[COMPANY_KIND.label(kind)] = by_kind.get(COMPANY_KIND.label(kind), 0) + count
    mix.chart = bar_chart(list(by_kind.items())) if by_kind else None
    meetings = Section(
        "meetings",
        _("Meetings with members"),
        [_("Cluster"), _("Meetings"), _("Members met")],
        [TEXT, NUMBER, NUMBER],
        [list(row) for row in report.meetings],
        chart_title=_("Meetings with members per cluster"),
        empty=_("There are no clusters yet."),
    )
    _chart(meetings, 0, 1)
    ties = Section(
        "ties",
        _("Ties across clusters (registered links between members)"),
        [_("Cluster"), _("Cluster"), _("Links")],
        [TEXT, TEXT, NUMBER],
        [list(row) for row in report.ties],
        chart_title=_("Links between members of two clusters"),
        empty=_("No registered link joins members of two clusters in the period."),
    )
    ties.chart = bar_chart([(f"{a} – {b}", n) for a, b, n in report.ties]) if report.ties else None
    return [members, mix, meetings, ties]


def indicators_sections(
    years: list[queries.JobsYear], external: dict[str, list[IndicatorPoint]]
) -> list[Section]:
    """New jobs from established cases per year and their share in growth areas, then each
    external indicator the admins record, by year."""
    jobs = Section(
        "jobs",
        _("New jobs from established cases"),
        [
            _("Year"),
            _("Established cases"),
            _("New jobs"),
            _("Of those, in prioritised growth areas"),
            _("Share in growth areas"),
            _("The strategy's goal"),
        ],
        [TEXT, NUMBER, NUMBER, NUMBER, PERCENT, PERCENT],
        [
            [y.year, y.cases, y.jobs, y.growth_area_jobs, y.share, queries.GROWTH_AREA_GOAL]
            for y in years
        ],
        chart_title=_("Share of new jobs in prioritised growth areas, against the goal"),
        chart_format=PERCENT,
    )
    total_jobs = sum(y.jobs for y in years)
    growth = sum(y.growth_area_jobs for y in years)
    jobs.total = [
        _("In all"),
        sum(y.cases for y in years),
        total_jobs,
        growth,
        growth / total_jobs if total_jobs else None,
        queries.GROWTH_AREA_GOAL,
    ]
    if not total_jobs:
        jobs.rows = []
        jobs.total = None
        jobs.empty = _("No case established in the period has jobs.")
    else:
        jobs.chart = bar_chart(
            [(y.year, y.share) for y in years], goal=queries.GROWTH_AREA_GOAL, high=1
        )
    return [jobs, *_external_sections(external)]


def _external_sections(external: dict[str, list[IndicatorPoint]]) -> list[Section]:
    recorded = {code: points for code, points in external.items() if points}
    if not recorded:
        return [
            Section(
                "external",
                _("External indicators"),
                [],
                [],
                [],
                empty=_("No value is recorded for the period (administrators record them)."),
            )
        ]
    sections = []
    for code, points in recorded.items():
        national = any(p.national_value is not None for p in points)
        section = Section(
            f"indicator-{code}",
            INDICATOR.label(code),
            [
                _("Year"),
                _("Value"),
                *([_("National figure")] if national else []),
                _("Source"),
            ],
            [TEXT, NUMBER, *([NUMBER] if national else []), TEXT],
            [
                [
                    str(p.year),
                    p.value,
                    *([p.national_value] if national else []),
                    p.source,
                ]
                for p in points
            ],
            chart_title=INDICATOR.label(code),
        )
        _chart(section, 0, 1)
        sections.append(section)
    return sections


def pipeline_sections(report: queries.PipelineReport) -> list[Section]:
    """Cases per stage (proportional bars) with their totals, and the lost reasons."""
    stages = Section(
        "stages",
        _("Cases per stage now"),
        [
            _("Stage"),
            _("Cases now"),
            _("Reached the stage"),
            _("Of those, established"),
            _("Conversion to established"),
            _("Median days in the stage"),
            _("Stays measured"),
            _("Area (m²)"),
            _("Expected jobs"),
            _("Expected investment (NOK)"),
        ],
        [TEXT, NUMBER, NUMBER, NUMBER, PERCENT, NUMBER, NUMBER, AREA, NUMBER, NOK],
        [
            [
                s.stage.name,
                s.current,
                s.reached,
                s.reached_established,
                s.conversion,
                None if s.median_days is None else round(s.median_days, 1),
                s.stays,
                s.area_m2,
                s.expected_jobs,
                s.investment_nok,
            ]
            for s in report.stages
        ],
        total=[
            _("In all"),
            report.total,
            None,
            None,
            None,
            None,
            None,
            report.total_area,
            report.total_expected_jobs,
            report.total_investment,
        ],
        chart_title=_("Cases per stage now"),
        empty=_("There are no stages yet."),
        remarks=[
            _(
                "Conversion: of the cases that have been in a stage, the share that reached "
                "established. Median days count only finished stays (the case has left the stage)."
            )
        ],
    )
    _chart(stages, 0, 1)
    lost = Section(
        "lost",
        _("Why cases were lost"),
        [_("Reason"), _("Cases")],
        [TEXT, NUMBER],
        [
            [LOST_REASON.label(reason) or _("Not given"), count]
            for reason, count in report.lost_reasons
        ],
        chart_title=_("Lost cases by reason"),
        empty=_("No cases are lost."),
    )
    _chart(lost, 0, 1)
    return [stages, lost]


def results_sections(report: queries.ResultsReport) -> list[Section]:
    """Established cases per year and place with jobs, m² and NOK, and the growth-area share."""
    share = report.growth_area_share
    goal = Section(
        "share",
        _("New jobs in prioritised growth areas"),
        [_("New jobs"), _("Of those, in prioritised growth areas"), _("Share"), _("Goal")],
        [NUMBER, NUMBER, PERCENT, PERCENT],
        [[report.total_jobs, report.growth_area_jobs, share, report.goal]]
        if share is not None
        else [],
        empty=_("No established case has jobs yet."),
    )
    if share is not None:
        goal.chart = bar_chart([(_("Share in growth areas"), share)], goal=report.goal, high=1)
        goal.chart_title = _("Share of new jobs in prioritised growth areas, against the goal")
        goal.chart_format = PERCENT
        goal.remarks.append(_("Goal reached") if report.meets_goal else _("Below the goal"))
    places = Section(
        "places",
        _("Established cases per year and place"),
        [
            _("Year"),
            _("Place"),
            _("Prioritised growth area"),
            _("Established cases"),
            _("Actual jobs"),
            _("Area (m²)"),
            _("Expected investment (NOK)"),
        ],
        [TEXT, TEXT, YESNO, NUMBER, NUMBER, AREA, NOK],
        [
            [
                r.year,
                r.place or _("Unknown place"),
                r.growth_area,
                r.cases,
                r.jobs,
                r.area_m2,
                r.investment_nok,
            ]
            for r in report.rows
        ],
        total=[
            _("In all"),
            None,
            None,
            report.total_cases,
            report.total_jobs,
            report.total_area,
            report.total_investment,
        ]
        if report.rows
        else None,
        chart_title=_("Actual jobs per year and place"),
        empty=_("No case is established yet."),
    )
    places.chart = (
        bar_chart([(f"{r[0]} {r[1]}", r[4]) for r in places.rows]) if report.total_jobs else None
    )
    return [goal, places]
