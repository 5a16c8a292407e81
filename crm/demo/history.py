"""Synthetic register history: yearly points leading up to an organisation's values today."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from crm.companies.models import history_values

# How many yearly register imports the synthetic history spans.
HISTORY_YEARS = 5


def register_history_rows(
    rng: random.Random, company: dict[str, Any], today: date, years: int = HISTORY_YEARS
) -> list[dict[str, Any]]:
    """Yearly register points leading up to the company's values today, changes only.

    The employees drift back in time by up to a fifth a year; a point is kept only when the
    number differs from the year before, as an import would keep it.
    """
    facts = history_values(company)
    now = facts["employees"]
    counts = [now]
    for _ in range(years - 1):
        before = counts[-1]
        counts.append(None if before is None else max(0, round(before * rng.uniform(0.8, 1.1))))
    counts.reverse()
    rows: list[dict[str, Any]] = []
    last: object = object()
    for offset, employees in enumerate(counts):
        if employees == last:
            continue
        last = employees
        rows.append(
            {
                **facts,
                "employees": employees,
                "company_id": company["id"],
                "run_id": None,
                "observed_on": date(today.year - (years - 1) + offset, 1, 10),
            }
        )
    return rows
