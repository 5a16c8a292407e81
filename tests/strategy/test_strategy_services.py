"""Strategy services: periods, focus areas, strategies, the seed, and the meeting counts."""

import pytest
from sqlalchemy import func, select

from crm.common.errors import DomainError, StaleObjectError
from crm.strategy import queries, services
from crm.strategy.models import FocusArea, Strategy, StrategyPeriod
from tests.factories import make_meeting, make_strategy

SEED_NAME = "Strategi for bærekraftig næringsutvikling 2022–2030"


def _period(session, name="Strategi 2031–2040", current=False):
    return services.create_period(
        session, name=name, start_year=2031, end_year=2040, current=current
    )


# --- seed ---------------------------------------------------------------------------------------


def test_seed_creates_the_strategy_exactly_as_the_document(session):
    period = services.seed_strategy(session)
    session.commit()

    assert period.name == SEED_NAME
    assert (period.start_year, period.end_year, period.current) == (2022, 2030, True)
    areas = {a.number: a for a in queries.get_current_period(session).focus_areas}
    assert {n: (a.name, a.sdg_list) for n, a in areas.items()} == {
        "1": ("Fremtidsrettede virksomheter innen klima, energi, miljø og helse", [3, 7, 13]),
        "2": ("Innovasjon, gründerskap og klynger", [8, 9]),
        "3": ("Opplevelser og kreative næringer", [8, 11]),
        "4": ("Attraktiv bo- og arbeidskommune", [11]),
        "5": ("Næringsvennlig kommune", [9, 17]),
    }
    labels = [s.label for a in areas.values() for s in a.strategies]
    assert labels == [
        "1.1 Innovasjonsdistrikt",
        "1.2 Innovasjon og industrielle satsinger",
        "1.3 Utdanningsinstitusjoner",
        "2.1 Bedre rammebetingelser for gründere",
        "2.2 Økt innovasjonstakt i etablerte virksomheter",
        "2.3 Flere nettverk og klynger",
        "3.1 Synliggjøre lokal attraktivitet",
        "3.2 Videreutvikle Lillestrøm som møte-, konferanse- og messedestinasjon",
        "3.3 Bidra i arbeidet med regionalpark og verdensarvstatus",
        "4.1 Stedsutvikling med urbane kvaliteter, varierte boliger og differensierte skoletilbud",
        "4.2 Mobilitet og infrastruktur",
        "4.3 Gjøre Lillestrøm bedre kjent",
        "5.1 Kommunen som tilrettelegger",
        "5.2 Kommunen som innkjøper",
        "5.3 Kommunen som samarbeidspartner",
    ]
    for area in areas.values():
        for strategy in area.strategies:
            assert strategy.description.endswith("."), strategy.label
            assert strategy.description.count(". ") == 0, strategy.label  # one sentence


def test_seed_is_idempotent(session):
    first = services.seed_strategy(session)
    session.commit()
    second = services.seed_strategy(session)
    session.commit()

    assert second.id == first.id
    assert session.scalar(select(func.count()).select_from(StrategyPeriod)) == 1
    assert session.scalar(select(func.count()).select_from(FocusArea)) == 5
    assert session.scalar(select(func.count()).select_from(Strategy)) == 15


def test_seed_does_not_take_over_from_a_later_current_period(session):
    later = _period(session, current=True)
    seeded = services.seed_strategy(session)
    assert later.current and not seeded.current


# --- periods ------------------------------------------------------------------------------------


def test_end_year_before_start_year_is_refused(session):
    with pytest.raises(DomainError) as caught:
        services.create_period(session, name="Baklengs", start_year=2030, end_year=2022)
    assert caught.value.field == "end_year"
    assert session.scalar(select(func.count()).select_from(StrategyPeriod)) == 0


def test_period_names_are_unique(session):
    _period(session, name="Strategi A")
    with pytest.raises(DomainError) as caught:
        _period(session, name=" Strategi A ")
    assert caught.value.field == "name"


def test_only_one_period_is_current(session):
    old = _period(session, name="Gammel", current=True)
    new = _period(session, name="Ny", current=True)
    assert not old.current and new.current
    services.make_period_current(session, period=old)
    session.commit()
    current = session.scalars(select(StrategyPeriod).where(StrategyPeriod.current.is_(True))).all()
    assert [p.name for p in current] == ["Gammel"]


def test_new_period_copies_the_current_one_and_meetings_keep_their_tags(session):
    old = services.seed_strategy(session)
    tagged = old.focus_areas[0].strategies[0]
    meeting = make_meeting(session, strategies=[tagged])
    session.commit()

    new = services.create_period(
        session,
        name="Revidert strategi",
        start_year=2026,
        end_year=2034,
        copy_from=old,
        current=True,
    )
    session.commit()

    assert new.current and not old.current
    assert [a.number for a in new.focus_areas] == ["1", "2", "3", "4", "5"]
    assert new.focus_areas[0].sdg_list == [3, 7, 13]
    copied = new.focus_areas[0].strategies[0]
    assert copied.label == tagged.label and copied.id != tagged.id
    assert copied.description == tagged.description
    session.expire_all()
    assert [s.id for s in session.get(type(meeting), meeting.id).strategies] == [tagged.id]
    assert len(session.get(StrategyPeriod, old.id).focus_areas) == 5


def test_new_period_without_copy_is_empty(session):
    services.seed_strategy(session)
    new = services.create_period(session, name="Blank", start_year=2031, end_year=2031)
    assert new.focus_areas == [] and not new.current


def test_saving_a_period_over_a_newer_version_is_refused(session):
    period = _period(session)
    loaded = period.version
    services.update_period(
        session, period=period, version=loaded, name="Endret", start_year=2031, end_year=2041
    )
    session.flush()
    with pytest.raises(StaleObjectError):
        services.update_period(
            session, period=period, version=loaded, name="Igjen", start_year=2031, end_year=2041
        )
    assert period.name == "Endret"


# --- focus areas --------------------------------------------------------------------------------


def test_focus_area_sdgs_are_stored_sorted_without_repeats(session):
    period = _period(session)
    area = services.create_focus_area(
        session, period=period, number="1", name="Klima", sdgs=[13, 7, 3, 7]
    )
    assert area.sdgs == "3,7,13" and area.sdg_list == [3, 7, 13]


@pytest.mark.parametrize("bad", [[0], [18], [3, 99]])
def test_sdg_out_of_range_is_refused(session, bad):
    period = _period(session)
    with pytest.raises(DomainError) as caught:
        services.create_focus_area(session, period=period, number="1", name="X", sdgs=bad)
    assert caught.value.field == "sdgs"
    assert str(bad[-1]) in str(caught.value.message)


def test_focus_area_number_is_unique_within_the_period_only(session):
    first = _period(session, name="A")
    second = _period(session, name="B")
    services.create_focus_area(session, period=first, number="1", name="Én", sdgs=[])
    services.create_focus_area(session, period=second, number="1", name="Én", sdgs=[])
    with pytest.raises(DomainError) as caught:
        services.create_focus_area(session, period=first, number="1", name="To", sdgs=[])
    assert caught.value.field == "number"


def test_update_focus_area_keeps_its_own_number_and_checks_others(session):
    period = _period(session)
    one = services.create_focus_area(session, period=period, number="1", name="Én", sdgs=[8])
    services.create_focus_area(session, period=period, number="2", name="To", sdgs=[9])
    services.update_focus_area(
        session, focus_area=one, version=one.version, number="1", name="Ny", sdgs=[8, 9]
    )
    assert (one.name, one.sdgs) == ("Ny", "8,9")
    session.flush()
    with pytest.raises(DomainError) as caught:
        services.update_focus_area(
            session, focus_area=one, version=one.version, number="2", name="Ny", sdgs=[8]
        )
    assert caught.value.field == "number"
    assert one.number == "1"


def test_update_focus_area_refuses_a_stale_version(session):
    period = _period(session)
    area = services.create_focus_area(session, period=period, number="1", name="Én", sdgs=[8])
    with pytest.raises(StaleObjectError):
        services.update_focus_area(
            session, focus_area=area, version=area.version + 1, number="1", name="X", sdgs=[]
        )


# --- strategies ---------------------------------------------------------------------------------


def test_strategy_number_is_unique_within_the_focus_area(session):
    period = _period(session)
    area = services.create_focus_area(session, period=period, number="1", name="Én", sdgs=[])
    other = services.create_focus_area(session, period=period, number="2", name="To", sdgs=[])
    services.create_strategy(session, focus_area=area, number="1.1", name="A")
    services.create_strategy(session, focus_area=other, number="1.1", name="A")
    with pytest.raises(DomainError) as caught:
        services.create_strategy(session, focus_area=area, number="1.1", name="B")
    assert caught.value.field == "number"


def test_update_strategy(session):
    strategy = make_strategy(session, number="1.1", name="Gammel")
    make_strategy(session, focus_area=strategy.focus_area, number="1.2", name="Annen")
    services.update_strategy(
        session,
        strategy=strategy,
        version=strategy.version,
        number="1.3",
        name=" Ny ",
        description=" Beskrivelse. ",
    )
    assert (strategy.label, strategy.description, strategy.position) == (
        "1.3 Ny",
        "Beskrivelse.",
        3,
    )
    session.flush()
    with pytest.raises(
        DomainError, match=r"Innsatsområdet har allerede en strategi med nummer 1\.2"
    ):
        services.update_strategy(
            session,
            strategy=strategy,
            version=strategy.version,
            number="1.2",
            name="Ny",
            description="",
        )


def test_suggested_numbers_are_the_next_free_ones(session):
    period = services.seed_strategy(session)
    assert queries.suggest_focus_area_number(session, period=period) == "6"
    assert queries.suggest_strategy_number(session, focus_area=period.focus_areas[1]) == "2.4"


# --- meeting counts -----------------------------------------------------------------------------


def test_meeting_counts_per_strategy_and_distinct_per_focus_area(session):
    period = services.seed_strategy(session)
    one, two, _ = period.focus_areas[0].strategies
    five = period.focus_areas[4].strategies[0]
    make_meeting(session, strategies=[one, two])  # counts once for the focus area
    make_meeting(session, strategies=[one])
    make_meeting(session, strategies=[five])
    make_meeting(session)
    outside = make_strategy(session)  # another period's strategy
    make_meeting(session, strategies=[outside])

    by_strategy = queries.meeting_counts_by_strategy(session, period_id=period.id)
    by_area = queries.meeting_counts_by_focus_area(session, period_id=period.id)

    assert by_strategy == {one.id: 2, two.id: 1, five.id: 1}
    assert by_area == {period.focus_areas[0].id: 2, period.focus_areas[4].id: 1}
