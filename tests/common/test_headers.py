"""Security headers and cookie flags."""

from config import ProductionConfig, TestingConfig
from crm import create_app


def test_pages_carry_the_security_headers(client):
    response = client.get("/auth/login")
    headers = response.headers
    assert "object-src 'none'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "script-src" not in headers["Content-Security-Policy"]  # default-src 'self' only
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["Cache-Control"] == "no-store"


def test_pages_have_no_inline_script(client, login):
    login(role="admin")
    for path in ("/", "/users/", "/account/password", "/users/new"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>" not in html and "onclick=" not in html, path


def test_session_cookie_is_httponly_and_lax(client, login):
    login()
    cookie = client.get_cookie("session")
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_production_cookies_are_secure_and_host_prefixed(monkeypatch, app):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    prod = create_app(ProductionConfig)
    assert prod.config["SESSION_COOKIE_SECURE"] is True
    assert prod.config["SESSION_COOKIE_NAME"] == "__Host-session"
    response = prod.test_client().get("/auth/login")
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
    assert not TestingConfig.__dict__.get("SESSION_COOKIE_SECURE")
