"""Every note and description is Markdown, and every template shows it the same way.

Establishment case notes were shown raw ("**viktig**") while meeting notes were rendered. The
walk below reads every template and fails where a free-text column (a Text column of the
models) is printed without the `markdown` filter, or `markdown_text` for a short excerpt.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from jinja2 import nodes
from sqlalchemy import Text

from crm.establishments import services as establishment_services
from crm.extensions import db
from tests.establishments.helpers import make_case, seed
from tests.factories import (
    make_cluster,
    make_company,
    make_contact,
    make_meeting,
    make_strategy,
    make_task,
)

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
MARKDOWN_FILTERS = {"markdown", "markdown_text"}
# Text columns that are not written by users: the import's error report is plain text.
NOT_MARKDOWN = {("import_runs", "error")}


def _free_text_columns() -> set[str]:
    return {
        column.name
        for table in db.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, Text) and (table.name, column.name) not in NOT_MARKDOWN
    }


def _root_name(node: nodes.Node) -> str:
    while isinstance(node, nodes.Getattr | nodes.Getitem):
        node = node.node
    return node.name if isinstance(node, nodes.Name) else ""


def _is_form_field(node: nodes.Getattr) -> bool:
    """`form.notes`, `f.description` (a field's help text): the form, not the stored text."""
    root = _root_name(node)
    return root == "f" or root.endswith("form")


def _unrendered(node: nodes.Node, names: set[str], rendered: bool = False):
    """Free-text attributes printed (or iterated) without a Markdown filter around them."""
    if isinstance(node, nodes.Filter) and node.name in MARKDOWN_FILTERS:
        rendered = True
    if (
        isinstance(node, nodes.Getattr)
        and node.attr in names
        and not rendered
        and not _is_form_field(node)
    ):
        yield node
    for name, child in node.iter_fields():
        # Testing whether there is a note shows nothing of it.
        child_rendered = rendered or (
            name == "test" and isinstance(node, nodes.If | nodes.CondExpr)
        )
        for item in child if isinstance(child, list) else [child]:
            if isinstance(item, nodes.Node):
                yield from _unrendered(item, names, child_rendered)


def test_the_walk_knows_the_free_text_columns(app):
    assert {"notes", "description", "note", "resolution"} <= _free_text_columns()


def test_every_template_renders_notes_and_descriptions_as_markdown(app):
    names = _free_text_columns()
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        source = path.read_text(encoding="utf-8")
        tree = app.jinja_env.parse(source)
        for node in _unrendered(tree, names):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} {_root_name(node)}…{node.attr}")
    assert found == [], "Show these through `| markdown` (or `| markdown_text`):\n" + "\n".join(
        found
    )


@pytest.mark.parametrize(
    "template",
    [
        "{{ case.notes }}",
        "{% for line in contact.notes.splitlines() %}{{ line }}{% endfor %}",
        "{{ flag.note | truncate(20) }}",
        "{{ cluster.description or '–' }}",
    ],
)
def test_the_walk_catches_raw_notes(app, template):
    assert list(_unrendered(app.jinja_env.parse(template), _free_text_columns()))


@pytest.mark.parametrize(
    "template",
    [
        "{% if case.notes %}{{ case.notes | markdown }}{% endif %}",
        "{{ flag.note | markdown_text | truncate(20) }}",
        "{{ contact.notes | markdown if contact.notes else '–' }}",
        "{{ field(form.notes) }}{{ f.description }}",
    ],
)
def test_the_walk_lets_rendered_notes_pass(app, template):
    assert not list(_unrendered(app.jinja_env.parse(template), _free_text_columns()))


BOLD = "Avtalt:\n**viktig** oppfølging"


def test_every_detail_page_shows_notes_as_rendered_markdown(client, login, session):
    """What an adviser sees: bold text, never the asterisks, on every page with a note."""
    me = login(role="admin")
    seed(session)
    company = make_company(session, description=BOLD)
    meeting = make_meeting(session, notes=BOLD, companies=[company])
    make_task(session, description=BOLD, meeting_id=meeting.id, assignee_id=me.id)
    case = make_case(session, company_id=company.id, notes=BOLD)
    flag = establishment_services.raise_flag(
        session, company_id=company.id, severity="red", kind="downsizing", note=BOLD,
        raised_on=date(2026, 11, 2),
    )  # fmt: skip
    strategy = make_strategy(session, description=BOLD)
    session.commit()
    full = "Avtalt:<br>\n<strong>viktig</strong> oppfølging"  # the typed line break kept
    excerpt = "Avtalt: viktig oppfølging"  # a list's short excerpt reads as plain text
    pages = {
        f"/companies/{company.id}": full,
        f"/contacts/{make_contact(session, notes=BOLD).id}": full,
        f"/clusters/{make_cluster(session, description=BOLD).id}": full,
        f"/meetings/{meeting.id}": full,
        "/tasks/": excerpt,
        f"/establishments/{case.id}": full,
        "/establishments/flags": excerpt,
        f"/establishments/flags/{flag.id}/resolve": full,
        f"/strategy/?period={strategy.focus_area.period_id}": full,
    }
    session.commit()
    for path, shown in pages.items():
        html = client.get(path).text
        assert "**viktig**" not in html, path
        assert shown in html, path
