"""One combobox script for every type-ahead: loaded on every page, its texts from the server.

The cluster member form promised "Skriv et navn for å søke" but never loaded the script, and
the old type-ahead script carried its own bokmål and English texts where the translation test
could not see them. Now base.html loads static/js/combobox.js on every page with the texts
on its tag, translated by Flask-Babel; these tests hold every page and text to that.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask import render_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
SCRIPT = ROOT / "static" / "js" / "combobox.js"
STATIC_FILE = re.compile(r"url_for\(\s*'static',\s*filename\s*=\s*'([^']+)'\s*\)")


def _pages() -> list[Path]:
    return [
        path
        for path in sorted(TEMPLATES.rglob("*.html"))
        if not path.name.startswith("_")
        and path.parent.name not in ("_macros", "_partials")
        and path.name != "base.html"
        # Bodies of mail (crm/mail), read in a mail program: no page, no script.
        and path.parent.name != "mail"
        # A meeting's notes as a document for the archive (crm/meetings/archive.py), in a ZIP.
        and path.name != "archive_document.html"
    ]


def test_every_page_extends_base_which_loads_the_combobox(app):
    assert _pages(), "no templates found"
    strays = [
        str(path.relative_to(ROOT))
        for path in _pages()
        if not path.read_text(encoding="utf-8").startswith('{% extends "base.html" %}')
    ]
    assert strays == [], "These pages would lack the combobox script"
    base = (TEMPLATES / "base.html").read_text(encoding="utf-8")
    assert '{% include "search/_combobox_script.html" %}' in base


def test_every_script_and_style_a_template_names_exists():
    missing = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for name in STATIC_FILE.findall(path.read_text(encoding="utf-8"))
        if not (ROOT / "static" / name).is_file()
    ]
    assert missing == []


def _script_tag(app, locale: str) -> str:
    with app.test_request_context(headers={"Accept-Language": locale}):
        from flask_babel import force_locale

        with force_locale(locale):
            return render_template("search/_combobox_script.html")


def test_every_text_the_script_speaks_comes_translated_from_the_server(app):
    source = SCRIPT.read_text(encoding="utf-8")
    names = set(re.findall(r'\.text\(\s*"([\w-]+)"\s*\)', source))
    names |= set(re.findall(r'text\(\s*n === 1 \? "(\w+)" : "(\w+)"', source)[0])
    assert {"none", "one", "many", "failed", "chosen", "added", "removed", "remove"} <= names
    bokmal, english = _script_tag(app, "nb"), _script_tag(app, "en")
    for name in sorted(names):
        nb = re.search(rf'data-text-{name}="([^"]*)"', bokmal)
        en = re.search(rf'data-text-{name}="([^"]*)"', english)
        assert nb and en and nb[1] and nb[1] != en[1], f"data-text-{name} is not translated"
    assert 'data-text-none="Ingen treff."' in bokmal


def test_the_script_holds_no_interface_text_of_its_own():
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", SCRIPT.read_text(encoding="utf-8"), flags=re.S)
    assert not re.search(r"[æøåÆØÅ]", code)
    literals = re.findall(r'"((?:[^"\\\n]|\\.)*)"', code)
    assert "use strict" in literals  # the literals are found
    # A capitalised run of words is a sentence someone reads; the script has none.
    assert [text for text in literals if re.match(r"[A-Z][a-z]+ \w", text)] == []
