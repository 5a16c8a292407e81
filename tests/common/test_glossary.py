"""One word for each thing: no bokmål text uses a word the glossary (Ordliste) says "not" for.

The rules are in tests/common/glossary.py, copied from the Ordliste in DOMAIN.md. Checked: every
msgstr of the bokmål catalogue, the text written into templates, the demo data, and the column
headings of every download in bokmål.
"""

from __future__ import annotations

import ast
import csv
import io
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.common.glossary import FORBIDDEN, ORDLISTE, offences

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "crm" / "translations" / "nb" / "LC_MESSAGES" / "messages.po"
# Jinja's tags and HTML's tags (with their attributes): what is left is text a reader sees.
MARKUP = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}|<[^>]*>", re.DOTALL)


def test_every_not_of_the_glossary_has_a_rule_that_catches_it_and_spares_the_right_words():
    assert {rule.word for rule in FORBIDDEN} == {w for row in ORDLISTE for w in row.not_words}
    for rule in FORBIDDEN:
        for text in rule.catches:
            assert rule.pattern.search(text), (rule.word, text)
        for text in rule.allows:
            assert not rule.pattern.search(text), (rule.word, text)


def test_the_bokmal_catalogue_follows_the_glossary():
    with CATALOGUE.open("rb") as file:
        catalogue = read_po(file)
    found = {}
    for message in catalogue:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            if text and offences(text):
                found[text] = offences(text)
    assert found == {}


def test_text_written_into_templates_follows_the_glossary():
    found = {}
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = MARKUP.sub(" ", path.read_text(encoding="utf-8"))
        if offences(text):
            found[str(path.relative_to(ROOT))] = offences(text)
    assert found == {}


def _string_constants(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def test_demo_data_follows_the_glossary():
    found = {}
    for path in sorted((ROOT / "crm" / "demo").glob("*.py")):
        for text in _string_constants(path):
            if offences(text):
                found[f"{path.name}: {text[:60]}"] = offences(text)
    assert found == {}


DOWNLOADS = (
    "/exports/companies.csv",
    "/exports/contacts.csv",
    "/exports/meetings.csv",
    "/exports/establishments.csv",
    "/reports/pipeline.csv",
    "/reports/results.csv?table=places",
    "/reports/strategy.csv",
    "/reports/strategy.csv?table=sdgs",
    "/reports/reach.csv?table=places",
    "/reports/clusters.csv",
    "/reports/clusters.csv?table=mix",
    "/reports/indicators.csv",
)


@pytest.mark.parametrize("path", DOWNLOADS)
def test_column_headings_of_downloads_follow_the_glossary(client, session, login, path):
    login(role="editor", locale="nb")
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    first_line = response.get_data(as_text=True).lstrip("\ufeff").splitlines()[0]
    headings = next(csv.reader(io.StringIO(first_line)))
    assert len(headings) > 2
    assert [h for h in headings if offences(h)] == []
