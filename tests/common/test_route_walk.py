"""No GET route answers 500, whatever its path and query string hold.

The walk takes every GET rule of the url_map, signed in as an admin, with real ids in the path
(so the view runs past its lookup), and sends hostile values: numbers beyond any integer column,
negative numbers, dates outside the calendar, 100,000-character strings, odd Unicode and NUL
bytes, in the path and in every query parameter the application reads (collected from the
filter forms and from `request.args` in the code, so a new parameter is walked too).

Each rule gets the fixed hostile values first, in every parameter it reads at once (a first
request with every parameter set notes which ones the view reads), then Hypothesis draws
mixtures. The "ci" profile (the default) is derandomised with a few examples per rule, so
`make test` stays quick and repeatable; `HYPOTHESIS_PROFILE=thorough` explores far more.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import ClassVar
from urllib.parse import quote

import pytest
from flask import Flask
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.routing import Rule
from wtforms.fields.core import UnboundField

from crm.auth.models import User
from crm.auth.services import create_invitation
from crm.calendar.services import renew_feed_token
from crm.clusters.models import Membership
from crm.common.converters import TextParameters
from crm.companies.models import Company, Place, Sector
from crm.contacts.models import Affiliation
from crm.demo.seed import seed_demo
from crm.establishments.models import EstablishmentCase, Stage, WarningFlag
from crm.establishments.services import raise_flag, seed_stages
from crm.extensions import db, limiter
from crm.imports.models import ImportRun
from crm.indicators.models import IndicatorValue
from crm.lists.models import SavedFilter
from crm.meetings.models import Meeting
from crm.network.models import CollaborationLink, LinkType
from crm.network.services import seed_link_types
from crm.plans.models import ActionPlan, Measure
from crm.strategy.models import FocusArea, Strategy
from crm.tasks.models import Task
from tests.conftest import csrf_token, post_form
from tests.factories import DEFAULT_PASSWORD, make_user

settings.register_profile(
    "ci",
    max_examples=4,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough",
    max_examples=150,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

CRM = Path(__file__).resolve().parents[2] / "crm"
LONG = "x" * 100_000

# Every parameter gets each of these at once: the values the review found 500s with, and more.
HOSTILE_VALUES = [
    "10000000000000000000",
    "2147483648",
    "9" * 5000,
    "-1",
    "9999-12-31",
    "0001-01-01",
    "²",
    "\x00",
    "\u202e😀ﷺ\ufeff",
    LONG,
]
# Drawn by Hypothesis among other values.
ODD_VALUES = [
    "1" + "0" * 30,
    "9223372036854775808",
    "-9223372036854775809",
    "0",
    "2024-02-30",
    "99999-01-01",
    "1e400",
    "NaN",
    "-inf",
    "٣",
    "a\x00b",
    "  ",
]
HOSTILE_PATH_IDS = ["0", "3000000000", "9223372036854775808", "9" * 5000, "²"]
HOSTILE_PATH_TEXT = ["\x00", "..", "\u202e😀", LONG]

# Query parameters read outside the forms, by name (request.args.get("…"), request.args["…"]).
_ARGS_READ = re.compile(r"""request\.args(?:\.get\(|\[)\s*["'](\w+)["']""")


def query_parameter_names() -> list[str]:
    """Every query parameter the application reads: GET forms' fields and `request.args` reads."""
    names = set()
    for path in CRM.rglob("*.py"):
        names.update(_ARGS_READ.findall(path.read_text(encoding="utf-8")))
    for form in _subclasses(FlaskForm):
        meta = getattr(form, "Meta", None)
        if form.__module__.startswith("crm.") and getattr(meta, "csrf", True) is False:
            names.update(
                name for name in dir(form) if isinstance(getattr(form, name), UnboundField)
            )
    return sorted(names)


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _first_id(session, model) -> int | None:
    return session.scalar(select(model.id).order_by(model.id).limit(1))


def _real_path_values(session, client) -> dict[str, list[str]]:
    """A real value for every path variable, with related records so nested URLs resolve."""
    membership = session.scalars(select(Membership).order_by(Membership.id)).first()
    affiliation = session.scalars(select(Affiliation).order_by(Affiliation.id)).first()
    link = session.scalars(select(CollaborationLink).order_by(CollaborationLink.id)).first()
    strategy = session.scalars(select(Strategy).order_by(Strategy.id)).first()
    focus_area = session.get(FocusArea, strategy.focus_area_id)
    first, second = session.scalars(select(Company.id).order_by(Company.id).limit(2))
    ids = {
        "affiliation_id": affiliation.id,
        "case_id": _first_id(session, EstablishmentCase),
        "cluster_id": membership.cluster_id,
        "company_id": link.source_id,
        "contact_id": affiliation.contact_id,
        "first_id": first,
        "second_id": second,
        "filter_id": _first_id(session, SavedFilter),
        "flag_id": _first_id(session, WarningFlag),
        "focus_area_id": focus_area.id,
        "link_id": link.id,
        "link_type_id": _first_id(session, LinkType),
        "measure_id": _first_id(session, Measure),
        "meeting_id": _first_id(session, Meeting),
        "membership_id": membership.id,
        "period_id": focus_area.period_id,
        "place_id": _first_id(session, Place),
        "plan_id": _first_id(session, ActionPlan),
        "run_id": _first_id(session, ImportRun),
        "sector_id": _first_id(session, Sector),
        "stage_id": _first_id(session, Stage),
        "strategy_id": strategy.id,
        "task_id": _first_id(session, Task),
        "user_id": _first_id(session, User),
        "value_id": _first_id(session, IndicatorValue),
    }
    missing = [name for name, value in ids.items() if value is None]
    assert missing == [], f"the walk's data has no record for {missing}"
    values = {name: [str(value)] for name, value in ids.items()}
    values["table"] = ["companies"]
    values["fmt"] = ["csv", "json", "gexf", "graphml"]
    values["token"] = [_upload_token(client)]
    values["calendar.token"] = [renew_feed_token(session, user=session.get(User, ids["user_id"]))]
    values["auth.token"] = [
        create_invitation(
            session, user=session.get(User, ids["user_id"]), lifetime=timedelta(hours=1)
        )
    ]
    return values


def _upload_token(client) -> str:
    """A spreadsheet waiting between the wizard's steps, uploaded as a user would."""
    response = client.post(
        "/imports/spreadsheet",
        data={
            "csrf_token": csrf_token(client, "/imports/spreadsheet"),
            "kind": "organisations",
            "file": (io.BytesIO(b"Navn;Orgnr\nWalk AS;\n"), "walk.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response.headers["Location"].split("/")[-2]


class _NotedArgs(TextParameters):
    """Query arguments that note the names a view reads (EVERY when it reads them all)."""

    noted: ClassVar[set[str]] = set()
    EVERY: ClassVar[str] = "\x00every"

    def _note(self, name: str) -> None:
        _NotedArgs.noted.add(name)

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def __contains__(self, key) -> bool:
        self._note(key)
        return super().__contains__(key)

    def get(self, key, default=None, type=None):
        self._note(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):
        self._note(key)
        return super().getlist(key, type)

    def _all(self, method: str, *args, **kwargs):
        self._note(self.EVERY)
        return getattr(super(), method)(*args, **kwargs)

    def keys(self):
        return self._all("keys")

    def items(self, multi=False):
        return self._all("items", multi)

    def lists(self):
        return self._all("lists")

    def values(self):
        return self._all("values")

    def to_dict(self, flat=True):
        return self._all("to_dict", flat)

    def __iter__(self):
        return self._all("__iter__")


class Walk:
    """The signed-in client, the path values and the parameter names of one walk."""

    def __init__(self, app: Flask, client, path_values: dict[str, list[str]]) -> None:
        self.app = app
        self.client = client
        self.path_values = path_values
        self.params = query_parameter_names()

    def params_read(self, url: str) -> list[str]:
        """The query parameters the view behind `url` reads (all of them: each set to "1")."""
        _NotedArgs.noted.clear()
        self.get(url, dict.fromkeys(self.params, "1"))
        if _NotedArgs.EVERY in _NotedArgs.noted:
            return self.params
        return [name for name in self.params if name in _NotedArgs.noted]

    def rules(self) -> list[Rule]:
        """Every GET rule but the static files (Flask's own, no code of ours behind it)."""
        rules = [
            rule
            for rule in self.app.url_map.iter_rules()
            if "GET" in rule.methods and rule.endpoint != "static"
        ]
        return sorted(rules, key=lambda rule: rule.rule)

    def real(self, rule: Rule, name: str) -> list[str]:
        """The real values of a path variable (the calendar's token is a feed token)."""
        key = f"{rule.endpoint.split('.')[0]}.{name}"
        values = self.path_values.get(key) or self.path_values.get(name)
        assert values, f"{rule.rule}: no real value for <{name}>; add it to the walk's data"
        return values

    def url(self, rule: Rule, values: dict[str, str]) -> str:
        """The rule's path with each variable replaced by its (quoted) value."""

        def fill(match: re.Match) -> str:
            return quote(values[match.group(1)], safe="")

        return re.sub(r"<(?:[^:<>]+:)?(\w+)>", fill, rule.rule)

    def get(self, url: str, query: dict | None = None) -> tuple[str, int]:
        """GET a URL; an exception that escapes the app counts as a 500."""
        try:
            response = self.client.get(url, query_string=query or {})
        except Exception as error:  # the walk reports it with the rest
            return f"{type(error).__name__}: {error}"[:300], 500
        return "", response.status_code


@pytest.fixture(scope="module")
def walk(app: Flask, tmp_path_factory) -> Iterator[Walk]:
    """The demo data and a record of every kind, an admin signed in; every table emptied after."""
    folder = tmp_path_factory.mktemp("walk")
    saved = {key: app.config.get(key) for key in ("NETWORK_CACHE_DIR", "IMPORT_UPLOAD_DIR")}
    app.config.update(
        NETWORK_CACHE_DIR=str(folder / "network-cache"), IMPORT_UPLOAD_DIR=str(folder / "uploads")
    )
    with app.app_context():
        session = db.session
        admin = make_user(session, role="admin")
        seed_stages(session)
        seed_link_types(session)
        seed_demo(session)
        session.add(ImportRun(kind="organisations", filename="walk.csv", status="finished"))
        session.add(
            SavedFilter(owner_id=admin.id, list_name="companies", name="Walk", query="q=AS")
        )
        raise_flag(
            session,
            company_id=_first_id(session, Company),
            severity="red",
            kind="other",
            raised_on=date(2024, 5, 1),
            raised_by_id=admin.id,
        )
        session.commit()
        limiter.reset()
        request_class = app.request_class
        app.request_class = type("NotingRequest", (request_class,), {})
        app.request_class.parameter_storage_class = _NotedArgs
        client = app.test_client()
        response = post_form(
            client, "/auth/login", {"email": admin.email, "password": DEFAULT_PASSWORD}
        )
        assert response.status_code == 302
        path_values = _real_path_values(session, client)
        session.commit()
        yield Walk(app, client, path_values)
        app.request_class = request_class
        session.rollback()
        session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
    app.config.update(saved)


def _hostile_value() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(HOSTILE_VALUES + ODD_VALUES),
        st.integers(min_value=-(2**80), max_value=2**80).map(str),
        st.dates().map(date.isoformat),
        # Lone surrogates cannot be sent in a URL at all; everything else can.
        st.text(st.characters(exclude_categories=["Cs"]), max_size=40),
    )


def _hostile_path_values(rule: Rule, name: str) -> list[str]:
    return HOSTILE_PATH_IDS if f"<int:{name}>" in rule.rule else HOSTILE_PATH_TEXT


def _failures(walk: Walk, rule: Rule) -> list[str]:
    """The requests to one rule that answered 500, fixed values first, then Hypothesis's."""
    failures = []
    names = list(rule.arguments)
    real = {name: walk.real(rule, name) for name in names}
    base = {name: values[0] for name, values in real.items()}

    def check(path_values: dict[str, str], query: dict) -> None:
        url = walk.url(rule, path_values)
        error, status = walk.get(url, query)
        if status >= 500:
            shown = {k: (v[:40] + "…" if len(v) > 40 else v) for k, v in query.items()}
            failures.append(f"{rule.rule} {url[:120]!r} {shown} -> {status} {error}")

    for name, values in real.items():
        for value in values[1:]:
            check({**base, name: value}, {})
        for value in _hostile_path_values(rule, name):
            check({**base, name: value}, {})
    read = walk.params_read(walk.url(rule, base))
    for value in HOSTILE_VALUES if read else ():
        check(base, dict.fromkeys(read, value))

    @settings(PROFILE)
    @given(
        path=st.fixed_dictionaries(
            {name: st.sampled_from(real[name] + _hostile_path_values(rule, name)) for name in names}
        ),
        query=st.dictionaries(st.sampled_from(read or walk.params), _hostile_value(), max_size=6),
    )
    def probe(path: dict[str, str], query: dict[str, str]) -> None:
        check(path, query)

    probe()
    return failures


def test_no_get_route_answers_500_to_hostile_input(walk):
    rules = walk.rules()
    failures = [failure for rule in rules for failure in _failures(walk, rule)]
    assert len(rules) > 90
    assert failures == [], f"{len(failures)} requests failed:\n" + "\n".join(failures[:80])


def test_the_walk_reads_the_parameters_the_review_named(walk):
    named = {"page", "cluster", "company_id", "user_id", "stage_id", "date_to", "date_from"}
    assert named <= set(walk.params)
