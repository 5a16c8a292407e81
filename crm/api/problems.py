"""Errors as application/problem+json (RFC 9457): one shape for every refusal of the API."""

from __future__ import annotations

from typing import Any

from flask import Response, json
from pydantic import BaseModel, Field
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

PROBLEM_TYPE = "application/problem+json"
# Problem types are documented on the docs page; "about:blank" means "as the status says".
TYPE_BASE = "/api/v1/docs#problem-"


class FieldProblem(BaseModel):
    """One field that was refused, and why."""

    field: str = Field(description="The field, as a dotted path into the body or query.")
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem detail."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldProblem] | None = Field(
        default=None, description="Field by field, for validation errors (422, 400)."
    )


class ApiProblem(Exception):
    """Raised inside an API view: answered as a problem+json response."""

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        *,
        kind: str | None = None,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or HTTP_STATUS_CODES.get(status, ""))
        self.status = status
        self.detail = detail
        self.kind = kind
        self.errors = errors
        self.headers = headers or {}


def problem_response(
    status: int,
    detail: str | None = None,
    *,
    kind: str | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A problem+json response for `status`."""
    body: dict[str, Any] = {
        "type": f"{TYPE_BASE}{kind}" if kind else "about:blank",
        "title": HTTP_STATUS_CODES.get(status, "Error"),
        "status": status,
    }
    if detail:
        body["detail"] = str(detail)
    if errors is not None:
        body["errors"] = [{"field": e["field"], "message": str(e["message"])} for e in errors]
    response = Response(json.dumps(body), status=status, content_type=PROBLEM_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def from_exception(error: ApiProblem) -> Response:
    """The response for a raised ApiProblem."""
    return problem_response(
        error.status, error.detail, kind=error.kind, errors=error.errors, headers=error.headers
    )


def from_http_exception(error: HTTPException) -> Response:
    """Werkzeug's 404, 405, 413, 429 … as problems, keeping their headers (Allow, Retry-After)."""
    code = error.code or 500
    headers = {}
    if error.response is not None:
        headers = {k: v for k, v in error.response.headers.items() if k in ("Retry-After",)}
    if code == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    detail = None if code == 404 else (error.description if code != 429 else None)
    if code == 429:
        detail = "Too many requests with this token. Wait and try again."
    return problem_response(code, detail, headers=headers)
