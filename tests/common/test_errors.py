"""Error pages are in the layout and never show a stack trace."""

import pytest


def test_404_is_a_page_in_the_layout(client, login):
    login()
    response = client.get("/no/such/page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "<h1>" in html and "Koblingsboks" in html


def test_500_shows_no_stack_trace(app, session):
    from config import TestingConfig
    from crm import create_app
    from crm.common.access import public

    other = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        PROPAGATE_EXCEPTIONS=False,
    )

    @other.route("/boom-test")
    @public
    def boom():
        raise RuntimeError("secret internals")

    response = other.test_client().get("/boom-test")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "secret internals" not in html and "Traceback" not in html
    assert "<h1>" in html


@pytest.mark.parametrize("path", ["/auth/login"])
def test_upload_over_the_limit_is_413(client, path):
    response = client.post(path, data={"email": "x" * (11 * 1024 * 1024)})
    assert response.status_code == 413


def test_only_the_health_check_answers_errors_in_json(client, login):
    login()
    # There is no JSON API: a page under /api/ is a missing page like any other.
    page = client.get("/api/companies")
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert client.post("/healthz").mimetype == "application/json"
