"""Writes to the strategy: periods, focus areas and strategies, and the seed of the 2022–2030 one.

Meetings are tagged with strategy rows; nothing here deletes or moves a strategy, so the tags
of old meetings stay valid when a new period becomes current.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.common.errors import DomainError
from crm.common.versioning import ensure_version
from crm.strategy.models import FocusArea, Strategy, StrategyPeriod

SDG_MIN = 1
SDG_MAX = 17
MIN_YEAR = 2000
MAX_YEAR = 2100


# --- rules shared by create and update ------------------------------------------------------


def _position(number: str) -> int:
    """Sort key from a number such as "3" or "2.1": its last numeric part (0 if none)."""
    last = number.rsplit(".", 1)[-1]
    return int(last) if last.isdigit() else 0


def _check_sdgs(sdgs: list[int]) -> str:
    """The SDGs as stored ("3,7,13"), sorted and without repeats; refuses numbers outside 1–17."""
    wrong = [n for n in sdgs if not SDG_MIN <= n <= SDG_MAX]
    if wrong:
        raise DomainError(
            "sdgs",
            _l(
                "The UN sustainable development goals are numbered 1 to 17; %(numbers)s is not.",
                numbers=", ".join(str(n) for n in wrong),
            ),
        )
    return ",".join(str(n) for n in sorted(set(sdgs)))


def check_years(start_year: int, end_year: int) -> None:
    """Refuse a year outside 2000–2100 or an end year before the start (on the field concerned)."""
    for field, year in (("start_year", start_year), ("end_year", end_year)):
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise DomainError(
                field,
                _l("Give a year from %(first)d to %(last)d.", first=MIN_YEAR, last=MAX_YEAR),
            )
    if end_year < start_year:
        raise DomainError("end_year", _l("The end year cannot be before the start year."))


def _check_period_name(session: Session, name: str, *, exclude_id: int | None = None) -> str:
    name = name.strip()
    if not name:
        raise DomainError("name", _l("Give the strategy period a name."))
    query = select(StrategyPeriod.id).where(StrategyPeriod.name == name)
    if exclude_id is not None:
        query = query.where(StrategyPeriod.id != exclude_id)
    if session.scalar(query) is not None:
        raise DomainError("name", _l("A strategy period with this name already exists."))
    return name


def _check_focus_area_number(
    session: Session, period_id: int, number: str, *, exclude_id: int | None = None
) -> str:
    number = number.strip()
    query = select(FocusArea.id).where(FocusArea.period_id == period_id, FocusArea.number == number)
    if exclude_id is not None:
        query = query.where(FocusArea.id != exclude_id)
    if session.scalar(query) is not None:
        raise DomainError(
            "number",
            _l("This period already has a focus area with number %(number)s.", number=number),
        )
    return number


def _check_strategy_number(
    session: Session, focus_area_id: int, number: str, *, exclude_id: int | None = None
) -> str:
    number = number.strip()
    query = select(Strategy.id).where(
        Strategy.focus_area_id == focus_area_id, Strategy.number == number
    )
    if exclude_id is not None:
        query = query.where(Strategy.id != exclude_id)
    if session.scalar(query) is not None:
        raise DomainError(
            "number",
            _l("This focus area already has a strategy with number %(number)s.", number=number),
        )
    return number


# --- periods --------------------------------------------------------------------------------


def make_period_current(session: Session, *, period: StrategyPeriod) -> None:
    """Make `period` the current one; every other period stops being current."""
    others = session.scalars(
        select(StrategyPeriod).where(
            StrategyPeriod.id != period.id, StrategyPeriod.current.is_(True)
        )
    )
    for other in others:
        other.current = False
    period.current = True
    session.flush()


def create_period(
    session: Session,
    *,
    name: str,
    start_year: int,
    end_year: int,
    copy_from: StrategyPeriod | None = None,
    current: bool = False,
) -> StrategyPeriod:
    """A new strategy period, optionally with copies of another period's focus areas and
    strategies (the originals, and the meetings tagged with them, are left as they are)."""
    name = _check_period_name(session, name)
    check_years(start_year, end_year)
    period = StrategyPeriod(name=name, start_year=start_year, end_year=end_year, current=False)
    session.add(period)
    if copy_from is not None:
        for area in copy_from.focus_areas:
            copy = FocusArea(
                number=area.number, name=area.name, sdgs=area.sdgs, position=area.position
            )
            copy.strategies = [
                Strategy(
                    number=s.number,
                    name=s.name,
                    description=s.description,
                    position=s.position,
                )
                for s in area.strategies
            ]
            period.focus_areas.append(copy)
    session.flush()
    if current:
        make_period_current(session, period=period)
    return period


def update_period(
    session: Session,
    *,
    period: StrategyPeriod,
    version: str | int | None,
    name: str,
    start_year: int,
    end_year: int,
) -> StrategyPeriod:
    """Rename a period or change its years."""
    ensure_version(period, version)
    name = _check_period_name(session, name, exclude_id=period.id)
    check_years(start_year, end_year)
    period.name = name
    period.start_year = start_year
    period.end_year = end_year
    session.flush()
    return period


# --- focus areas ----------------------------------------------------------------------------


def create_focus_area(
    session: Session, *, period: StrategyPeriod, number: str, name: str, sdgs: list[int]
) -> FocusArea:
    """A new focus area (innsatsområde) in a period; its number is unique in the period."""
    number = _check_focus_area_number(session, period.id, number)
    area = FocusArea(
        period=period,
        number=number,
        name=name.strip(),
        sdgs=_check_sdgs(sdgs),
        position=_position(number),
    )
    session.add(area)
    session.flush()
    return area


def update_focus_area(
    session: Session,
    *,
    focus_area: FocusArea,
    version: str | int | None,
    number: str,
    name: str,
    sdgs: list[int],
) -> FocusArea:
    """Change a focus area's number, name or SDGs."""
    ensure_version(focus_area, version)
    number = _check_focus_area_number(
        session, focus_area.period_id, number, exclude_id=focus_area.id
    )
    focus_area.sdgs = _check_sdgs(sdgs)
    focus_area.number = number
    focus_area.name = name.strip()
    focus_area.position = _position(number)
    session.flush()
    return focus_area


# --- strategies -----------------------------------------------------------------------------


def create_strategy(
    session: Session, *, focus_area: FocusArea, number: str, name: str, description: str = ""
) -> Strategy:
    """A new strategy under a focus area; its number is unique within the focus area."""
    number = _check_strategy_number(session, focus_area.id, number)
    strategy = Strategy(
        focus_area=focus_area,
        number=number,
        name=name.strip(),
        description=description.strip(),
        position=_position(number),
    )
    session.add(strategy)
    session.flush()
    return strategy


def update_strategy(
    session: Session,
    *,
    strategy: Strategy,
    version: str | int | None,
    number: str,
    name: str,
    description: str,
) -> Strategy:
    """Change a strategy's number, name or description (its meeting tags stay)."""
    ensure_version(strategy, version)
    number = _check_strategy_number(session, strategy.focus_area_id, number, exclude_id=strategy.id)
    strategy.number = number
    strategy.name = name.strip()
    strategy.description = description.strip()
    strategy.position = _position(number)
    session.flush()
    return strategy


# --- seed -----------------------------------------------------------------------------------

SEED_PERIOD_NAME = "Strategi for bærekraftig næringsutvikling 2022–2030"

# From «Strategi for bærekraftig næringsutvikling 2022–2030», Lillestrøm kommune (adopted by
# the municipal council 15 June 2022): focus area number, name, SDGs, and its strategies with
# one sentence of the strategy text each.
SEED_FOCUS_AREAS: list[tuple[str, str, list[int], list[tuple[str, str, str]]]] = [
    (
        "1",
        "Fremtidsrettede virksomheter innen klima, energi, miljø og helse",
        [3, 7, 13],
        [
            (
                "1.1",
                "Innovasjonsdistrikt",
                "Se på muligheten for å utvikle en overordnet ambisjon og strategi for styrking "
                "av bybåndet Lørenskog–Ahus–Lillestrøm–Kjeller (og evnt videre) med et "
                "næringsutviklings- og forskningsperspektiv, særlig innen klima, energi, miljø "
                "og helse.",
            ),
            (
                "1.2",
                "Innovasjon og industrielle satsinger",
                "Legge til rette for nye innovasjoner og utvikling av industri basert på "
                "eksisterende fagmiljøer, samt nye satsninger innen klima, energi, miljø og "
                "helseområdet.",
            ),
            (
                "1.3",
                "Utdanningsinstitusjoner",
                "Legge til rette for utdanningsinstitusjoner som blant annet Oslo Met, "
                "Universitetet i Oslo og Fagskolen i Vikens satsinger i Lillestrøm, og aktivt "
                "bidra til deres måloppnåelse gjennom dialog og samarbeid.",
            ),
        ],
    ),
    (
        "2",
        "Innovasjon, gründerskap og klynger",
        [8, 9],
        [
            (
                "2.1",
                "Bedre rammebetingelser for gründere",
                "Øke attraktiviteten for vekstgründere gjennom gode arenaer, relevante miljøer "
                "og tilgang på risikokapital.",
            ),
            (
                "2.2",
                "Økt innovasjonstakt i etablerte virksomheter",
                "Aktivt legge til rette for innovasjonsprosjekter i etablerte virksomheter i "
                "Lillestrøm.",
            ),
            (
                "2.3",
                "Flere nettverk og klynger",
                "Aktivt bidra i arbeidet med nettverk og klynger innen satsingsområdene klima, "
                "energi, miljø og helse.",
            ),
        ],
    ),
    (
        "3",
        "Opplevelser og kreative næringer",
        [8, 11],
        [
            (
                "3.1",
                "Synliggjøre lokal attraktivitet",
                "Synliggjøre lokale attraksjoner innen kultur-, møte- og opplevelsesnæringer for "
                "å vise frem Lillestrøm kommune som et attraktivt sted både å bosette seg, reise "
                "til og etablere virksomhet i.",
            ),
            (
                "3.2",
                "Videreutvikle Lillestrøm som møte-, konferanse- og messedestinasjon",
                "Bidra til å synliggjøre og markedsføre Lillestrøm som møte-, konferanse- og "
                "messedestinasjon.",
            ),
            (
                "3.3",
                "Bidra i arbeidet med regionalpark og verdensarvstatus",
                "Bidra i prosessen for utvikling av regionalpark og til søknad om "
                "verdensarvstatus, for å sikre at potensialet for næringsutvikling forsterkes.",
            ),
        ],
    ),
    (
        "4",
        "Attraktiv bo- og arbeidskommune",
        [11],
        [
            (
                "4.1",
                "Stedsutvikling med urbane kvaliteter, varierte boliger og differensierte "
                "skoletilbud",
                "Planlegge og understøtte stedsutvikling med urbane kvaliteter, gode "
                "møteplasser, parker og uteområder samt attraktiv arkitektur og funksjonelle "
                "mobilitetsløsninger.",
            ),
            (
                "4.2",
                "Mobilitet og infrastruktur",
                "Bidra til nytenking og innovasjon når det gjelder effektiv infrastruktur og "
                "funksjonelle og grønne mobilitetsløsninger i hele kommunen.",
            ),
            (
                "4.3",
                "Gjøre Lillestrøm bedre kjent",
                "Utvikle en strategisk posisjon for Lillestrøm som er unik, attraktiv og "
                "emosjonelt appellerende.",
            ),
        ],
    ),
    (
        "5",
        "Næringsvennlig kommune",
        [9, 17],
        [
            (
                "5.1",
                "Kommunen som tilrettelegger",
                "Legge til rette for gode prosesser i plan-, bygg- og reguleringsarbeidet, med "
                "god kapasitet og kompetanse.",
            ),
            (
                "5.2",
                "Kommunen som innkjøper",
                "I større grad benytte mulighetene som ligger innenfor regimet for innovative "
                "anskaffelser og bruke innkjøpskraften til å bidra til mer bærekraftige "
                "løsninger.",
            ),
            (
                "5.3",
                "Kommunen som samarbeidspartner",
                "Være en positiv og aktiv partner for bedrifter, andre aktører og kommuner som "
                "ønsker samarbeid på tvers.",
            ),
        ],
    ),
]


def seed_strategy(session: Session) -> StrategyPeriod:
    """Create Lillestrøm's strategy 2022–2030 unless a period of that name exists (idempotent).

    A new seed becomes the current period unless another period already is current, so running
    it on a database where an admin has moved on to a later period changes nothing there.
    """
    existing = session.scalar(select(StrategyPeriod).where(StrategyPeriod.name == SEED_PERIOD_NAME))
    if existing is not None:
        return existing
    period = create_period(session, name=SEED_PERIOD_NAME, start_year=2022, end_year=2030)
    for number, name, sdgs, strategies in SEED_FOCUS_AREAS:
        area = create_focus_area(session, period=period, number=number, name=name, sdgs=sdgs)
        for s_number, s_name, description in strategies:
            create_strategy(
                session, focus_area=area, number=s_number, name=s_name, description=description
            )
    has_current = session.scalar(
        select(StrategyPeriod.id).where(StrategyPeriod.current.is_(True)).limit(1)
    )
    if has_current is None:
        make_period_current(session, period=period)
    return period
