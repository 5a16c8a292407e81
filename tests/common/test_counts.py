"""The lists' totals are kept while the records are unchanged, and never tell an old number."""

from __future__ import annotations

import re

from sqlalchemy import func, select, text

from crm.common import counts
from crm.common.statements import keep
from crm.common.triggered_version import VersionedCache
from crm.companies.models import Company
from crm.contacts.services import restrict_contact
from crm.lists.models import SavedFilter
from crm.network.version import GRAPH
from tests.conftest import post_form
from tests.factories import (
    DEFAULT_PASSWORD,
    make_company,
    make_contact,
    make_meeting,
    make_user,
)


def _total(html: str) -> int:
    found = re.search(r"([\d  ]+) totalt", html)
    assert found, html
    return int(re.sub(r"\D", "", found.group(1)))


def _counted(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith("SELECT COUNT(")]


def test_a_list_total_is_counted_once_then_follows_every_write(
    client, login, session, count_queries
):
    login(role="reader")
    for n in range(3):
        make_company(session, name=f"Bedrift {n}")
    session.commit()
    assert _total(client.get("/companies/?page=1").text) == 3

    # The same list again: the records' version is read, the rows are not counted.
    with count_queries() as statements:
        assert _total(client.get("/companies/?page=1").text) == 3
    assert not _counted(statements), statements
    assert any("graph_version" in s for s in statements)

    assert _total(client.get("/companies/?q=Bedrift").text) == 3
    make_company(session, name="Bedrift ny")
    session.commit()
    assert _total(client.get("/companies/?page=1").text) == 4
    # Every total kept before the write is gone, not only the first one asked for after it.
    assert _total(client.get("/companies/?q=Bedrift").text) == 4

    # Plain SQL too (an import, a script): the triggers keep the version, not the ORM.
    session.execute(text("DELETE FROM companies WHERE name = 'Bedrift 0'"))
    session.commit()
    assert _total(client.get("/companies/?page=1").text) == 3
    # A filter is a statement of its own, with its own total.
    assert _total(client.get("/companies/?q=ny").text) == 1


def test_admins_and_the_others_each_get_their_own_total_of_people(client, login, session, app):
    admin = make_user(session, role="admin")
    for n in range(3):
        make_contact(session, name=f"Person {n}")
    hidden = make_contact(session, name="Begrenset Person")
    restrict_contact(
        session, contact=hidden, version=hidden.version, reason="Bestridt", by_id=admin.id
    )
    session.commit()

    login(role="reader")
    assert _total(client.get("/contacts/?page=1").text) == 3
    admin_client = app.test_client()
    answer = post_form(
        admin_client, "/auth/login", {"email": admin.email, "password": DEFAULT_PASSWORD}
    )
    assert answer.status_code == 302
    # The admin sees the restricted person, marked, and counts them.
    assert _total(admin_client.get("/contacts/?page=1").text) == 4
    # And the reader's kept total is still the reader's.
    assert _total(client.get("/contacts/?page=1").text) == 3


def test_a_meeting_logged_shows_in_the_next_total(client, login, session):
    login(role="reader")
    make_meeting(session, title="Første")
    session.commit()
    assert _total(client.get("/meetings/?page=1").text) == 1
    make_meeting(session, title="Andre")
    session.commit()
    assert _total(client.get("/meetings/?page=1").text) == 2


def test_a_count_of_a_table_the_version_does_not_follow_is_counted_every_time(
    session, count_queries
):
    statement = keep(select(func.count()).select_from(SavedFilter))
    assert "saved_filters" not in GRAPH.tables
    for _ in range(2):
        with count_queries() as statements:
            assert counts.count(session, statement) == 0
        assert _counted(statements)


def test_a_statement_built_for_one_request_is_not_kept(session, count_queries):
    make_company(session)
    session.commit()
    for _ in range(2):
        with count_queries() as statements:
            assert counts.count(session, select(func.count()).select_from(text("companies"))) == 1
        assert _counted(statements)


def test_the_cache_keeps_the_most_recently_used_values_up_to_its_size(session):
    cache: VersionedCache[int] = VersionedCache(GRAPH, size=2)
    made = []

    def load(value):
        def make():
            made.append(value)
            return value

        return make

    for key in ("a", "b", "a", "c", "a", "b"):
        assert cache.get(session, key, load(key)) == key
    # "b" was the least recently used when "c" came: made again at the end.
    assert made == ["a", "b", "c", "b"]


def test_with_list_counts_kept_off_every_request_counts(app, session, count_queries):
    statement = keep(select(func.count()).select_from(Company))
    make_company(session)
    session.commit()
    app.config["LIST_COUNTS_KEPT"] = False
    try:
        for _ in range(2):
            with count_queries() as statements:
                assert counts.count(session, statement) == 1
            assert _counted(statements)
    finally:
        app.config["LIST_COUNTS_KEPT"] = True
    counts.count(session, statement)
    with count_queries() as statements:
        assert counts.count(session, statement) == 1
    assert not _counted(statements)
