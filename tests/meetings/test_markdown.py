"""Meeting notes are Markdown; what comes out is HTML that can carry no script."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from markupsafe import Markup

from crm.common.markdown import ALLOWED_TAGS, render_markdown


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    collector = _Collector()
    collector.feed(html)
    return collector.tags


ATTACKS = [
    "<script>alert(1)</script>",
    "Hei <script src=https://evil.example/x.js></script>",
    '<img src="x" onerror="alert(1)">',
    '<a href="#" onclick="alert(1)">klikk</a>',
    "[klikk](javascript:alert(1))",
    "[klikk](JaVaScRiPt:alert(1))",
    "[klikk](  javascript:alert(1))",
    "[klikk](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[klikk](vbscript:msgbox(1))",
    "![bilde](javascript:alert(1))",
    '![x](https://example.no/a.png"onerror="alert(1))',
    "<javascript:alert(1)>",
    "<iframe src=https://evil.example></iframe>",
    "<svg onload=alert(1)>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '[a](https://example.no "t" onmouseover=alert(1))',
]


@pytest.mark.parametrize("source", ATTACKS)
def test_no_script_event_handler_or_javascript_link_survives(source):
    html = str(render_markdown(source))
    for tag, attrs in _tags(html):
        assert tag in ALLOWED_TAGS, (source, html)
        assert set(attrs) <= {"href", "rel"}, (source, html)
        href = (attrs.get("href") or "").strip().lower()
        assert href.startswith(("http:", "https:", "mailto:")) or "href" not in attrs, html
    assert "<script" not in html.lower()


def test_markdown_is_rendered_with_the_allowed_tags():
    html = render_markdown(
        "Avtalt med **IFE** og *NILU*:\n\n- sende søknad\n- ringe Ahus\n\n"
        "1. først\n2. så\n\n> sitat\n\n`kode`\n\n```\nblokk\n```\n"
    )
    assert isinstance(html, Markup)
    for fragment in (
        "<strong>IFE</strong>",
        "<em>NILU</em>",
        "<ul>",
        "<li>sende søknad</li>",
        "<ol>",
        "<blockquote>",
        "<code>kode</code>",
        "<pre><code>blokk",
    ):
        assert fragment in html


def test_safe_links_keep_their_target_and_get_rel_noopener():
    html = str(
        render_markdown("[Kjeller Innovasjon](https://kjellerinnovasjon.no) og <ole@ife.no>")
    )
    assert '<a href="https://kjellerinnovasjon.no" rel="noopener noreferrer">' in html
    assert 'href="mailto:ole@ife.no"' in html


def test_relative_links_lose_their_target_but_keep_the_text():
    html = str(render_markdown("[intern](/users/) og [rar](//evil.example/x)"))
    assert "href" not in html
    assert "intern" in html and "rar" in html


def test_headings_start_at_h3_so_the_page_keeps_one_h1():
    html = str(render_markdown("# Referat\n\n## Saker\n\n#### Dypt"))
    assert "<h3>Referat</h3>" in html
    assert "<h4>Saker</h4>" in html
    assert "<h6>Dypt</h6>" in html
    assert "<h1>" not in html and "<h2>" not in html


def test_raw_html_is_shown_as_text_not_markup():
    html = str(render_markdown("Trykk <b>her</b>"))
    assert "&lt;b&gt;her&lt;/b&gt;" in html
    assert "<b>" not in html


def test_images_become_links_so_notes_load_nothing_from_other_sites():
    html = str(render_markdown("![kart over Berger](https://example.no/berger.png)"))
    assert "<img" not in html
    assert (
        '<a href="https://example.no/berger.png" rel="noopener noreferrer">kart over Berger</a>'
        in html
    )


def test_empty_notes_render_as_nothing():
    assert render_markdown("") == Markup("")
    assert render_markdown(None) == Markup("")
