"""One filter shape: each list and its export read the same filters and hold the same rows.

The test walks every field of every list's filter form (as its `*_filter_form` function builds
it, choices included), sets one value at a time and compares the list page with the export.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from wtforms import BooleanField, DateField, SelectField, StringField, SubmitField

from crm.common.dates import local_today
from crm.companies.filters import company_filter_form
from crm.contacts.filters import contact_filter_form
from crm.establishments import services as case_services
from crm.establishments.filters import case_filter_form
from crm.establishments.models import EstablishmentCase
from crm.extensions import db
from crm.meetings.filters import meeting_filter_form
from crm.meetings.forms import IdListField
from tests.factories import (
    make_affiliation,
    make_cluster,
    make_company,
    make_contact,
    make_meeting,
    make_membership,
    make_place,
    make_sector,
    make_strategy,
    make_user,
)

LISTS = {
    "companies": (company_filter_form, r'href="/companies/(\d+)"'),
    "contacts": (contact_filter_form, r'href="/contacts/(\d+)"'),
    "meetings": (meeting_filter_form, r'href="/meetings/(\d+)"'),
    "establishments": (
        lambda session, args: case_filter_form(session, args, today=local_today()),
        r'href="/establishments/(\d+)"',
    ),
}
# Fields that are not filters: the sort travels separately, the visible half of the
# organisation type-ahead is read together with its hidden id.
NOT_FILTERS = {"sort", "company"}


@pytest.fixture
def records(session):
    """Two of everything, so that every filter keeps some rows and drops others."""
    stages = case_services.seed_stages(session)
    strategy = make_strategy(session)
    adviser = make_user(session, name="Rådgiver")
    companies = []
    for n, kind in enumerate(("research", "company")):
        place = make_place(session, name=f"Sted {n}")
        company = make_company(
            session,
            name=f"Kjeller {n} AS",
            kind=kind,
            place=place,
            sectors=[make_sector(session)],
            register_status="bankrupt" if n else "active",
        )
        make_membership(session, cluster=make_cluster(session), company=company)
        person = make_contact(session, name=f"Person {n}")
        make_affiliation(session, contact=person, company=company)
        make_meeting(
            session,
            title=f"Møte {n}",
            kind="visit" if n else "meeting",
            companies=[company],
            contacts=[person],
            staff=[adviser] if n else [],
            strategies=[strategy] if n else [],
        )
        session.add(
            EstablishmentCase(
                company=company,
                kind="new" if n else "retention",
                stage=stages[n],
                adviser=adviser if n else None,
                wished_places=[place],
                next_follow_up_on=date(2020, 1, 1) if n else None,
            )
        )
        companies.append(company)
    session.commit()
    return companies


def _values(form, companies) -> list[tuple[str, str]]:
    """One valid, non-empty value for each filter field of the form."""
    values = []
    for field in form:
        if isinstance(field, SubmitField) or field.short_name in NOT_FILTERS:
            continue
        if isinstance(field, SelectField):
            value = next(c[0] for c in field.iter_choices() if c[0] not in ("", None))
        elif isinstance(field, BooleanField):
            value = "y"
        elif isinstance(field, DateField):
            value = (local_today() - timedelta(days=3)).isoformat()
        elif isinstance(field, IdListField) or field.short_name == "company_id":
            value = companies[1].id
        elif isinstance(field, StringField):
            value = "1"
        else:
            pytest.fail(f"no test value for the filter {field.short_name} ({type(field)})")
        values.append((field.short_name, str(value)))
    return values


@pytest.mark.parametrize("name", LISTS)
def test_list_and_export_hold_the_same_rows_for_every_filter(client, login, session, records, name):
    login(role="reader")
    filter_form, link = LISTS[name]
    form, _filters = filter_form(db.session, {})
    values = _values(form, records)
    assert values, name
    narrowed = 0
    everything = None
    for args in [{}, *({key: value} for key, value in values)]:
        query = "&".join(f"{key}={value}" for key, value in args.items())
        page = client.get(f"/{name}/?per_page=200&{query}").get_data(as_text=True)
        shown = {int(found) for found in re.findall(link, page)}
        export = client.get(f"/exports/{name}.csv?{query}").get_data().decode("utf-8-sig")
        exported = {int(row[0]) for row in list(csv.reader(io.StringIO(export)))[1:]}
        assert shown == exported, (name, args)
        if everything is None:
            everything = shown
        narrowed += shown < everything
    # The filters really filter (the comparison above is not between two empty lists).
    assert len(everything) == 2 and narrowed >= len(values) // 2, (name, narrowed)


def test_a_value_that_is_no_choice_filters_nothing_and_is_marked(client, login, session, records):
    login(role="reader", locale="en")
    huge = 10**30  # beyond any database integer: it must not reach the query
    # Nothing chosen is no error (the kind and status selects once marked every plain list).
    assert "Not a valid choice" not in client.get("/companies/").get_data(as_text=True)
    for args, message in (
        (f"cluster={huge}", "Invalid Choice"),
        ("kind=nonsense", "Not a valid choice"),
        (f"place={huge}", "Invalid Choice"),
    ):
        page = client.get(f"/companies/?{args}")
        assert page.status_code == 200
        assert page.get_data(as_text=True).count(message) == 1, args
        rows = client.get(f"/exports/companies.csv?{args}").get_data().decode("utf-8-sig")
        assert len(list(csv.reader(io.StringIO(rows)))) == 3  # the header and both
