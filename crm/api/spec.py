"""One declaration per API operation: its URL, the web view it mirrors, and its schemas.

`operation(...)` registers a view on the API blueprint and keeps what OpenAPI needs. The same
Pydantic models validate each request (query string and JSON body) and describe it in the
OpenAPI 3.1 document (`openapi_document`), so the description cannot drift from the checks.
Pydantic emits JSON Schema 2020-12, which is OpenAPI 3.1's schema dialect as it is.

The access an operation needs is the access of the web view it mirrors (`mirrors`), read from
that view's declaration when the blueprint is registered: no second set of rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Blueprint, Flask, Response, current_app, json, request
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema

from crm.api.problems import PROBLEM_TYPE, ApiProblem, Problem
from crm.common.access import ACCESS_ATTRIBUTE, Access, view_access
from crm.common.converters import MAX_ID
from crm.exports.downloads import CSV_MEDIA_TYPE

JSON_TYPE = "application/json"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_RULE_VARIABLE = re.compile(r"<(?:[a-z]+:)?(\w+)>")

# The problems any operation may answer, and the ones its kind adds.
COMMON_PROBLEMS = {
    400: "The request could not be read (a bad cursor, JSON that does not parse).",
    401: "No token, or the token is unknown, expired or revoked, or its user is deactivated.",
    403: "The token's scope or its user's role does not allow this.",
    422: "A query parameter or field was refused; `errors` lists each one and why.",
    429: "Too many requests with this token; see Retry-After.",
}
WRITE_PROBLEMS = {
    409: "The change conflicts with another record (e.g. the organisation number is taken).",
    413: "The body is too large.",
    415: "The body is not application/json.",
}
VERSIONED_PROBLEMS = {
    412: "The record changed since the version in If-Match: read it again, then retry.",
    428: "If-Match is required: send the ETag of the version you read.",
}


@dataclass
class Operation:
    """One API operation, as OpenAPI describes it."""

    endpoint: str
    rule: str
    method: str
    mirrors: str
    summary: str
    tag: str
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    versioned: bool = False
    etag: bool = False
    csv: bool = False
    not_found: bool = False
    extra: dict[int, str] = field(default_factory=dict)


OPERATIONS: list[Operation] = []


def _field_path(location: tuple) -> str:
    return ".".join(str(part) for part in location) or "body"


def validation_problem(error: ValidationError, *, where: str) -> ApiProblem:
    """A 422 naming each refused field."""
    errors = [
        {"field": _field_path(item["loc"]), "message": item["msg"]}
        for item in error.errors(include_url=False)
    ]
    return ApiProblem(422, f"The {where} has fields that were refused.", errors=errors)


def _query_values(model: type[BaseModel]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in request.args:
        if name not in model.model_fields:
            raise ApiProblem(
                400,
                f"Unknown query parameter {name!r}.",
                errors=[{"field": name, "message": "not a parameter of this operation"}],
            )
        values[name] = request.args.get(name)
    return values


def _body_values() -> Any:
    mimetype = request.mimetype
    if mimetype != JSON_TYPE and not mimetype.endswith("+json"):
        raise ApiProblem(415, "Send the body as application/json.")
    raw = request.get_data(cache=True)
    try:
        value = json.loads(raw or b"null")
    except ValueError as error:
        raise ApiProblem(400, f"The body is not valid JSON: {error}.") from None
    bad = _bad_text(value, "")
    if bad is not None:
        raise ApiProblem(
            422,
            "Text may not hold NUL or unpaired surrogate characters.",
            errors=[{"field": bad or "body", "message": "not storable text"}],
        )
    return value


def _bad_text(value: Any, path: str) -> str | None:
    """The path of the first string no database can store (NUL, lone surrogates), if any."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path
        return path if "\x00" in value else None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        bad = _bad_text(key, path) if isinstance(key, str) else None
        bad = bad if bad is not None else _bad_text(item, f"{path}.{key}".lstrip("."))
        if bad is not None:
            return bad
    return None


def operation(
    bp: Blueprint,
    rule: str,
    method: str,
    *,
    mirrors: str,
    summary: str,
    tag: str,
    query: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    versioned: bool = False,
    etag: bool = False,
    csv: bool = False,
    extra: dict[int, str] | None = None,
) -> Callable:
    """Register the decorated function as an API view; it gets `query` and `body` as models."""

    def decorator(view: Callable) -> Callable:
        endpoint = view.__name__

        @wraps(view)
        def wrapper(**path: Any):
            kwargs: dict[str, Any] = dict(path)
            if query is not None:
                try:
                    kwargs["query"] = query.model_validate(_query_values(query))
                except ValidationError as error:
                    raise validation_problem(error, where="query") from None
            elif request.args and not csv:
                raise ApiProblem(400, "This operation takes no query parameters.")
            if body is not None:
                try:
                    kwargs["body"] = body.model_validate(_body_values())
                except ValidationError as error:
                    raise validation_problem(error, where="body") from None
            return view(**kwargs)

        bp.add_url_rule(rule, endpoint=endpoint, view_func=wrapper, methods=[method])
        OPERATIONS.append(
            Operation(
                endpoint=f"{bp.name}.{endpoint}",
                rule=bp.url_prefix + rule,
                method=method,
                mirrors=mirrors,
                summary=summary,
                tag=tag,
                query=query,
                body=body,
                response=response,
                status=status,
                versioned=versioned,
                etag=etag,
                csv=csv or (query is not None and "format" in query.model_fields),
                not_found="<" in rule,
                extra=extra or {},
            )
        )
        return wrapper

    return decorator


def declare_access(app: Flask) -> None:
    """Give every API view the access of the web view it mirrors (at blueprint registration)."""
    for op in OPERATIONS:
        access = view_access(app, op.mirrors)
        if access is None:
            raise RuntimeError(f"{op.endpoint} mirrors {op.mirrors}, which declares no access")
        view = app.view_functions[op.endpoint]
        setattr(view, ACCESS_ATTRIBUTE, access)


def operation_for(endpoint: str | None) -> Operation | None:
    """The declaration behind an API endpoint."""
    for op in OPERATIONS:
        if op.endpoint == endpoint:
            return op
    return None


def json_response(model: BaseModel | dict, status: int = 200, *, etag: int | None = None):
    """A JSON response from a response model; with the record's version as its ETag."""
    data = model.model_dump(mode="json") if isinstance(model, BaseModel) else model
    response = Response(json.dumps(data), status=status, content_type=JSON_TYPE)
    if etag is not None:
        response.headers["ETag"] = f'"{etag}"'
    return response


# --- the OpenAPI document ---------------------------------------------------------------------


def _problem_responses(codes: dict[int, str]) -> dict[str, Any]:
    return {
        str(code): {
            "description": text,
            "content": {PROBLEM_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for code, text in sorted(codes.items())
    }


def _openapi_path(rule: str) -> str:
    return _RULE_VARIABLE.sub(r"{\1}", rule)


def openapi_document(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3.1 description of every operation, from the models that validate them."""
    models: list[tuple[type[BaseModel], str]] = [(Problem, "serialization")]
    for op in OPERATIONS:
        if op.body is not None:
            models.append((op.body, "validation"))
        if op.response is not None:
            models.append((op.response, "serialization"))
    refs, top = models_json_schema(models, ref_template="#/components/schemas/{model}")
    schemas = dict(top.get("$defs", {}))

    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        access = view_access(app, op.endpoint)
        parameters: list[dict[str, Any]] = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
            }
            for name in _RULE_VARIABLE.findall(op.rule)
        ]
        if op.query is not None:
            query_schema = op.query.model_json_schema(
                ref_template="#/components/schemas/{model}", mode="validation"
            )
            schemas.update(query_schema.pop("$defs", {}))
            required = set(query_schema.get("required", []))
            for name, prop in query_schema.get("properties", {}).items():
                description = prop.pop("description", None)
                param = {"name": name, "in": "query", "required": name in required, "schema": prop}
                if description:
                    param["description"] = description
                parameters.append(param)
        if op.versioned:
            parameters.append(
                {
                    "name": "If-Match",
                    "in": "header",
                    "required": False,
                    "description": "The ETag of the version you read; required (else 428).",
                    "schema": {"type": "string", "maxLength": 100},
                }
            )
        problems = dict(COMMON_PROBLEMS)
        if op.method in WRITE_METHODS:
            problems.update(WRITE_PROBLEMS)
        if op.versioned:
            problems.update(VERSIONED_PROBLEMS)
        if op.not_found:
            problems[404] = "No such record."
        problems.update(op.extra)
        success: dict[str, Any] = {"description": "OK" if op.status != 201 else "Created"}
        if op.status == 204:
            success = {"description": "Done; nothing to return."}
        elif op.csv:
            success["content"] = {
                JSON_TYPE: {"schema": refs[(op.response, "serialization")]},
                CSV_MEDIA_TYPE: {"schema": {"type": "string"}},
            }
        elif op.response is not None:
            success["content"] = {JSON_TYPE: {"schema": refs[(op.response, "serialization")]}}
        if op.etag and op.status != 204:
            success["headers"] = {
                "ETag": {"description": "The record's version.", "schema": {"type": "string"}}
            }
        spec: dict[str, Any] = {
            "operationId": op.endpoint.split(".", 1)[1],
            "summary": op.summary,
            "tags": [op.tag],
            "description": f"Needs a token whose user may {access.value if access else '?'} "
            f"(as the web page `{op.mirrors}`).",
            "parameters": parameters,
            "responses": {str(op.status): success, **_problem_responses(problems)},
        }
        if op.body is not None:
            spec["requestBody"] = {
                "required": True,
                "content": {JSON_TYPE: {"schema": refs[(op.body, "validation")]}},
            }
        paths.setdefault(_openapi_path(op.rule), {})[op.method.lower()] = spec

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Koblingsboks API",
            "version": "1",
            "description": "Organisations, people, clusters, meetings, tasks, establishment "
            "cases, warnings, links, strategies and the collaboration network. Send a personal "
            "token as `Authorization: Bearer kb_…` (create one under Account → API tokens).",
        },
        "security": [{"token": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
        },
    }


def access_of(endpoint: str) -> Access | None:
    """The access declared on an API endpoint (after registration)."""
    return view_access(current_app, endpoint)
