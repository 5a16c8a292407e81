"""Every service and query module imports on its own, as scripts and benchmarks import them.

Each feature package registers its routes when imported, so an import cycle between two
features' queries shows only when a module is imported first, before the app: the suite's
own imports (create_app first) never see it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# One interpreter imports each module in turn after forgetting every module of ours: a cycle
# among our modules shows exactly as in a fresh interpreter, while Flask, SQLAlchemy and the
# rest stay loaded (forty fresh interpreters took two minutes on a busy machine).
WALK = """
import importlib, json, sys, traceback
failed = {}
for module in json.loads(sys.argv[1]):
    for name in [n for n in sys.modules if n.split(".")[0] in ("crm", "config", "wsgi")]:
        del sys.modules[name]
    try:
        importlib.import_module(module)
    except Exception:
        failed[module] = traceback.format_exc().strip().splitlines()[-1]
print(json.dumps(failed))
"""


def _modules() -> list[str]:
    paths = [*ROOT.glob("crm/*/services.py"), *ROOT.glob("crm/*/queries.py")]
    return sorted(".".join(p.relative_to(ROOT).with_suffix("").parts) for p in paths)


def test_every_service_and_query_module_imports_first():
    modules = _modules()
    assert len(modules) > 20, "the walk found too few modules: it is not looking"
    done = subprocess.run(
        [sys.executable, "-c", WALK, json.dumps(modules)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    failed = json.loads(done.stdout.strip().splitlines()[-1])
    assert failed == {}, "\n".join(f"{module}: {error}" for module, error in failed.items())
