"""One "today": everything that asks for today's date gets the municipality's, not the server's.

Between 23:00 and 24:00 UTC (22:00 in summer) Oslo is already on the next day. These tests
stop the clock there, in a year far from the machine's, so code that still read the server's
date would answer for another day entirely.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from crm.clusters import queries as cluster_queries
from crm.clusters.forms import EndMembershipForm
from crm.clusters.models import Membership
from crm.common import dates
from crm.establishments.models import FlagKind, WarningFlag
from tests.factories import (
    make_affiliation,
    make_cluster,
    make_company,
    make_membership,
    make_task,
)

# 23:30 UTC on 10 March 2031 is 00:30 on 11 March in Oslo.
LATE_EVENING_UTC = datetime(2031, 3, 10, 23, 30, tzinfo=UTC)
SERVER_DAY = date(2031, 3, 10)
OSLO_DAY = date(2031, 3, 11)


class _StoppedClock(datetime):
    @classmethod
    def now(cls, tz=None):
        return LATE_EVENING_UTC.astimezone(tz) if tz else LATE_EVENING_UTC.replace(tzinfo=None)


@pytest.fixture
def late_evening(monkeypatch):
    """The municipality's clock stopped at 00:30 Oslo time, 23:30 the day before in UTC."""
    monkeypatch.setattr(dates, "datetime", _StoppedClock)
    assert dates.local_today() == OSLO_DAY


def test_a_task_due_yesterday_in_oslo_is_overdue(session, late_evening):
    task = make_task(session, due_on=SERVER_DAY)
    assert task.overdue


def test_an_affiliation_that_ended_yesterday_in_oslo_is_not_current(session, late_evening):
    affiliation = make_affiliation(session, end_date=SERVER_DAY)
    assert not affiliation.current


def test_a_membership_ends_on_the_oslo_day_in_the_model_and_the_lists(
    session, client, login, late_evening
):
    login("reader")
    cluster = make_cluster(session)
    leaving = make_company(session, name="Går ut i dag AS")
    staying = make_company(session, name="Blir med AS")
    membership = make_membership(session, cluster=cluster, company=leaving, left_on=OSLO_DAY)
    make_membership(session, cluster=cluster, company=staying, left_on=date(2031, 3, 12))
    session.commit()
    assert not membership.current
    former = session.scalars(select(Membership).where(cluster_queries.is_former())).all()
    assert membership in former
    html = client.get(f"/companies/?cluster={cluster.id}").get_data(as_text=True)
    assert "Blir med AS" in html
    assert "Går ut i dag AS" not in html


def test_a_warning_raised_now_is_dated_the_oslo_day(session, late_evening):
    flag = WarningFlag(company=make_company(session), kind=FlagKind.OTHER.value)
    session.add(flag)
    session.flush()
    assert flag.raised_on == OSLO_DAY


def test_the_membership_form_proposes_the_oslo_day(app, late_evening):
    with app.test_request_context():
        assert EndMembershipForm().left_on.data == OSLO_DAY


def test_membership_current_agrees_with_is_current(session, late_evening):
    """The model property and the SQL condition draw the line on the same day."""
    cluster = make_cluster(session)
    ending = [
        make_membership(session, cluster=cluster, company=make_company(session), left_on=day)
        for day in (SERVER_DAY, OSLO_DAY, date(2031, 3, 12))
    ]
    current = session.scalars(select(Membership).where(cluster_queries.is_current())).all()
    assert {m.id for m in ending if m.current} == {m.id for m in current}
