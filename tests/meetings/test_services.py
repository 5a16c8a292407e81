"""Logging and changing meetings: participants, time zone, validation, versions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import func, select

from crm.common.errors import DomainError, StaleObjectError
from crm.meetings import queries, services
from crm.meetings.models import Meeting, meeting_companies
from tests.factories import make_company, make_contact, make_strategy, make_user

WINTER_TEN = services.local_datetime(date(2024, 1, 15), time(10, 0))


def _count(session, model=Meeting) -> int:
    return session.scalar(select(func.count()).select_from(model))


def _meeting(session, **overrides) -> Meeting:
    values = {
        "starts_at": WINTER_TEN,
        "title": "Møte om hydrogen på Kjeller",
        "company_ids": [make_company(session).id],
    }
    values.update(overrides)
    return services.create_meeting(session, **values)


def test_ten_in_oslo_in_winter_is_nine_utc_and_in_summer_eight():
    winter = services.local_datetime(date(2024, 1, 15), time(10, 0))
    summer = services.local_datetime(date(2024, 7, 15), time(10, 0))
    assert winter.astimezone(UTC) == datetime(2024, 1, 15, 9, 0, tzinfo=UTC)
    assert summer.astimezone(UTC) == datetime(2024, 7, 15, 8, 0, tzinfo=UTC)


def test_the_time_is_stored_in_utc_and_read_back_aware(session):
    meeting = _meeting(session)
    session.commit()
    session.expire_all()
    stored = session.get(Meeting, meeting.id)
    assert stored.starts_at == datetime(2024, 1, 15, 9, 0, tzinfo=UTC)
    assert stored.starts_at.utcoffset().total_seconds() == 0


def test_a_meeting_with_two_organisations_two_people_a_strategy_and_staff_reads_back(session):
    ife, nilu = make_company(session, name="IFE"), make_company(session, name="NILU")
    kari, ola = make_contact(session, name="Kari Nordmann"), make_contact(session, name="Ola Berg")
    adviser = make_user(session, name="Rådgiver Rask")
    strategy = make_strategy(session, number="1.1", name="Innovasjonsdistrikt")
    meeting = services.create_meeting(
        session,
        starts_at=WINTER_TEN,
        duration_minutes=90,
        kind="visit",
        title="  Bedriftsbesøk hos IFE  ",
        location="Kjeller",
        company_ids=[nilu.id, ife.id],
        contact_ids=[ola.id, kari.id],
        staff_ids=[adviser.id],
        strategy_ids=[strategy.id],
        notes="**Avtalt**: ny prat i mars.",
    )
    session.commit()
    meeting_id = meeting.id
    session.expunge_all()

    detail = queries.get_meeting_detail(session, meeting_id)
    read = detail.meeting
    assert read.title == "Bedriftsbesøk hos IFE"
    assert read.kind == "visit" and read.duration_minutes == 90 and read.location == "Kjeller"
    assert [c.name for c in read.companies] == ["IFE", "NILU"]
    assert [c.name for c in read.contacts] == ["Kari Nordmann", "Ola Berg"]
    assert [u.name for u in read.staff] == ["Rådgiver Rask"]
    assert [s.label for s in read.strategies] == ["1.1 Innovasjonsdistrikt"]
    assert read.notes == "**Avtalt**: ny prat i mars."


def test_a_meeting_with_only_a_person_is_accepted(session):
    person = make_contact(session)
    meeting = services.create_meeting(
        session, starts_at=WINTER_TEN, title="Telefon", contact_ids=[person.id]
    )
    assert meeting.companies == [] and meeting.contacts == [person]


def test_repeated_ids_are_stored_once(session):
    company = make_company(session)
    meeting = _meeting(session, company_ids=[company.id, company.id])
    session.flush()
    assert (
        session.scalar(
            select(func.count())
            .select_from(meeting_companies)
            .where(meeting_companies.c.meeting_id == meeting.id)
        )
        == 1
    )


@pytest.mark.parametrize(
    "field,overrides",
    [
        ("company_ids", {"company_ids": [999_999]}),
        ("contact_ids", {"contact_ids": [999_998]}),
        ("staff_ids", {"staff_ids": [999_997]}),
        ("strategy_ids", {"strategy_ids": [999_996]}),
    ],
)
def test_unknown_ids_are_refused_on_their_field_and_nothing_is_saved(session, field, overrides):
    with pytest.raises(DomainError) as error:
        _meeting(session, **overrides)
    assert error.value.field == field
    assert "99999" in str(error.value.message)
    session.rollback()
    assert _count(session) == 0


def test_one_unknown_among_known_organisations_refuses_the_whole_meeting(session):
    known = make_company(session)
    session.commit()
    with pytest.raises(DomainError) as error:
        _meeting(session, company_ids=[known.id, 424242])
    assert error.value.field == "company_ids" and "424242" in str(error.value.message)
    session.rollback()
    assert _count(session) == 0


def test_a_meeting_without_organisation_or_person_is_refused(session):
    with pytest.raises(DomainError) as error:
        _meeting(session, company_ids=[], contact_ids=[])
    assert error.value.field == "company_ids"
    assert _count(session) == 0


def test_without_a_title_the_kind_and_organisations_make_one(session):
    first, second = make_company(session, name="Infinitum"), make_company(session, name="NILU")
    meeting = _meeting(session, title="   ", kind="visit", company_ids=[first.id, second.id])
    assert meeting.title == "Bedriftsbesøk – Infinitum, NILU"


def test_notes_longer_than_50000_characters_are_refused(session):
    _meeting(session, notes="x" * 50_000)
    with pytest.raises(DomainError) as error:
        _meeting(session, notes="x" * 50_001)
    assert error.value.field == "notes"


def test_an_unknown_kind_is_refused(session):
    with pytest.raises(DomainError) as error:
        _meeting(session, kind="party")
    assert error.value.field == "kind"


def test_a_naive_time_is_refused(session):
    with pytest.raises(DomainError) as error:
        _meeting(session, starts_at=datetime(2024, 1, 15, 10, 0))  # noqa: DTZ001 (on purpose)
    assert error.value.field == "time"


def test_a_deactivated_user_is_not_added_as_staff_but_stays_on_old_meetings(session):
    former = make_user(session, name="Sluttet Sand")
    meeting = _meeting(session, staff_ids=[former.id])
    former.active = False
    session.flush()
    with pytest.raises(DomainError) as error:
        _meeting(session, staff_ids=[former.id])
    assert error.value.field == "staff_ids" and "Sluttet Sand" in str(error.value.message)
    services.update_meeting(
        session,
        meeting=meeting,
        version=meeting.version,
        starts_at=meeting.starts_at,
        title="Endret",
        kind="meeting",
        duration_minutes=None,
        location="",
        company_ids=[c.id for c in meeting.companies],
        contact_ids=[],
        staff_ids=[former.id],
        strategy_ids=[],
        notes="",
    )
    assert meeting.staff == [former]


def _update_args(meeting: Meeting, **overrides) -> dict:
    values = {
        "meeting": meeting,
        "version": meeting.version,
        "starts_at": meeting.starts_at,
        "title": meeting.title,
        "kind": meeting.kind,
        "duration_minutes": meeting.duration_minutes,
        "location": meeting.location,
        "company_ids": [c.id for c in meeting.companies],
        "contact_ids": [c.id for c in meeting.contacts],
        "staff_ids": [u.id for u in meeting.staff],
        "strategy_ids": [s.id for s in meeting.strategies],
        "notes": meeting.notes,
    }
    values.update(overrides)
    return values


def test_update_replaces_the_lists_and_moves_the_version(session):
    meeting = _meeting(session)
    session.commit()
    other = make_company(session, name="Nova Spektrum")
    person = make_contact(session)
    before = meeting.version
    services.update_meeting(
        session, **_update_args(meeting, company_ids=[other.id], contact_ids=[person.id])
    )
    session.commit()
    assert [c.name for c in meeting.companies] == ["Nova Spektrum"]
    assert meeting.contacts == [person]
    assert meeting.version == before + 1


def test_saving_from_a_form_loaded_before_someone_elses_save_is_refused(session):
    meeting = _meeting(session)
    session.commit()
    loaded = meeting.version
    services.update_meeting(session, **_update_args(meeting, title="Først"))
    session.commit()
    with pytest.raises(StaleObjectError):
        services.update_meeting(session, **_update_args(meeting, version=loaded, title="Sist"))
    session.rollback()
    assert session.get(Meeting, meeting.id).title == "Først"


def test_a_refused_update_changes_nothing(session):
    meeting = _meeting(session, title="Uendret")
    session.commit()
    with pytest.raises(DomainError, match="Disse strategiene finnes ikke: 987654"):
        services.update_meeting(
            session, **_update_args(meeting, title="Nytt", strategy_ids=[987_654])
        )
    session.rollback()
    assert session.get(Meeting, meeting.id).title == "Uendret"
