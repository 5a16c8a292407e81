"""Which stored addresses become links: Python decides, the templates only show."""

from __future__ import annotations

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
