"""Demo action plans and the strategy's indicators.

«Handlingsplan 2022–2024» is a separate PDF the strategy points to; its measures here are
written from the strategies' own text (seed/naeringsstrategi-lillestrom-2022-2030.txt), one or
two per strategy, with invented statuses and progress notes. «Handlingsplan 2025–2027» is made
the way an adviser would: a new plan that takes over the open measures, plus a few new ones.

The indicators' first year is the strategy's own figures (2020; the NHO rank and the purchasing
share are from 2021, as the strategy gives them). Later years are invented for the demo and say
so in their source.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from crm.auth.models import User
from crm.companies.models import Company
from crm.indicators.services import record_value
from crm.meetings.models import Meeting
from crm.plans.services import create_measure, create_plan, set_measures
from crm.strategy.models import Strategy

KSL, KI, IFE = "Kunnskapsbyen Lillestrøm", "Kjeller Innovasjon", "IFE (Institutt for energiteknikk)"
OSLOMET, AHUS = "OsloMet (Campus Romerike)", "Ahus (Akershus universitetssykehus)"


@dataclass(frozen=True)
class DemoMeasure:
    """A measure of the demo plans, with the demo meetings that are its evidence."""

    strategy: str
    title: str
    status: str
    deadline: date | None
    partners: tuple[str, ...] = ()
    progress: str = ""
    progress_on: date | None = None
    meetings: tuple[str, ...] = ()


PLAN_2022 = ("Handlingsplan 2022–2024", 2022, 2024)
MEASURES_2022: list[DemoMeasure] = [
    DemoMeasure("1.1", "Utrede en felles ambisjon for bybåndet Lørenskog–Ahus–Lillestrøm–Kjeller",
        "done", date(2023, 12, 31), (KSL, AHUS, KI),
        "Forstudie levert og drøftet med Lørenskog kommune.", date(2023, 11, 20),
        ("Bedriftsbesøk hos IFE – radiofarmasi",)),
    DemoMeasure("1.2", "Kartlegge arealbehov hos industrien innen klima, energi og helse",
        "started", date(2024, 6, 30), (IFE, "RainPower", "Infinitum"),
        "Ni av tolv selskaper intervjuet; Heia vurderes for de største behovene.",
        date(2024, 9, 17), ("Besøk hos RainPower på Sørumsand", "Heia: ledige næringsarealer")),
    DemoMeasure("1.3", "Fast samarbeidsforum med OsloMet, UiO og Fagskolen i Viken",
        "started", date(2024, 12, 31), (OSLOMET, "UiO (Kjeller)", "Fagskolen i Viken"),
        "To møter i året; neste tema er praksisplasser.", date(2024, 5, 23),
        ("Møte med OsloMet om Campus Romerike", "Fagskolen i Viken: opptrapping i Lillestrøm")),
    DemoMeasure("2.1", "Møteplasser for vekstgründere sammen med Business Lillestrøm og Scale Up",
        "done", date(2023, 6, 30), ("Business Lillestrøm", "Scale Up"),
        "Fire møteplasser holdt i 2022–2023.", date(2023, 6, 15),
        ("Møteplass for gründere i Business Lillestrøm",)),
    DemoMeasure("2.2", "Veiledning om støtteordninger og virkemiddelapparatet",
        "started", date(2024, 12, 31), (KSL,),
        "Informasjonsmøter holdt; næringsfondet foreslått økt i budsjettet.", date(2024, 10, 1)),
    DemoMeasure("2.3", "Kommunen som partner i H2Cluster, Solenergiklyngen og Romerike Helsehub",
        "done", date(2022, 12, 31), (KI, KSL, AHUS),
        "Partnerskap inngått i alle tre.", date(2022, 9, 15),
        ("Oppstart av Romerike Helsehub", "Hydrogenkonferanse på Kjeller")),
    DemoMeasure("3.1", "Synliggjøre kulturkvartalet og lokale attraksjoner i kommunens kanaler",
        "planned", date(2024, 12, 31), ("Lillestrøm kultursenter", "Nitja")),
    DemoMeasure("3.2", "Felles markedsføring av Lillestrøm som messe- og konferansedestinasjon",
        "started", date(2024, 10, 31), ("Nova Spektrum", "X Meeting Point"),
        "Messekalender samordnet med Nova Spektrum.", date(2023, 3, 14),
        ("Nova Spektrum: messekalender og ringvirkninger",)),
    DemoMeasure("3.3", "Delta i forprosjektet for regionalpark rundt Nordre Øyeren",
        "dropped", date(2024, 6, 30), (),
        "Lagt bort til fylkets regionalparkprosess er avklart.", date(2024, 2, 1)),
    DemoMeasure("4.2", "Innspill til grønn mobilitet i bybåndet Ahus–Kjeller",
        "planned", date(2024, 12, 31), (AHUS,)),
    DemoMeasure("4.3", "Utvikle en felles fortelling om Lillestrøm for næringsrettet markedsføring",
        "started", None, (KSL,)),
    DemoMeasure("5.1", "Fast kontaktpunkt for næringslivet i plan- og byggesaker",
        "done", date(2023, 3, 31), (),
        "Næringslosen er på plass.", date(2023, 2, 1),
        ("Arbeidsmøte om næringsstrategien",)),
    DemoMeasure("5.2", "Leverandørutvikling og innovative anskaffelser med LUP",
        "started", date(2024, 12, 31), (),
        "To innovasjonspartnerskap under forberedelse.", date(2024, 4, 15)),
]  # fmt: skip

PLAN_2025 = ("Handlingsplan 2025–2027", 2025, 2027)
NEW_2025: list[DemoMeasure] = [
    DemoMeasure("2.1", "Lokalt gründernettverk på Sørumsand", "started", date(2026, 6, 30),
        ("Business Sørumsand",), "Første samling holdt.", date(2025, 10, 21),
        ("Business Sørumsand: lokalt gründernettverk",)),
    DemoMeasure("4.3", "Kampanje: Lillestrøm – byen for fremtidsteknologi", "planned",
        date(2026, 9, 30), (KSL,), meetings=("Arbeidsmøte: gjøre Lillestrøm bedre kjent",)),
    DemoMeasure("5.2", "Innovasjonspartnerskap om grønn mobilitet", "started", date(2027, 6, 30),
        (), "Markedsdialog gjennomført.", date(2026, 5, 12),
        ("Innovasjonspartnerskap: grønn mobilitet",)),
    DemoMeasure("1.3", "Praksisplasser i helsenæringen med OsloMet og Ahus", "planned",
        date(2026, 3, 31), (OSLOMET, AHUS),
        meetings=("OsloMet og Ahus: praksisplasser i helsenæringen",)),
]  # fmt: skip

_STRATEGY_SOURCE = "Strategi for bærekraftig næringsutvikling 2022–2030 (SSB, NHO)"
_INVENTED = "Oppdiktet demotall"
# (indicator, year, value, national value, source)
INDICATORS: list[tuple[str, int, float, float | None, str]] = [
    ("businesses", 2020, 11_000, None, _STRATEGY_SOURCE),
    ("jobs", 2020, 40_000, None, _STRATEGY_SOURCE),
    ("in_commuters", 2020, 25_000, None, _STRATEGY_SOURCE),
    ("out_commuters", 2020, 30_000, None, _STRATEGY_SOURCE),
    ("value_per_employee", 2020, 650_000, 692_000, _STRATEGY_SOURCE),
    ("nho_rank", 2021, 18, None, _STRATEGY_SOURCE),
    ("purchasing_share", 2021, 8.2, 10.0, _STRATEGY_SOURCE),
    ("businesses", 2022, 11_350, None, _INVENTED),
    ("businesses", 2024, 11_700, None, _INVENTED),
    ("jobs", 2022, 41_200, None, _INVENTED),
    ("jobs", 2024, 42_100, None, _INVENTED),
    ("in_commuters", 2022, 25_600, None, _INVENTED),
    ("out_commuters", 2022, 30_400, None, _INVENTED),
    ("value_per_employee", 2022, 676_000, 731_000, _INVENTED),
    ("value_per_employee", 2024, 702_000, 748_000, _INVENTED),
    ("nho_rank", 2023, 15, None, _INVENTED),
    ("nho_rank", 2025, 12, None, _INVENTED),
    ("purchasing_share", 2023, 9.1, 10.2, _INVENTED),
]


def _add_measures(
    session: Session,
    plan,
    specs: list[DemoMeasure],
    *,
    strategies: dict[str, Strategy],
    organisations: dict[str, Company],
    meetings: dict[str, Meeting],
    adviser: User | None,
) -> int:
    for spec in specs:
        strategy = strategies.get(spec.strategy)
        measure = create_measure(
            session,
            plan=plan,
            title=spec.title,
            strategy_id=strategy.id if strategy else None,
            responsible_id=adviser.id if adviser else None,
            partner_ids=[organisations[name].id for name in spec.partners],
            status=spec.status,
            deadline=spec.deadline,
            progress_note=spec.progress,
            progress_on=spec.progress_on,
            is_demo=True,
        )
        for title in spec.meetings:
            set_measures(
                session,
                kind="meeting",
                record_id=meetings[title].id,
                measure_ids=[measure.id],
            )
    return len(specs)


def seed_plans(
    session: Session,
    *,
    strategies: dict[str, Strategy],
    organisations: dict[str, Company],
    meetings: dict[str, Meeting],
    adviser: User | None,
) -> tuple[int, int]:
    """The two demo plans with their measures and evidence; returns (plans, measures)."""
    session.flush()
    context = {
        "strategies": strategies,
        "organisations": organisations,
        "meetings": meetings,
        "adviser": adviser,
    }
    name, start, end = PLAN_2022
    first = create_plan(
        session, name=name, start_year=start, end_year=end, copy_open_measures=False, is_demo=True
    )
    count = _add_measures(session, first, MEASURES_2022, **context)
    name, start, end = PLAN_2025
    second = create_plan(session, name=name, start_year=start, end_year=end, is_demo=True)
    count += len(second.measures)
    count += _add_measures(session, second, NEW_2025, **context)
    return 2, count


def seed_indicators(session: Session) -> int:
    """The strategy's 2020 figures and invented later years; returns how many values."""
    for indicator, year, value, national, source in INDICATORS:
        record_value(
            session,
            indicator=indicator,
            year=year,
            value=value,
            national_value=national,
            source=source,
            is_demo=True,
        )
    return len(INDICATORS)
