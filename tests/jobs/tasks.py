"""Job functions for the tests: module-level, JSON-safe arguments, their own app context."""

from __future__ import annotations

from flask import current_app

from crm import jobs

# What the jobs did, in this process (the in-process backend and RQ's SimpleWorker both run
# them here).
DONE: list[tuple] = []


def record(label: str, number: int) -> None:
    """Note that the job ran, with its arguments and the app it ran in."""
    with jobs.app_context() as app:
        DONE.append((label, number, app is current_app._get_current_object()))


def fail(label: str) -> None:
    """A job that fails."""
    raise RuntimeError(f"job {label} failed on purpose")
