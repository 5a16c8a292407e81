"""Every service and query module imports on its own, as scripts and benchmarks import them.

Each feature package registers its routes when imported, so an import cycle between two
features' queries shows only when a module is imported first, before the app: the suite's
own imports (create_app first) never see it.
"""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _modules() -> list[str]:
    paths = [*ROOT.glob("crm/*/services.py"), *ROOT.glob("crm/*/queries.py")]
    return sorted(".".join(p.relative_to(ROOT).with_suffix("").parts) for p in paths)


def _import_alone(module: str) -> tuple[str, int, str]:
    done = subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return module, done.returncode, done.stderr


def test_every_service_and_query_module_imports_first():
    modules = _modules()
    assert len(modules) > 20, "the walk found too few modules: it is not looking"
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(_import_alone, modules))
    failed = [
        f"{module}: {error.strip().splitlines()[-1]}" for module, code, error in results if code
    ]
    assert failed == [], "\n".join(failed)
