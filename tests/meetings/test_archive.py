"""Offentleglova: an exemption ground on a meeting's notes, and archive packages to file."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import UTC, datetime

from defusedxml import ElementTree
from openpyxl import load_workbook

from crm.meetings import archive
from tests.conftest import csrf_token
from tests.factories import make_company, make_contact, make_meeting, make_user

SECRET = "offl_13_fvl_13_1_2"


def _meetings(session):
    author = make_user(session, name="Rådgiver Rønning")
    company = make_company(session, name="Hydrogenfabrikken AS", org_number="923609016")
    person = make_contact(session, name="Per Persen")
    secret = make_meeting(
        session,
        title="Tomtevalg",
        starts_at=datetime(2026, 3, 10, 9, tzinfo=UTC),
        notes="Pris per m² <script>alert(1)</script> **fortrolig**",
        exemption=SECRET,
        companies=[company],
        contacts=[person],
        staff=[author],
        created_by_id=author.id,
    )
    open_meeting = make_meeting(
        session, title="Frokostmøte", starts_at=datetime(2026, 3, 20, 7, tzinfo=UTC)
    )
    make_meeting(session, title="Utenfor", starts_at=datetime(2026, 5, 1, 7, tzinfo=UTC))
    session.commit()
    return secret, open_meeting


def _package(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.data))


def test_a_period_package_holds_document_metadata_and_manifest_per_meeting(client, login, session):
    login(role="reader")
    secret, open_meeting = _meetings(session)
    package = _package(
        client.get("/meetings/archive", query_string={"start": "2026-03-01", "end": "2026-03-31"})
    )
    names = set(package.namelist())
    kinds = ("html", "json", "xml")
    expected = {f"meeting-{m.id}.{ext}" for m in (secret, open_meeting) for ext in kinds}
    assert names == expected | {"manifest.xml"}

    manifest = ElementTree.fromstring(package.read("manifest.xml"))
    for entry in manifest.iter("file"):
        content = package.read(entry.get("name"))
        assert hashlib.sha256(content).hexdigest() == entry.get("sha256")

    metadata = ElementTree.fromstring(package.read(f"meeting-{secret.id}.xml"))
    assert metadata.findtext("tittel") == "Tomtevalg"
    assert metadata.findtext("opprettetAv") == "Rådgiver Rønning"
    assert metadata.findtext("skjerming/skjermingshjemmel").startswith("offl. § 13 jf. fvl. § 13")
    parties = {p.findtext("korrespondansepartNavn") for p in metadata.iter("korrespondansepart")}
    assert parties == {"Hydrogenfabrikken AS", "Per Persen", "Rådgiver Rønning"}
    html = package.read(f"meeting-{secret.id}.html")
    assert metadata.findtext("dokumentbeskrivelse/dokumentobjekt/sjekksum") == (
        hashlib.sha256(html).hexdigest()
    )
    document = html.decode("utf-8")
    assert "Unntatt offentlighet" in document and "forretningshemmeligheter" in document
    assert "<script>" not in document and "<strong>fortrolig</strong>" in document
    assert "ikke kommunens arkiv" in document
    # The open meeting carries no exemption.
    assert (
        ElementTree.fromstring(package.read(f"meeting-{open_meeting.id}.xml")).find("skjerming")
        is None
    )


def test_a_single_meetings_package_and_its_page_show_the_exemption(client, login, session):
    login(role="reader")
    secret, _ = _meetings(session)
    page = client.get(f"/meetings/{secret.id}").get_data(as_text=True)
    assert "Unntatt offentlighet" in page and "forretningshemmeligheter" in page
    package = _package(client.get(f"/meetings/{secret.id}/export"))
    assert "forretningshemmeligheter" in package.read(f"meeting-{secret.id}.json").decode()


def test_the_meetings_export_carries_the_exemption(client, login, session):
    login(role="reader")
    _meetings(session)
    response = client.get("/exports/meetings.xlsx?q=Tomtevalg")
    rows = list(load_workbook(io.BytesIO(response.data)).worksheets[0].iter_rows(values_only=True))
    column = rows[0].index("Unntatt offentlighet")
    assert rows[1][column].startswith("offl. § 13")


def test_bad_and_empty_periods_say_what_is_wrong(client, login, session, monkeypatch):
    login(role="reader")
    _meetings(session)
    backwards = client.get("/meetings/archive?start=2026-03-31&end=2026-03-01")
    assert backwards.status_code == 400
    assert "Siste dag kan ikke være før første dag" in backwards.get_data(as_text=True)
    empty = client.get("/meetings/archive?start=2020-01-01&end=2020-12-31")
    assert empty.status_code == 400
    assert "Ingen møter ble holdt" in empty.get_data(as_text=True)
    monkeypatch.setattr(archive, "MAX_MEETINGS", 1)
    too_many = client.get("/meetings/archive?start=2026-01-01&end=2026-12-31")
    assert too_many.status_code == 400
    assert "mer enn 1 møter" in too_many.get_data(as_text=True)
    assert client.get("/meetings/archive").status_code == 200


def test_the_form_saves_an_exemption_and_refuses_an_unknown_one(client, login, session):
    login(role="editor")
    company = make_company(session)
    meeting = make_meeting(session, title="Før", companies=[company])
    session.commit()
    url = f"/meetings/{meeting.id}/edit"
    form = {
        "csrf_token": csrf_token(client, url),
        "version": meeting.version,
        "day": "2026-03-10",
        "kind": "meeting",
        "title": "Etter",
        "company_ids": str(company.id),
        "exemption": "offl_99",
    }
    refused = client.post(url, data=form)
    assert refused.status_code == 400
    session.refresh(meeting)
    assert meeting.title == "Før"
    saved = client.post(url, data={**form, "exemption": SECRET})
    assert saved.status_code == 302
    session.refresh(meeting)
    assert meeting.exemption == SECRET
