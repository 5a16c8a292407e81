"""The change page, the rules page and register imports started from the web."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from crm.companies.models import Company
from crm.imports.models import ImportChange, ImportRun
from crm.jobs import threads as runner_jobs
from crm.register.models import FlagRule
from tests.conftest import csrf_token, post_form
from tests.imports.brreg_fixtures import make_orgnr
from tests.register.helpers import MAIN, OTHER, flags_of, import_units, in_oslo, main_unit


@pytest.fixture
def two_runs(session, tmp_path):
    """A baseline, then a run with one of each kind of change."""
    moving = make_orgnr(540)
    import_units(
        session,
        tmp_path,
        "before",
        [main_unit(), main_unit(OTHER, "HEIA HANDEL AS"), main_unit(moving, "FLYTTEFIRMA AS")],
    )
    run = import_units(
        session,
        tmp_path,
        "after",
        [
            main_unit(konkurs=True),
            main_unit(OTHER, "HEIA HANDEL OG SERVICE AS", antallAnsatte=41),
            main_unit(moving, "FLYTTEFIRMA AS", forretningsadresse=in_oslo()),
            main_unit(make_orgnr(541), "NYETABLERT AS"),
        ],
    )
    return run


def test_the_change_page_counts_filters_and_links_each_organisation(
    client, login, session, two_runs
):
    login(role="editor")
    page = client.get(f"/register/runs/{two_runs.id}/changes")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Endringer i registeret" in html
    for word in ("Ny: 1", "Flyttet ut: 1", "Avviklet: 1", "Endret: 1", "Flyttet inn: 0"):
        assert word in html, word
    main = session.scalar(select(Company).where(Company.org_number == MAIN))
    assert f'href="/companies/{main.id}"' in html
    assert "Aktiv" in html and "Konkurs" in html  # before → after, in words

    moved = client.get(f"/register/runs/{two_runs.id}/changes?category=moved_out").get_data(
        as_text=True
    )
    assert "FLYTTEFIRMA AS" in moved and "HEIA HANDEL" not in moved and "0301" in moved
    renamed = client.get(f"/register/runs/{two_runs.id}/changes?field=name").get_data(as_text=True)
    assert "HEIA HANDEL OG SERVICE AS" in renamed and "FLYTTEFIRMA" not in renamed
    # A filter value that is not offered is ignored, not an error.
    assert client.get(f"/register/runs/{two_runs.id}/changes?category=x&field=y").status_code == 200


def test_the_change_page_pages_with_a_fixed_number_of_queries(
    client, login, session, two_runs, count_queries
):
    login(role="admin")
    with count_queries() as few:
        client.get(f"/register/runs/{two_runs.id}/changes")
    session.add_all(
        ImportChange(
            run_id=two_runs.id,
            table_name="companies",
            record_id=session.scalar(select(Company.id).limit(1)),
            action="updated",
            before={"employees": n},
            category="changed",
            fields=",employees,",
            after={"employees": n + 1},
        )
        for n in range(40)
    )
    session.commit()
    with count_queries() as many:
        html = client.get(f"/register/runs/{two_runs.id}/changes").get_data(as_text=True)
    assert len(many) == len(few)
    assert "44" in html  # the total of the pager


def test_readers_may_not_see_the_change_page(client, login, session, two_runs):
    login(role="reader")
    assert client.get(f"/register/runs/{two_runs.id}/changes").status_code == 403


def test_spreadsheet_runs_have_no_change_page(client, login, session):
    sheet = ImportRun(kind="organisations", filename="a.csv", status="finished")
    session.add(sheet)
    session.commit()
    login(role="editor")
    assert client.get(f"/register/runs/{sheet.id}/changes").status_code == 404


def test_the_import_page_links_to_its_changes(client, login, two_runs):
    login(role="admin")
    html = client.get(f"/imports/{two_runs.id}").get_data(as_text=True)
    assert f'href="/register/runs/{two_runs.id}/changes"' in html
    assert f'href="/register/runs/{two_runs.id}/changes"' in client.get("/imports/").get_data(
        as_text=True
    )


def test_an_admin_edits_a_rule_and_a_bad_threshold_is_refused_on_its_field(client, login, session):
    login(role="admin")
    html = client.get("/register/rules").get_data(as_text=True)
    assert "Konkurs" in html and "Nytt underenhet" not in html
    rule = session.scalar(select(FlagRule).where(FlagRule.rule == "employees_down"))
    path = f"/register/rules/{rule.id}"
    bad = post_form(
        client,
        path,
        {
            "version": rule.version,
            "kind": "downsizing",
            "severity": "red",
            "enabled": "y",
            "threshold_percent": "0",
            "threshold_people": "5",
        },
    )
    assert bad.status_code == 200
    assert "mellom 1 og 100" in bad.get_data(as_text=True)
    good = post_form(
        client,
        path,
        {
            "version": rule.version,
            "kind": "downsizing",
            "severity": "red",
            "threshold_percent": "20",
            "threshold_people": "3",
        },
    )
    assert good.status_code == 302
    session.expire_all()
    rule = session.get(FlagRule, rule.id)
    assert (rule.severity, rule.enabled, rule.threshold_percent, rule.threshold_people) == (
        "red",
        False,
        20,
        3,
    )


def test_editors_cannot_change_rules_or_start_imports(client, login, session):
    login(role="editor")
    assert client.get("/register/rules").status_code == 403
    assert client.get("/register/import").status_code == 403


def _upload(client, content: bytes, filename: str, kommuner: str = "3205"):
    token = csrf_token(client, "/register/import")
    return client.post(
        "/register/import",
        data={
            "csrf_token": token,
            "file": (io.BytesIO(content), filename),
            "kommuner": kommuner,
        },
        content_type="multipart/form-data",
    )


def test_a_bad_upload_is_refused_with_a_message_and_nothing_is_written(client, login, session, app):
    login(role="admin")
    response = _upload(client, b"PK\x03\x04 not a register file", "enheter.json")
    assert response.status_code == 200
    # The reader's own words, beside the file field.
    assert "ikke en fil fra registeret" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(ImportRun)) == 0
    wrong = _upload(client, b"[]", "enheter.json", kommuner="Lillestrom")
    assert "firesifrede" in wrong.get_data(as_text=True)
    folder = app.instance_path + "/register_uploads"
    import os

    assert not os.path.isdir(folder) or os.listdir(folder) == []


def test_an_upload_runs_outside_the_request_and_its_page_shows_the_result(
    client, login, session, tmp_path
):
    import json

    login(role="admin")
    body = json.dumps([main_unit(), main_unit(OTHER, "HEIA HANDEL AS")]).encode()
    response = _upload(client, body, "enheter.json")
    assert response.status_code == 302
    run_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    runner_jobs.wait_for_all()
    session.expire_all()
    run = session.get(ImportRun, run_id)
    assert run.status == "finished" and run.summary["created"] == 2
    assert run.rows_read == 2
    html = client.get(f"/register/runs/{run_id}").get_data(as_text=True)
    assert "Fullført" in html and f"/register/runs/{run_id}/changes" in html
    assert 'http-equiv="refresh"' not in html  # it refreshes only while it runs
    assert flags_of(session) == []  # the first import is the baseline


def test_the_progress_page_refreshes_itself_while_the_run_runs(client, login, session):
    login(role="admin")
    run = ImportRun(kind="brreg", filename="enheter.json", status="running", rows_read=1200)
    session.add(run)
    session.commit()
    html = client.get(f"/register/runs/{run.id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' in html and "1\xa0200 enheter lest" in html


def test_a_file_from_the_servers_folder_is_chosen_from_a_list_never_typed(
    client, login, session, app, tmp_path, monkeypatch
):
    import json

    folder = tmp_path / "register-files"
    folder.mkdir()
    (folder / "enheter-3205.json").write_text(json.dumps([main_unit()]), encoding="utf-8")
    (folder / "notes.txt").write_text("not offered", encoding="utf-8")
    monkeypatch.setitem(app.config, "REGISTER_IMPORT_DIR", str(folder))
    login(role="admin")
    form = client.get("/register/import").get_data(as_text=True)
    assert "enheter-3205.json" in form and "notes.txt" not in form
    token = csrf_token(client, "/register/import")
    typed = client.post(
        "/register/import",
        data={"csrf_token": token, "server_file": "../../etc/passwd", "kommuner": "3205"},
    )
    assert typed.status_code == 200 and "Velg en av filene i listen" in typed.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(ImportRun)) == 0
    chosen = client.post(
        "/register/import",
        data={"csrf_token": token, "server_file": "enheter-3205.json", "kommuner": "3205"},
    )
    assert chosen.status_code == 302
    runner_jobs.wait_for_all()
    session.expire_all()
    run = session.scalar(select(ImportRun))
    assert (run.filename, run.status, run.summary["created"]) == (
        "enheter-3205.json",
        "finished",
        1,
    )
    assert (folder / "enheter-3205.json").exists()  # the server's file stays where it was


def test_a_busy_server_says_so_and_leaves_no_running_import(client, login, session, monkeypatch):
    import json

    from crm.register import jobs

    def full(run_id: int) -> None:
        raise runner_jobs.QueueFull(f"register-import-{run_id}")

    monkeypatch.setattr(jobs, "start_register_import", full)
    login(role="admin")
    response = _upload(client, json.dumps([main_unit()]).encode(), "enheter.json")
    assert response.status_code == 302
    assert "opptatt" in client.get(response.headers["Location"]).get_data(as_text=True)
    run = session.scalar(select(ImportRun))
    assert run.status == "failed"


def test_the_warnings_list_links_a_register_warning_to_its_changes(
    client, login, session, two_runs
):
    login(role="editor")
    html = client.get("/establishments/flags").get_data(as_text=True)
    assert "Registerimport" in html and "Konkurs" in html
    assert f'href="/register/runs/{two_runs.id}/changes"' in html
