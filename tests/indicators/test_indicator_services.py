"""The strategy's external indicators: rules, and the series the indicators report draws."""

from __future__ import annotations

import pytest

from crm.common.errors import DomainError
from crm.indicators import queries, services
from crm.indicators.models import Indicator


def test_the_series_has_every_indicator_oldest_year_first(session):
    services.record_value(session, indicator="jobs", year=2021, value=41_000, source="SSB")
    services.record_value(session, indicator="jobs", year=2020, value=40_000, source="SSB")
    services.record_value(
        session, indicator="value_per_employee", year=2020, value=650_000, national_value=692_000
    )
    series = queries.indicator_series(session)
    assert list(series) == [i.value for i in Indicator]
    assert [(p.year, p.value) for p in series["jobs"]] == [(2020, 40_000), (2021, 41_000)]
    assert series["value_per_employee"][0].national_value == 692_000
    assert series["nho_rank"] == []


def test_one_value_per_indicator_and_year_and_sane_numbers(session):
    services.record_value(session, indicator="jobs", year=2020, value=40_000)
    with pytest.raises(DomainError) as error:
        services.record_value(session, indicator="jobs", year=2020, value=1)
    assert error.value.field == "year"
    with pytest.raises(DomainError) as error:
        services.record_value(session, indicator="jobs", year=10_000, value=1)
    assert error.value.field == "year"
    with pytest.raises(DomainError) as error:
        services.record_value(session, indicator="jobs", year=2021, value=-5)
    assert error.value.field == "value"
    with pytest.raises(DomainError) as error:
        services.record_value(session, indicator="purchasing_share", year=2021, value=140)
    assert error.value.field == "value"
    with pytest.raises(DomainError) as error:
        services.record_value(session, indicator="happiness", year=2021, value=1)
    assert error.value.field == "indicator"
