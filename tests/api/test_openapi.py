"""The OpenAPI description: valid 3.1, and a property-based run of schemathesis against it.

Schemathesis reads /api/v1/openapi.json and sends requests drawn from it, valid and invalid,
to every operation: no answer may be a server error or break the description (status codes,
content types, headers and bodies as described). Bounded for CI: few examples per operation,
derandomised (the same cases on every run), on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import contextvars
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import CHECKS
from schemathesis.specs.openapi.checks import positive_data_acceptance

from crm.establishments.services import seed_stages
from crm.network.services import seed_link_types
from tests.api.conftest import bearer
from tests.factories import (
    make_cluster,
    make_company,
    make_contact,
    make_meeting,
    make_membership,
    make_strategy,
    make_token,
    make_user,
)

EXAMPLES = 3


def test_the_description_is_openapi_3_1_and_names_every_operation(client):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"] == "3.1.0"
    operations = [
        (path, method) for path, methods in document["paths"].items() for method in methods
    ]
    assert ("/api/v1/organisations", "get") in operations
    assert ("/api/v1/people/{contact_id}", "patch") in operations
    patch = document["paths"]["/api/v1/organisations/{company_id}"]["patch"]
    assert {"412", "428", "422"} <= set(patch["responses"])
    listing = document["paths"]["/api/v1/meetings"]["get"]
    assert "text/csv" in listing["responses"]["200"]["content"]
    # Every $ref resolves (schemathesis below loads the document and would refuse it too).
    text = client.get("/api/v1/openapi.json").get_data(as_text=True)
    refs = set(re.findall(r'"\$ref": ?"#/components/schemas/([^"]+)"', text))
    assert "Problem" in refs
    assert refs <= set(document["components"]["schemas"]), refs - set(
        document["components"]["schemas"]
    )


@pytest.fixture
def fuzz_data(session):
    """A few records for the drawn ids to find, and an admin's write token."""
    user = make_user(session, role="admin")
    _token, text = make_token(session, user=user, scope="write")
    seed_stages(session)
    seed_link_types(session)
    company = make_company(session, name="Kjeller Innovasjon")
    make_membership(session, cluster=make_cluster(session), company=company)
    make_contact(session)
    meeting = make_meeting(session)
    meeting.strategies.append(make_strategy(session))
    session.commit()
    return bearer(text)


def test_schemathesis_finds_no_server_error_and_no_answer_off_the_description(
    app, session, fuzz_data, tmp_path
):
    app.config["NETWORK_CACHE_DIR"] = str(tmp_path)
    app.config["API_RATE_LIMIT"] = "100000/minute"
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    # Drawn bodies follow the schema's shape, not the domain's rules (a valid organisation
    # number, an existing place): a 422 for those is right, so "valid data is accepted" is
    # not asked; every other check is.
    checks = [check for check in CHECKS.get_all() if check is not positive_data_acceptance]
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case):
            # Each call in a fresh context, as a real request: its own app context and session.
            response = contextvars.Context().run(case.call, headers=fuzz_data)
            case.validate_response(response, checks=checks, headers=fuzz_data)

        try:
            run()
        except Exception as error:
            failures.append(f"{operation.label}: {error}")
    assert failures == [], "\n\n".join(failures)
