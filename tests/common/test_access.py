"""Every route declares its access, and the guard holds for every rule in the url_map."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from werkzeug.routing import Rule

from crm.common.access import Access, view_access

PUBLIC_ENDPOINTS = {
    "auth.login",
    "auth.logout",
    "account.language",
    "health.healthz",
    "static",
    "calendar.feed",  # the secret token in the URL is the authentication
    "auth.invitation",  # the one-time token in the URL lets its user choose a password
    "auth.two_factor",  # the second step of signing in: the session says whose code is awaited
    "auth.provider_login",  # off to the municipality's sign-in
    "auth.provider_callback",  # its answer, checked against the state and nonce in the session
    "api.openapi",  # the API's description: no data in it
    "api.docs",  # the API's documentation page
}
# The API authenticates by personal token, never by the session: a signed-in browser gets 401
# there, and the role walk of the API is tests/api/test_access.py (same declarations).
API_PREFIX = "/api/"


def _sample_url(rule: Rule) -> str:
    """Fill every URL variable with a harmless value; the guard answers before the view runs."""

    def fill(match: re.Match) -> str:
        converter = match.group(1) or ""
        return "1" if converter.startswith(("int", "float")) else "x"

    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>", fill, rule.rule)


def _rules(app: Flask) -> list[Rule]:
    return sorted(app.url_map.iter_rules(), key=lambda r: r.rule)


def _methods(rule: Rule) -> list[str]:
    return sorted(m for m in rule.methods if m not in {"HEAD", "OPTIONS"})


def test_every_view_declares_its_access(app):
    undeclared = [rule.endpoint for rule in _rules(app) if view_access(app, rule.endpoint) is None]
    assert undeclared == [], f"views without an access declaration: {undeclared}"


def test_only_the_known_views_are_public(app):
    public = {r.endpoint for r in _rules(app) if view_access(app, r.endpoint) is Access.PUBLIC}
    assert public == PUBLIC_ENDPOINTS


def test_anonymous_users_are_sent_to_login_from_every_non_public_rule(app, client):
    checked = 0
    for rule in _rules(app):
        if view_access(app, rule.endpoint) is Access.PUBLIC:
            continue
        for method in _methods(rule):
            # No CSRF token on purpose: the sign-in check must come first, whatever the body.
            response = client.open(_sample_url(rule), method=method)
            if rule.rule.startswith(API_PREFIX):
                assert response.status_code == 401, (rule.rule, method, response.status_code)
                assert response.content_type == "application/problem+json"
                checked += 1
                continue
            if method == "POST" and response.status_code == 400:
                # CSRF runs before our guard; a POST without a token is refused either way.
                continue
            assert response.status_code == 302, (rule.rule, method, response.status_code)
            assert response.headers["Location"].startswith("/auth/login"), rule.rule
            checked += 1
    assert checked > 0


@pytest.mark.parametrize(
    "role,allowed", [("reader", {Access.READ}), ("editor", {Access.READ, Access.EDIT})]
)
def test_roles_reach_only_what_they_may(app, client, login, role, allowed):
    login(role=role)
    refused = 0
    for rule in _rules(app):
        access = view_access(app, rule.endpoint)
        if access in (Access.PUBLIC, *allowed) or rule.rule.startswith(API_PREFIX):
            continue
        for method in _methods(rule):
            response = client.open(_sample_url(rule), method=method, data={})
            if method == "POST" and response.status_code == 400:
                continue  # refused by CSRF before the guard
            assert response.status_code == 403, (role, rule.rule, method, response.status_code)
            refused += 1
    assert refused > 0


def test_reader_post_with_a_valid_token_is_refused_by_role(app, client, login):
    from tests.conftest import csrf_token

    login(role="reader")
    token = csrf_token(client, "/account/password")
    response = client.post(
        "/users/new", data={"csrf_token": token, "email": "x@y.no", "name": "X", "role": "admin"}
    )
    assert response.status_code == 403


def test_a_new_route_without_declaration_is_refused_and_caught(app, client, login):
    """Adding an undeclared route: the guard refuses it and the url_map test would name it."""
    from config import TestingConfig
    from crm import create_app

    other = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])

    @other.route("/forgotten")
    def forgotten():
        return "secret"

    assert view_access(other, "forgotten") is None
    assert other.test_client().get("/forgotten").status_code == 403
