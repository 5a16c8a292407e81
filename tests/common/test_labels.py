"""Every coded value has one label, in the glossary's words, and no text is frozen in a language.

Like test_access.py walks the url_map, these tests walk the models' columns, every enum, every
module of crm/ and every template, so a new kind, a second wording or a translation evaluated
at import time cannot slip in.
"""

from __future__ import annotations

import ast
import enum
import importlib
import pkgutil
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import render_template_string
from flask_babel import LazyString, force_locale
from jinja2 import Environment, nodes

import crm
from config import TestingConfig
from crm import create_app
from crm.common.labels import LabelTable, tables
from crm.establishments.services import DEFAULT_STAGES
from crm.extensions import db
from crm.imports.models import ImportRun
from tests.conftest import post_form
from tests.factories import DEFAULT_PASSWORD, make_user

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "crm" / "translations" / "nb" / "LC_MESSAGES" / "messages.po"
TEMPLATES = ROOT / "templates"
# shared/ stands beside the clone (CI), or beside the folder of worktrees.
DOMAIN = next(
    (p / "shared" / "DOMAIN.md" for p in ROOT.parents if (p / "shared" / "DOMAIN.md").exists()),
    ROOT.parent / "shared" / "DOMAIN.md",
)

# The glossary ("Ordliste" in DOMAIN.md): (English msgid, bokmål) for each coded value.
GLOSSARY = {
    "company_kind": {
        "company": ("Company", "Bedrift"),
        "research": ("Research institute", "Forskningsinstitutt"),
        "education": ("Education", "Utdanning"),
        "public": ("Public body", "Offentlig organ"),
        "cluster_organisation": ("Cluster organisation", "Klyngeorganisasjon"),
        "incubator": ("Incubator", "Inkubator"),
        "venue": ("Venue", "Møtested og arena"),
        "other": ("Other", "Annet"),
    },
    "meeting_kind": {
        "meeting": ("Meeting", "Møte"),
        "visit": ("Company visit", "Bedriftsbesøk"),
        "phone": ("Phone call", "Telefonsamtale"),
        "workshop": ("Workshop", "Arbeidsmøte"),
        "conference": ("Conference", "Konferanse"),
        "email": ("Email", "E-post"),
    },
    "cluster_kind": {
        "cluster": ("Cluster", "Klynge"),
        "network": ("Network", "Nettverk"),
        "programme": ("Programme", "Program"),
    },
    "membership_role": {
        "member": ("Member", "Medlem"),
        "partner": ("Partner", "Partner"),
        "facilitator": ("Facilitator", "Fasilitator"),
        "board": ("Board member", "Styremedlem"),
        "founding_member": ("Founding member", "Stiftende medlem"),
    },
    "role": {
        "reader": ("Reader", "Leser"),
        "editor": ("Editor", "Redigerer"),
        "admin": ("Administrator", "Administrator"),
    },
    "stage_outcome": {
        "established": ("Established", "Etablert"),
        "lost": ("Lost", "Tapt"),
        "on_hold": ("On hold", "På vent"),
    },
    "network_metric": {
        "degree": ("Ties", "Antall bånd"),
        "weighted_degree": ("Total strength", "Samlet styrke"),
        "pagerank": ("Influence (PageRank)", "Innflytelse (PageRank)"),
        "betweenness": ("Bridging (betweenness)", "Brobygging (mellomsentralitet)"),
    },
}
GLOSSARY_STAGES = [
    "Første kontakt",
    "Behov avklart",
    "Tomte- og lokalsøk",
    "Tilbud og beslutning",
    "Etablert",
    "Tapt",
    "På vent",
]
# Rows of the Ordliste in DOMAIN.md and the tables above that must say the same.
ORDLISTE_ROWS = {
    "company kinds": "company_kind",
    "`Meeting` kinds": "meeting_kind",
    "`Cluster` kinds": "cluster_kind",
    "membership roles": "membership_role",
    "roles": "role",
}

# String columns whose name says they hold a code from a fixed set.
CODED_COLUMN = re.compile(r"(^|_)(kind|status|role|severity|outcome|action|level|type|standard)$")
TRANSLATE_CALLS = {"_", "gettext", "ngettext", "pgettext", "npgettext"}
LAZY_CALLS = {"_l", "lazy_gettext", "lazy_ngettext", "lazy_pgettext"}


def _catalogue() -> dict:
    with CATALOGUE.open("rb") as f:
        return {m.id: m for m in read_po(f) if m.id}


def _msgid(label: LazyString) -> str:
    return label._args[0]


def _crm_modules():
    for info in pkgutil.walk_packages(crm.__path__, "crm."):
        yield importlib.import_module(info.name)


def _column_enums() -> set[type[enum.StrEnum]]:
    """Every StrEnum defined in crm/ whose values a model column stores."""
    found = set()
    for module in _crm_modules():
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, enum.StrEnum)
                and value.__module__ == module.__name__
            ):
                found.add(value)
    return found


def test_every_coded_column_has_exactly_one_label_table(app):
    covering: dict[str, list[str]] = {}
    for table in tables().values():
        for column in table.columns:
            covering.setdefault(column, []).append(table.name)
    coded = {
        f"{table.name}.{column.name}"
        for table in db.metadata.sorted_tables
        for column in table.columns
        if CODED_COLUMN.search(column.name) and column.type.python_type is str
    }
    assert {c: covering.get(c, []) for c in coded if len(covering.get(c, [])) != 1} == {}
    # and every column a table names exists
    known = {f"{t.name}.{c.name}" for t in db.metadata.sorted_tables for c in t.columns}
    assert set(covering) - known == set()


def test_every_enum_has_exactly_one_label_table_covering_all_its_members(app):
    by_enum: dict[type, list[LabelTable]] = {}
    for table in tables().values():
        if table.enum is not None:
            by_enum.setdefault(table.enum, []).append(table)
    enums = _column_enums()
    assert enums, "no enums found: the walk is broken"
    assert {
        e.__name__: len(by_enum.get(e, [])) for e in enums if len(by_enum.get(e, [])) != 1
    } == {}
    for enum_class, (table,) in by_enum.items():
        assert set(table) == {member.value for member in enum_class}, table.name


def test_a_column_default_belongs_to_the_enum_its_table_labels(app):
    by_column = {column: table for table in tables().values() for column in table.columns}
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            labels = by_column.get(f"{table.name}.{column.name}")
            if labels is None or column.default is None or not column.default.is_scalar:
                continue
            assert column.default.arg in labels, f"{table.name}.{column.name}"


def test_every_label_is_translated_to_bokmal():
    catalogue = _catalogue()
    untranslated = []
    for table in tables().values():
        for value, label in table.lazy.items():
            if not table.translated:
                assert isinstance(label, str), (table.name, value)
                continue
            assert isinstance(label, LazyString), f"{table.name}.{value} is not lazy"
            entry = catalogue.get(_msgid(label))
            if entry is None or not entry.string or entry.fuzzy:
                untranslated.append(f"{table.name}.{value}: {_msgid(label)}")
    assert untranslated == []


@pytest.mark.parametrize("name", sorted(GLOSSARY))
def test_labels_use_the_glossary_words_in_both_languages(app, name):
    table = tables()[name]
    with app.test_request_context():
        for value, (english, bokmal) in GLOSSARY[name].items():
            assert _msgid(table.lazy[value]) == english
            with force_locale("nb"):
                assert table.label(value) == bokmal
            with force_locale("en"):
                assert table.label(value) == english


def test_default_stages_are_the_glossary_stages():
    assert [name for _key, name, _outcome in DEFAULT_STAGES] == GLOSSARY_STAGES


def test_the_glossary_above_is_the_one_in_domain_md():
    if not DOMAIN.exists():
        pytest.skip(f"{DOMAIN} is not beside the repository")
    rows = {}
    for line in DOMAIN.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 3:
            rows[cells[0]] = cells
    for row, name in ORDLISTE_ROWS.items():
        bokmal = [word.strip() for word in rows[row][1].split("·")]
        english = [word.strip() for word in rows[row][2].split("·")]
        ours = list(GLOSSARY[name].values())
        assert [e.lower() for e, _ in ours] == [e.lower() for e in english], row
        assert [b.lower() for _, b in ours] == [b.lower() for b in bokmal], row
    stages = [word.strip() for word in rows["default stages"][1].split("·")]
    assert stages == GLOSSARY_STAGES


def test_the_label_filter_translates_per_request_and_shows_unknown_codes_as_stored(app):
    template = '{{ "education" | label("company_kind") }}|{{ "x" | label("company_kind") }}|'
    template += '{{ none | label("company_kind") }}'
    with app.test_request_context(), force_locale("nb"):
        assert render_template_string(template) == "Utdanning|x|"
    with app.test_request_context(), force_locale("en"):
        assert render_template_string(template) == "Education|x|"


def test_a_label_table_cannot_be_read_before_there_is_a_language():
    with pytest.raises(RuntimeError, match="outside an app context"):
        tables()["company_kind"]["education"]


def test_templates_name_only_label_tables_that_exist():
    used = set()
    for path in TEMPLATES.rglob("*.html"):
        used |= set(re.findall(r"\blabels?\(\s*[\"'](\w+)[\"']", path.read_text("utf-8")))
    assert used, "no label lookups found: the walk is broken"
    assert used - set(tables()) == set()


def _label_values() -> list[set[str]]:
    return [set(table.lazy) for table in tables().values()]


def _repeats_a_table(codes: list[str | None], known: list[set[str]]) -> bool:
    """Two or more codes, all of one label table: a second wording of that table."""
    found = {code for code in codes if code}
    return len(found) >= 2 and any(found <= values for values in known)


def _is_translation(node: ast.AST | None) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in TRANSLATE_CALLS | LAZY_CALLS
    )


def _code(node: ast.AST | None) -> str | None:
    """The code a key stands for: "education", or CompanyKind.EDUCATION(.value)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Attribute) and node.attr == "value":
        node = node.value
    if isinstance(node, ast.Attribute) and node.attr.isupper():
        return node.attr.lower()
    return None


def _labelled_pairs(tree: ast.AST):
    """Each literal that pairs codes with translated texts: dicts and lists of pairs."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            yield (
                node.lineno,
                [
                    _code(k)
                    for k, v in zip(node.keys, node.values, strict=True)
                    if _is_translation(v)
                ],
            )
        elif isinstance(node, ast.List | ast.Tuple):
            codes = []
            for item in node.elts:
                args = item.args if isinstance(item, ast.Call) else getattr(item, "elts", [])
                if len(args) >= 2 and _is_translation(args[1]):
                    codes.append(_code(args[0]))
            yield node.lineno, codes


def test_no_second_label_table_in_python():
    """Labels of coded values live in the features' labels.py, nowhere else."""
    known = _label_values()
    found = []
    for path in (ROOT / "crm").rglob("*.py"):
        if path.name == "labels.py":
            continue
        for line, codes in _labelled_pairs(ast.parse(path.read_text("utf-8"))):
            if _repeats_a_table(codes, known):
                found.append(f"{path.relative_to(ROOT)}:{line}")
    assert found == []


def test_no_second_label_table_in_templates():
    known = _label_values()
    found = []
    for path in TEMPLATES.rglob("*.html"):
        for literal in re.findall(r"\{[^{}%]*?:\s*_\([^{}%]*\}", path.read_text("utf-8")):
            codes = re.findall(r"[\"'](\w+)[\"']\s*:\s*_\(", literal)
            if _repeats_a_table(codes, known):
                found.append(f"{path.relative_to(ROOT)}: {literal[:60]}")
    assert found == []


# --- Issue 10 #6: no translated text evaluated at import time ----------------------------------


def _evaluated_on_import(template: nodes.Template) -> list[str]:
    """Translation calls an import runs once and caches: those outside the macros' bodies."""
    found = []

    def visit(node: nodes.Node) -> None:
        if isinstance(node, nodes.Macro | nodes.CallBlock):
            return  # a macro's body runs when it is called, in that request's language
        if (
            isinstance(node, nodes.Call)
            and isinstance(node.node, nodes.Name)
            and node.node.name in TRANSLATE_CALLS
        ):
            found.append(f"line {node.lineno}")
        for child in node.iter_child_nodes():
            visit(child)

    visit(template)
    return found


def test_no_imported_template_translates_when_it_is_imported(app):
    """`{% import %}` without context caches the module: text there stays in one language."""
    environment = app.jinja_env
    imports = re.compile(r"{%-?\s*(?:import|from)\s+[\"']([^\"']+)[\"'](.*?)-?%}", re.S)
    found = []
    for path in TEMPLATES.rglob("*.html"):
        for name, rest in imports.findall(path.read_text("utf-8")):
            if "with context" in rest:
                continue
            source = (TEMPLATES / name).read_text("utf-8")
            for where in _evaluated_on_import(environment.parse(source)):
                found.append(f"{name} ({where}), imported by {path.relative_to(TEMPLATES)}")
    assert found == []


def test_the_static_check_sees_a_label_set_at_import():
    source = '{% set names = {"a": _("Created")} %}{% macro m() %}{{ _("Fine") }}{% endmacro %}'
    environment = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
    assert _evaluated_on_import(environment.parse(source)) == ["line 1"]


def _module_level_translations(tree: ast.Module) -> list[int]:
    """Lines where a module or class body translates (gettext, or str() of a lazy text)."""
    found = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            return  # runs later, in a request
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            forced = node.func.id == "str" and node.args and _is_translation(node.args[0])
            if node.func.id in TRANSLATE_CALLS or forced:
                found.append(node.lineno)
        if isinstance(node, ast.JoinedStr) and any(
            _is_translation(getattr(part, "value", None)) for part in node.values
        ):
            found.append(node.lineno)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def test_no_module_translates_when_it_is_imported():
    found = []
    for path in (ROOT / "crm").rglob("*.py"):
        for line in _module_level_translations(ast.parse(path.read_text("utf-8"))):
            found.append(f"{path.relative_to(ROOT)}:{line}")
    assert found == []


def test_the_static_check_sees_gettext_in_a_module_or_class_body():
    source = (
        'A = {"x": _("X")}\n'
        'class F:\n    b = str(_l("B"))\n'
        'def f():\n    return _("fine")\n'
        'B = {"x": _l("fine")}\n'
    )
    assert _module_level_translations(ast.parse(source)) == [1, 3]


def test_import_pages_speak_the_language_of_each_request_after_a_restart(app, session):
    """Issue 10 #6: the first request after a restart was English; bokmål pages stayed English."""
    run = ImportRun(
        kind="organisations",
        filename="orgs.csv",
        status="reverted",
        summary={"read": 3, "created": 2, "updated": 1},
    )
    session.add(run)
    english = make_user(session, role="admin")
    english.locale = "en"
    bokmal = make_user(session, role="admin")
    bokmal.locale = "nb"
    session.commit()
    # A new app: its templates are compiled and imported for the first time, as after a restart.
    fresh = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    fresh.test_client_class = app.test_client_class
    # The run's kind, status and counts come from label tables; "in all" from a macro that
    # the list imports without context (a macro's body is run in each request's language).
    seen = {
        english: {"/imports/": ["Reverted", "1 in all"], f"/imports/{run.id}": ["Created"]},
        bokmal: {"/imports/": ["Angret", "1 totalt"], f"/imports/{run.id}": ["Opprettet"]},
    }
    for user, pages in seen.items():
        client = fresh.test_client()
        response = post_form(
            client, "/auth/login", {"email": user.email, "password": DEFAULT_PASSWORD}
        )
        assert response.status_code == 302
        for page, texts in pages.items():
            html = client.get(page).get_data(as_text=True)
            for text in texts:
                assert text in html, (user.locale, page, text)
    html = client.get(f"/imports/{run.id}").get_data(as_text=True)
    assert "Reverted" not in html
    assert "Angret" in html
    with fresh.app_context():
        db.engine.dispose()
