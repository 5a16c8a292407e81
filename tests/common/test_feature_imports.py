"""No feature reaches into another feature's forms or routes.

A feature's forms and routes are its web face; what other features may use is its models,
labels, queries and services. When one feature imports another's forms, a change to one
screen breaks another, and the packages' route registration turns such imports into cycles.
The walk reads every module under crm/ with ast, so a new module is checked without a list.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRIVATE = {"forms", "routes"}

# Known and temporary, each with its reason; the test fails when one is no longer needed.
ALLOWED: dict[tuple[str, str], str] = {}


def _feature_imports() -> tuple[set[tuple[str, str]], int]:
    found = set()
    paths = list((ROOT / "crm").glob("*/**/*.py"))
    for path in paths:
        feature = path.relative_to(ROOT / "crm").parts[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                parts = name.split(".")
                foreign = (
                    parts[0] == "crm" and len(parts) > 1 and parts[1] not in (feature, "common")
                )
                if foreign and len(parts) >= 3 and parts[2] in PRIVATE:
                    found.add((str(path.relative_to(ROOT)), ".".join(parts[:3])))
    return found, len(paths)


def test_no_feature_imports_another_features_forms_or_routes():
    found, read = _feature_imports()
    assert read > 100, "the walk read too few modules: it is not looking"
    assert not found - ALLOWED.keys(), sorted(found - ALLOWED.keys())
    assert not ALLOWED.keys() - found, f"no longer needed, remove: {ALLOWED.keys() - found}"
