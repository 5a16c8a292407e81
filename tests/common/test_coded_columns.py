"""Every coded column (kind, status, role, …) keeps to its enum's values, in the database too.

The walk finds the coded columns by name and by default value, so a new one cannot be added
without its CHECK; the database tests run on the migrated schema, so the models' CHECKs and the
migrations' must agree.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable
from datetime import date
from enum import StrEnum

import pytest
import sqlalchemy as sa

import crm
from crm import models  # noqa: F401  (every table in the metadata)
from crm.companies.models import RegisterPoint
from crm.contacts.models import ContactAccess
from crm.establishments.models import EstablishmentCase, Stage, WarningFlag
from crm.extensions import db
from crm.imports.models import ImportChange, ImportRun, ImportUpload
from crm.lists.models import SavedFilter
from tests.factories import (
    make_cluster,
    make_company,
    make_indicator_value,
    make_measure,
    make_meeting,
    make_membership,
    make_user,
)

# The last word of a column that stores a code from a fixed set.
CODED_NAME = re.compile(
    r"(^|_)(kind|status|role|severity|outcome|action|level|type|reason|standard)$"
)


def _model_enums() -> list[type[StrEnum]]:
    """The enums declared in the features' models modules (and the user role)."""
    from crm.common.access import Role

    found = {Role}
    for module_info in pkgutil.walk_packages(crm.__path__, "crm."):
        if not module_info.name.endswith(".models"):
            continue
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            declared_here = getattr(value, "__module__", None) == module.__name__
            if declared_here and isinstance(value, type) and issubclass(value, StrEnum):
                found.add(value)
    return sorted(found, key=lambda enum: enum.__qualname__)


def _enum_checks() -> list[tuple[sa.Table, sa.CheckConstraint]]:
    return [
        (table, constraint)
        for table in db.metadata.sorted_tables
        for constraint in table.constraints
        if isinstance(constraint, sa.CheckConstraint) and "enum" in constraint.info
    ]


def _is_coded(column: sa.Column, enum_values: set[str]) -> bool:
    if not isinstance(column.type, sa.String) or isinstance(column.type, sa.Text):
        return False
    default = column.default.arg if column.default is not None else None
    return bool(CODED_NAME.search(column.name)) or (
        isinstance(default, str) and default in enum_values
    )


def test_every_coded_column_has_a_check_built_from_its_enum():
    enum_values = {member.value for enum in _model_enums() for member in enum}
    checked = {
        (table.name, constraint.info["column"]): constraint.info["enum"]
        for table, constraint in _enum_checks()
    }
    missing, wrong_default = [], []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if not _is_coded(column, enum_values):
                continue
            enum = checked.get((table.name, column.name))
            if enum is None:
                missing.append(f"{table.name}.{column.name}")
            elif column.default is not None and column.default.arg not in set(enum):
                wrong_default.append(f"{table.name}.{column.name}")
    assert missing == [], "coded columns without enum_check() in __table_args__"
    assert wrong_default == [], "defaults outside their CHECK"


def test_every_enum_of_the_models_guards_a_column():
    used = {constraint.info["enum"] for _table, constraint in _enum_checks()}
    unused = [enum.__qualname__ for enum in _model_enums() if enum not in used]
    assert unused == [], "an enum of a models module stored in a column without its CHECK"


def test_the_database_has_exactly_the_checks_the_models_declare(session):
    inspector = sa.inspect(session.connection())
    for table in db.metadata.sorted_tables:
        declared = {
            c.name for c in table.constraints if isinstance(c, sa.CheckConstraint) and c.name
        }
        # Boolean columns get unnamed CHECKs of their own on some databases; only ours count.
        found = {c["name"] for c in inspector.get_check_constraints(table.name) if c["name"]}
        assert found == declared, table.name


def _stage(session) -> Stage:
    stage = Stage(key="first_contact", name="Første kontakt", position=1)
    session.add(stage)
    session.flush()
    return stage


def _case(session) -> EstablishmentCase:
    case = EstablishmentCase(company=make_company(session), stage=_stage(session))
    session.add(case)
    session.flush()
    return case


def _flag(session) -> WarningFlag:
    flag = WarningFlag(company=make_company(session))
    session.add(flag)
    session.flush()
    return flag


def _import_run(session) -> ImportRun:
    run = ImportRun(kind="brreg", filename="enheter.json.gz")
    session.add(run)
    session.flush()
    return run


def _import_change(session) -> ImportChange:
    change = ImportChange(
        run=_import_run(session), table_name="companies", record_id=1, action="created"
    )
    session.add(change)
    session.flush()
    return change


def _upload(session) -> ImportUpload:
    upload = ImportUpload(
        token="t" * 32,
        user_id=make_user(session).id,
        kind="organisations",
        filename="liste.csv",
        file_format="csv",
        encoding="utf-8",
        header=["Navn"],
        row_count=0,
        samples=[],
    )
    session.add(upload)
    session.flush()
    return upload


def _access(session) -> ContactAccess:
    entry = ContactAccess(contact_id=1, action="viewed")
    session.add(entry)
    session.flush()
    return entry


def _saved_filter(session) -> SavedFilter:
    entry = SavedFilter(owner_id=make_user(session).id, list_name="companies", query="q=x")
    session.add(entry)
    session.flush()
    return entry


# One valid row per table with a coded column; the test below says which table lacks one.
def _register_point(session) -> RegisterPoint:
    point = RegisterPoint(company=make_company(session), observed_on=date(2024, 1, 1))
    session.add(point)
    session.flush()
    return point


ROWS: dict[str, Callable] = {
    "register_points": _register_point,
    "users": make_user,
    "companies": make_company,
    "clusters": make_cluster,
    "memberships": make_membership,
    "meetings": make_meeting,
    "establishment_stages": _stage,
    "establishment_cases": _case,
    "warning_flags": _flag,
    "import_runs": _import_run,
    "import_changes": _import_change,
    "import_uploads": _upload,
    "contact_access_log": _access,
    "saved_filters": _saved_filter,
    "measures": make_measure,
    "indicator_values": make_indicator_value,
}


@pytest.mark.parametrize(
    "table,constraint",
    _enum_checks(),
    ids=[f"{table.name}.{constraint.info['column']}" for table, constraint in _enum_checks()],
)
def test_the_database_takes_every_value_of_the_enum_and_refuses_any_other(
    session, table, constraint
):
    assert table.name in ROWS, f"add a row builder for {table.name} to ROWS"
    row_id = ROWS[table.name](session).id
    column = table.c[constraint.info["column"]]

    def store(value: str) -> None:
        session.execute(sa.update(table).where(table.c.id == row_id).values({column: value}))

    for member in constraint.info["enum"]:
        store(member.value)
    assert session.execute(sa.select(column).where(table.c.id == row_id)).scalar() == member
    with pytest.raises(sa.exc.IntegrityError, match=constraint.name):
        store("not_a_code")
    session.rollback()
