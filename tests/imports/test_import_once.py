"""A spreadsheet is read once at upload and imported once, however often the form is posted."""

from __future__ import annotations

import io
import re
import threading
import time

from sqlalchemy import func, select

from crm.companies.models import Company
from crm.imports import services, sheets
from crm.imports.models import ImportRun
from tests.conftest import csrf_token, post_form
from tests.factories import DEFAULT_PASSWORD

CSV = "Navn;Poststed\nInfinitum AS;Fetsund\nRainPower AS;Sørumsand\nNova Spektrum AS;Lillestrøm\n"


def _upload_and_map(client) -> str:
    """Upload the three-row CSV and map its columns; return the preview's path."""
    token = csrf_token(client, "/imports/spreadsheet")
    response = client.post(
        "/imports/spreadsheet",
        data={
            "csrf_token": token,
            "kind": "organisations",
            "file": (io.BytesIO(CSV.encode()), "liste.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    columns = response.headers["Location"]
    response = post_form(client, columns, {"col_0": "name", "col_1": "post_town"})
    assert response.status_code == 302
    return response.headers["Location"]


def test_the_steps_after_the_upload_never_read_the_file_again(client, login, session, monkeypatch):
    login(role="editor")
    preview = _upload_and_map(client)

    def refuse(_data: bytes) -> None:
        raise AssertionError("a step after the upload read the file again")

    monkeypatch.setattr(sheets, "read_table", refuse)
    columns = preview.replace("/preview", "/columns")
    assert "Infinitum AS" in client.get(columns).get_data(as_text=True)
    assert "RainPower AS" in client.get(preview).get_data(as_text=True)
    assert post_form(client, preview, {"default_decision": "skip"}).status_code == 302
    assert session.scalar(select(func.count()).select_from(Company)) == 3


def test_four_posts_at_once_import_the_rows_once(app, client, login, session, monkeypatch):
    user = login(role="editor")
    preview = _upload_and_map(client)
    clients = [client]
    for _ in range(3):
        other = app.test_client()
        response = post_form(
            other, "/auth/login", {"email": user.email, "password": DEFAULT_PASSWORD}
        )
        assert response.status_code == 302
        clients.append(other)
    tokens = [csrf_token(each, preview) for each in clients]

    # The import takes a moment, as a real one of thousands of rows does: the other posts
    # arrive while the first is still writing.
    original = services.run_spreadsheet_import

    def slow_import(*args, **kwargs):
        time.sleep(0.5)
        return original(*args, **kwargs)

    monkeypatch.setattr(services, "run_spreadsheet_import", slow_import)
    start = threading.Barrier(len(clients))
    responses: list = [None] * len(clients)

    def post(index: int) -> None:
        start.wait()
        responses[index] = clients[index].post(
            preview, data={"csrf_token": tokens[index], "default_decision": "skip"}
        )

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    session.expire_all()
    runs = session.scalars(select(ImportRun)).all()
    assert len(runs) == 1
    assert session.scalar(select(func.count()).select_from(Company)) == 3
    result = f"/imports/spreadsheet/result/{runs[0].id}"
    assert [(r.status_code, r.headers["Location"]) for r in responses] == [(302, result)] * 4
    pages = [each.get(result).get_data(as_text=True) for each in clients]
    assert sum("The import is done." in page or "Importen er ferdig" in page for page in pages) == 1
    already = [page for page in pages if re.search(r"imported already|allerede importert", page)]
    assert len(already) == 3


def test_posting_again_after_the_import_leads_to_the_run(client, login, session):
    login(role="editor")
    preview = _upload_and_map(client)
    token = csrf_token(client, preview)
    first = client.post(preview, data={"csrf_token": token, "default_decision": "skip"})
    again = client.post(preview, data={"csrf_token": token, "default_decision": "skip"})
    assert again.status_code == 302 and again.headers["Location"] == first.headers["Location"]
    assert session.scalar(select(func.count()).select_from(ImportRun)) == 1
    # The other steps of an imported file lead there too.
    columns = client.get(preview.replace("/preview", "/columns"))
    assert columns.headers["Location"] == first.headers["Location"]
