"""What every resource module of the API shares: list parameters, pages, If-Match, saving."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Generic, Literal, TypeVar, get_args, get_origin

from flask import Response, request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from crm.api.paging import DEFAULT_LIMIT, MAX_LIMIT, Page, keyset_page
from crm.api.problems import ApiProblem
from crm.api.spec import json_response
from crm.common.errors import DomainError, StaleObjectError
from crm.contacts.restriction import reader_session
from crm.exports.downloads import CSV_TYPE
from crm.exports.spreadsheets import iter_csv
from crm.extensions import db

T = TypeVar("T")


class Strict(BaseModel):
    """Request bodies refuse fields they do not know (a typo is an error, not a no-op)."""

    model_config = ConfigDict(extra="forbid", str_max_length=100_000)


class ListQuery(BaseModel):
    """Paging shared by every list: a cursor from the previous page and a page size.

    `format=csv` gives every matching row at once as a flat CSV (for Excel and Power BI).
    """

    model_config = ConfigDict(extra="forbid")

    format: Literal["json", "csv"] = Field(
        default="json", description="`csv`: every matching row as one flat CSV file."
    )

    cursor: str | None = Field(
        default=None, max_length=1000, description="`next_cursor` of the previous page."
    )
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Rows per page.")


class Listing(BaseModel, Generic[T]):
    """One page of a list."""

    items: list[T]
    next_cursor: str | None = Field(description="Ask for the next page with this; null at the end.")
    total: int | None = Field(
        description="Rows matching the filters (first page only, when cheap to count)."
    )
    sort: str


def listing(page: Page, items: list[Any], model: type) -> Any:
    """A Listing response from a page and its serialised items."""
    return Listing[model](
        items=items, next_cursor=page.next_cursor, total=page.total, sort=page.sort
    )


def merged(record: Any, fields: tuple[str, ...], body: BaseModel) -> dict[str, Any]:
    """The record's current values of `fields`, with the ones the client sent (PATCH)."""
    values = {name: getattr(record, name) for name in fields}
    values.update(body.model_dump(exclude_unset=True))
    return values


def choices(values: Any) -> Any:
    """A Literal type of an enum's values (for OpenAPI's enum and for validation)."""
    from typing import Literal

    return Literal[tuple(member.value for member in values)]


def sort_keys(names: Any) -> Any:
    """A Literal type of the sort keys: each name ascending, and descending with `-`."""
    from typing import Literal

    return Literal[tuple(key for name in names for key in (name, f"-{name}"))]


def not_found(record: Any) -> Any:
    """The record, or a 404 problem."""
    if record is None:
        raise ApiProblem(404, "No such record.")
    return record


def if_match_version() -> int:
    """The version named by If-Match: 428 without one, 412 when it names no version."""
    header = request.headers.get("If-Match")
    if header is None or not header.strip():
        raise ApiProblem(
            428, "Send If-Match with the ETag of the version you read.", kind="if-match"
        )
    text = header.strip()
    if text.startswith("W/"):
        text = text[2:]
    text = text.strip('"')
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        raise ApiProblem(412, "If-Match names no version of this record.", kind="stale")
    return int(text)


def check_version(record: Any, version: int) -> None:
    """412 when the record is no longer at `version` (for services that take no version)."""
    if record.version != version:
        raise ApiProblem(412, "The record changed since you read it.", kind="stale")


@contextmanager
def committing() -> Iterator[None]:
    """Run services and commit once; a refusal rolls everything back and becomes a problem."""
    try:
        yield
        db.session.commit()
    except (StaleObjectError, StaleDataError):
        db.session.rollback()
        raise ApiProblem(
            412, "The record changed since you read it: read it again, then retry.", kind="stale"
        ) from None
    except DomainError as error:
        db.session.rollback()
        status = 409 if "Duplicate" in type(error).__name__ else 422
        raise ApiProblem(
            status,
            str(error.message),
            errors=[{"field": error.field or "body", "message": str(error.message)}],
        ) from None
    except IntegrityError:
        db.session.rollback()
        raise ApiProblem(409, "The change conflicts with another record.") from None
    except ApiProblem:
        db.session.rollback()
        raise


CSV_BATCH = 1000


def _nested(annotation: Any) -> bool:
    """Whether a field holds objects (a list of them or a dict): left out of a flat CSV."""
    if get_origin(annotation) is list:
        (inner,) = get_args(annotation) or (Any,)
        return (isinstance(inner, type) and issubclass(inner, BaseModel)) or inner is dict
    return get_origin(annotation) is dict or (
        isinstance(annotation, type) and issubclass(annotation, BaseModel | dict)
    )


def flat_columns(model: type[BaseModel]) -> list[str]:
    """The columns of a model's flat CSV: every field that is not a list of objects."""
    return [name for name, info in model.model_fields.items() if not _nested(info.annotation)]


def _flat(value: Any) -> Any:
    if isinstance(value, list):
        return ";".join(str(item) for item in value)
    return value


def list_response(
    query: ListQuery,
    select_: Any,
    *,
    id_column: Any,
    sorts: dict,
    item: Any,
    model: type[BaseModel],
    filename: str,
    on_rows: Any = None,
) -> Response:
    """A list answered as one JSON page (keyset), or, with format=csv, every row as a CSV.

    The CSV goes through crm.exports' writer (formulas neutralised) and is read from the
    database a thousand rows at a time while it streams. `on_rows(count, how)` is told how many
    rows were read (people are personal data: the access log).
    """
    if query.format == "csv":
        return _csv_response(select_, id_column, sorts, query.sort, item, model, filename, on_rows)
    page = keyset_page(
        db.session,
        select_,
        id_column=id_column,
        sorts=sorts,
        sort=query.sort,
        cursor=query.cursor,
        limit=query.limit,
    )
    items = [item(row) for row in page.rows]
    if on_rows is not None and items:
        on_rows(len(items), "API list")
    return json_response(listing(page, items, model))


def _csv_response(select_, id_column, sorts, sort, item, model, filename, on_rows) -> Response:
    columns = flat_columns(model)
    if on_rows is not None:
        from sqlalchemy import func, select

        total = db.session.scalar(
            select(func.count()).select_from(select_.with_only_columns(id_column).subquery())
        )
        if total:
            on_rows(int(total), "API CSV")

    # A session of its own, as crm.exports does: the rows are read while the response streams,
    # after the request's session is gone; made now, so it reads for this request's token user.
    reader = reader_session(db.engine)

    def rows():
        with reader as session:
            yield from _csv_rows(session, select_, id_column, sorts, sort, item, columns)

    response = Response(iter_csv(columns, rows()), content_type=CSV_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def _csv_rows(session, select_, id_column, sorts, sort, item, columns):
    cursor = None
    while True:
        page = keyset_page(
            session,
            select_,
            id_column=id_column,
            sorts=sorts,
            sort=sort,
            cursor=cursor,
            limit=CSV_BATCH,
            count=False,
        )
        for row in page.rows:
            data = item(row).model_dump(mode="json")
            yield [_flat(data[name]) for name in columns]
        session.expunge_all()
        if page.next_cursor is None:
            return
        cursor = page.next_cursor
