"""The import pages: spreadsheet steps, bad files, runs and revert, duplicates and merge."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from crm.companies.models import Company
from crm.imports import sheets, uploads
from crm.imports.brreg import import_register_file
from crm.imports.models import ImportRun, ImportUpload
from tests.conftest import csrf_token
from tests.factories import make_company, make_meeting, make_user
from tests.imports.brreg_fixtures import (
    make_orgnr,
    tricky_units,
    with_wrong_check_digit,
    write_fixture,
)


def _stored(session) -> list[ImportUpload]:
    session.expire_all()
    return list(session.scalars(select(ImportUpload)))


def _upload(client, data: bytes, filename: str, kind: str = "organisations"):
    token = csrf_token(client, "/imports/spreadsheet")
    return client.post(
        "/imports/spreadsheet",
        data={"csrf_token": token, "kind": kind, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def _post(client, path: str, data: dict):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, path)})


def test_spreadsheet_upload_columns_preview_and_run(client, login, session):
    login(role="editor")
    known = make_company(session, name="Kjeller Innovasjon AS", org_number=make_orgnr(1))
    session.commit()
    csv_text = (
        "Navn;Org.nr;Poststed\n"
        "Ny Bedrift AS;;Fetsund\n"
        f"Kjeller Innovasjon AS;{make_orgnr(1)};Kjeller\n"
        f"Feil AS;{with_wrong_check_digit(make_orgnr(2))};\n"
    )
    response = _upload(client, csv_text.encode("utf-8"), "liste.csv")
    assert response.status_code == 302
    columns_url = response.headers["Location"]
    token = re.search(r"/spreadsheet/([^/]+)/columns", columns_url).group(1)
    assert [upload.token for upload in _stored(session)] == [token]

    page = client.get(columns_url).get_data(as_text=True)
    assert 'selected value="org_number"' in page  # guessed from "Org.nr"
    response = _post(
        client, columns_url, {"col_0": "name", "col_1": "org_number", "col_2": "post_town"}
    )
    assert response.status_code == 302
    preview_url = response.headers["Location"]

    page = client.get(preview_url).get_data(as_text=True)
    assert "Kjeller Innovasjon AS" in page and f"/companies/{known.id}" in page
    assert "Ny Bedrift AS" in page and ">4</th>" in page  # the bad row, by its number
    assert session.scalar(select(func.count()).select_from(Company)) == 1  # nothing saved yet

    response = _post(client, preview_url, {"default_decision": "skip"})
    assert (
        response.status_code == 302
        and "/imports/spreadsheet/result/" in response.headers["Location"]
    )
    result = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Rad 4:" in result
    session.expire_all()
    assert {c.name for c in session.scalars(select(Company))} == {
        "Kjeller Innovasjon AS",
        "Ny Bedrift AS",
    }
    assert session.get(Company, known.id).post_town == "Kjeller"
    (stored,) = _stored(session)  # kept for a day without its rows, so a late click finds the run
    assert (stored.state, stored.rows) == ("imported", None)


def test_mapping_without_a_name_column_is_refused_beside_the_form(client, login, session):
    login(role="editor")
    response = _upload(client, b"a,b\n1,2\n", "x.csv")
    url = response.headers["Location"]
    response = _post(client, url, {"col_0": "website", "col_1": "website"})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def _xlsx_bomb() -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<a>" + b" " * (60 * 1024 * 1024))
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data,filename",
    [
        (_xlsx_bomb(), "bomb.xlsx"),
        (b"%PDF-1.4 hello", "file.csv"),
        (b"", "empty.csv"),
    ],
    ids=["zip-bomb", "pdf", "empty"],
)
def test_bad_uploads_are_refused_on_the_form_with_400_and_nothing_kept(
    client, login, session, data, filename
):
    login(role="editor")
    response = _upload(client, data, filename)
    assert response.status_code == 400
    assert 'id="file-error"' in response.get_data(as_text=True)
    assert _stored(session) == []


def test_a_file_over_the_upload_limit_gets_the_friendly_413_page(client, login, session):
    login(role="editor")
    # A raw body: the limit is checked on the declared length, before anything is parsed.
    response = client.post(
        "/imports/spreadsheet",
        data=b"x" * (10 * 1024 * 1024 + 1),
        content_type="multipart/form-data; boundary=x",
    )
    assert response.status_code == 413
    assert "<h1" in response.get_data(as_text=True)


def test_xlsx_upload_is_read(client, login, session):
    login(role="editor")
    book = Workbook()
    book.active.append(["Name", "Email"])
    book.active.append(["Kari Nordmann", "kari@example.no"])
    buffer = io.BytesIO()
    book.save(buffer)
    response = _upload(client, buffer.getvalue(), "folk.xlsx", kind="contacts")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Kari Nordmann" in page


def test_someone_elses_upload_is_not_found(client, login, session):
    other = make_user(session)
    login(role="editor")
    token = uploads.store_upload(
        session,
        table=sheets.read_table(b"navn\nA\n"),
        filename="a.csv",
        kind="contacts",
        user_id=other.id,
    ).token
    session.commit()
    assert client.get(f"/imports/spreadsheet/{token}/columns").status_code == 404
    assert client.get("/imports/spreadsheet/..%2F..%2Fetc/columns").status_code == 404


def test_admin_sees_runs_and_reverts_one(client, login, session, tmp_path):
    login(role="admin")
    path = write_fixture(tmp_path / "enheter.csv.gz", tricky_units(), fmt="csv", gz=True)
    run = import_register_file(session, path, kommuner={"3205"}, user_id=None)
    session.commit()
    listing = client.get("/imports/").get_data(as_text=True)
    assert "enheter.csv.gz" in listing
    detail = client.get(f"/imports/{run.id}").get_data(as_text=True)
    assert "Rad " in detail and "Kontrollsifferet" in detail

    response = _post(client, f"/imports/{run.id}/revert", {})
    assert response.status_code == 302
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Company)) == 0
    assert session.get(ImportRun, run.id).status == "reverted"


def test_revert_refused_is_shown_and_changes_nothing(client, login, session, tmp_path):
    login(role="admin")
    path = write_fixture(tmp_path / "enheter.csv.gz", tricky_units(), fmt="csv", gz=True)
    run = import_register_file(session, path, kommuner={"3205"}, user_id=None)
    session.commit()
    company = session.scalars(select(Company).where(Company.org_number == make_orgnr(1))).one()
    make_meeting(session, companies=[company])
    session.commit()
    response = _post(client, f"/imports/{run.id}/revert", {})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "alert-danger" in page
    session.expire_all()
    assert session.get(ImportRun, run.id).status == "finished"


def test_editors_cannot_see_the_runs(client, login, session):
    login(role="editor")
    assert client.get("/imports/").status_code == 403


def test_duplicates_page_and_merge(client, login, session):
    login(role="editor")
    a = make_company(session, name="Romerike Helsehub AS", post_town="Lillestrøm")
    b = make_company(
        session, name="Romerike Helsehub", post_town="Lillestrøm", website="https://rh.no"
    )
    make_meeting(session, companies=[b])
    session.commit()
    a_id, b_id = a.id, b.id
    page = client.get("/imports/duplicates?type=companies").get_data(as_text=True)
    merge_url = f"/imports/merge/companies/{a.id}/{b.id}"
    assert merge_url in page

    page = client.get(merge_url).get_data(as_text=True)
    assert "https://rh.no" in page
    response = _post(
        client,
        merge_url,
        {
            "keep": "first",
            "first_version": a.version,
            "second_version": b.version,
            "field_name": "first",
            "field_website": "second",
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == f"/companies/{a.id}"
    session.expire_all()
    assert session.get(Company, b_id) is None
    assert session.get(Company, a_id).website == "https://rh.no"


def test_merge_of_unknown_records_is_404(client, login, session):
    login(role="editor")
    assert client.get("/imports/merge/companies/998/999").status_code == 404
    assert client.get("/imports/merge/users/1/2").status_code == 404


def test_the_readme_sends_the_register_to_the_command_that_exists_and_the_page_shows_none(
    app, client, login, session
):
    login(role="admin")
    page = client.get("/imports/").get_data(as_text=True)
    readme = (Path(app.root_path).parent / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"flask (?:--app wsgi )?crm (import-[a-z-]+)", readme))
    assert named == {"import-brreg", "import-brreg-updates"}
    assert named <= set(app.cli.commands["crm"].commands)
    # A user's page names no command: "Enhetsregisteret" and where the imports come from.
    assert "flask crm" not in page and "Enhetsregisteret" in page
    # The register's files are uploaded on the register's own page, under no "brreg" address.
    assert not [rule for rule in app.url_map.iter_rules() if "brreg" in rule.rule]


@pytest.mark.parametrize("token", ["%00", "x" * 65, "ab%20cd", "%C3%B8"])
def test_a_wizard_address_with_no_token_of_ours_is_not_found(client, login, session, token):
    # PostgreSQL refused the NUL outright (a 500) before the token's shape was checked.
    login(role="editor")
    for step in ("columns", "preview"):
        assert client.get(f"/imports/spreadsheet/{token}/{step}").status_code == 404
