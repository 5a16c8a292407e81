"""Which stored addresses become links: Python decides, the templates only show."""

from __future__ import annotations

import re

import pytest

from crm.common.urls import safe_link
from tests.factories import make_company


@pytest.mark.parametrize(
    ("stored", "link"),
    [
        ("https://ife.no", "https://ife.no"),
        ("HTTP://NILU.NO/om-oss", "HTTP://NILU.NO/om-oss"),
        ("  https://kjellerinnovasjon.no  ", "https://kjellerinnovasjon.no"),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("//evil.example/", None),
        ("https:///no-host", None),
        ("ftp://files.example.no", None),
        ("https://ife.no/a b", None),
        ("https://ife\x00.no", None),
        ("ife.no", None),
        ("", None),
        (None, None),
    ],
)
def test_only_plain_http_addresses_become_links(stored, link):
    assert safe_link(stored) == link


def test_organisation_page_links_a_safe_website_and_shows_an_unsafe_one_as_text(
    client, login, session
):
    safe = make_company(session, website="https://ife.no")
    unsafe = make_company(session, website="JaVaScRiPt:alert(1)")
    session.commit()
    login(role="reader")
    assert safe.website_link == "https://ife.no" and unsafe.website_link is None
    assert (
        '<a href="https://ife.no" rel="noopener noreferrer">'
        in client.get(f"/companies/{safe.id}").text
    )
    html = client.get(f"/companies/{unsafe.id}").text
    assert "JaVaScRiPt:alert(1)" in html and 'href="JaVaScRiPt' not in html


def test_a_rows_link_routed_once_is_the_link_url_for_gives(app):
    # Lists route a row's page once (crm.common.urls.id_url) and fill in each row's id.
    from flask import url_for

    from crm.common.urls import id_url

    # A script root with a per cent sign: the format keeps it as it is.
    with app.test_request_context("/", base_url="http://localhost/kb%2520/"):
        for endpoint, key in (("tasks.edit", "task_id"), ("companies.detail", "company_id")):
            for row_id in (1, 7, 918273645, 2_000_000_000):
                assert id_url(endpoint, key) % row_id == url_for(endpoint, **{key: row_id})
        assert id_url("tasks.edit", "task_id") % 5 == "/kb%20/tasks/5/edit"


def test_no_template_builds_a_rows_link_by_cutting_or_splitting_a_routed_url():
    # One way to route a row's link once (id_url): a link cut from url_for(…, id=0) breaks
    # as soon as the id is not the URL's last part, and two ways drift apart.
    from pathlib import Path

    templates = Path(__file__).resolve().parents[2] / "templates"
    cut = re.compile(r"url_for\([^)]*=0[^)]*\)\s*(\[|\.split\()")
    offenders = [
        f"{path.relative_to(templates)}: {line.strip()}"
        for path in sorted(templates.rglob("*.html"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if cut.search(line)
    ]
    assert offenders == []
