"""Who may call the API: a usable token, its scope, its user's role, and a rate per token."""

from __future__ import annotations

import hashlib

from flask import Blueprint, current_app, g, request
from flask_limiter.util import get_remote_address

from crm.api import services
from crm.api.models import ApiToken, TokenScope
from crm.api.problems import ApiProblem, from_exception
from crm.api.spec import WRITE_METHODS
from crm.common.access import Access, role_allows
from crm.extensions import db, limiter

DEFAULT_RATE_LIMIT = "600/minute;20000/hour"


def token_text() -> str | None:
    """The token the request carries: `Authorization: Bearer …` or `X-API-Token: …`."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.headers.get("X-API-Token", "").strip() or None


def rate_key() -> str:
    """What the rate limit counts: the token (each token its own count), else the address."""
    text = token_text()
    if text:
        return "api-token:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
    return "api-address:" + get_remote_address()


def _rate() -> str:
    return current_app.config.get("API_RATE_LIMIT", DEFAULT_RATE_LIMIT)


def limit(bp: Blueprint) -> None:
    """Count every API request against its token (RATELIMIT_STORAGE_URI: Redis when shared)."""
    limiter.limit(_rate, key_func=rate_key)(bp)


def current_token() -> ApiToken | None:
    """The token this API request was authenticated with."""
    return g.get("api_token")


def check_token(access: Access):
    """Authenticate by token, then check scope and role; a problem response when refused."""
    token = services.authenticate(db.session, token_text())
    if token is None:
        db.session.rollback()
        return from_exception(
            ApiProblem(
                401,
                "Send a valid personal API token as `Authorization: Bearer …`.",
                headers={"WWW-Authenticate": 'Bearer realm="koblingsboks"'},
            )
        )
    # Flask-Login's current_user is this request's token user, for everything downstream:
    # services stamp their records, the change log names them, the restriction reads for
    # them (and a streamed CSV too, through restriction.reader_session). Not login_user():
    # that would write the session cookie, which the API never reads.
    g._login_user = token.user
    g.api_token = token
    if request.method in WRITE_METHODS and token.scope != TokenScope.WRITE:
        return from_exception(ApiProblem(403, "This token may only read."))
    if not role_allows(token.user.role, access):
        return from_exception(ApiProblem(403, "Your role does not allow this."))
    services.touch_token(db.session, token)
    db.session.commit()
    return None
