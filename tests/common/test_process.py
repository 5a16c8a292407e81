"""The serving process's garbage collector (crm.common.process), as wsgi.py sets it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from crm.common.process import YOUNG_THRESHOLD

ROOT = Path(__file__).resolve().parents[2]


def test_the_wsgi_entry_freezes_start_up_and_collects_young_objects_less_often(tmp_path):
    # gunicorn imports wsgi.py in each worker: what start-up made is frozen (left out of the
    # collector's passes) and the young generation is collected every YOUNG_THRESHOLD objects.
    probe = "import gc, wsgi; print(gc.get_freeze_count(), gc.get_threshold()[0])"
    env = {
        **os.environ,
        "CRM_ENV": "development",
        "SECRET_KEY": "x" * 40,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'probe.sqlite'}",
        "CRM_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    answer = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert answer.returncode == 0, answer.stderr
    frozen, young = (int(n) for n in answer.stdout.split()[-2:])
    assert frozen > 100_000  # the modules and the app, not a handful
    assert young == YOUNG_THRESHOLD
