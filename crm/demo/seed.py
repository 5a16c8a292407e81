"""Demo data from «Strategi for bærekraftig næringsutvikling 2022–2030» (Lillestrøm kommune).

The organisations, clusters, places and sectors are the ones the strategy names. The people,
meetings and tasks are invented: the people are fictitious (common Norwegian names, addresses
at example.no), and no organisation gets an organisation number, because the rule is real
numbers or none and we hold no verified ones.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.auth.models import User
from crm.clusters.models import Cluster, ClusterKind, Membership, MembershipRole
from crm.common.access import Role
from crm.common.dates import local_today
from crm.companies.models import Company, CompanyKind, Place, RegisterPoint, Sector
from crm.contacts.models import Affiliation, Contact
from crm.demo.history import register_history_rows
from crm.demo.plans import seed_indicators, seed_plans
from crm.establishments.models import EstablishmentCase, StageChange, StageOutcome
from crm.establishments.services import seed_stages
from crm.meetings.models import Meeting, MeetingKind
from crm.network.models import CollaborationLink
from crm.network.services import seed_link_types
from crm.strategy.models import FocusArea, Strategy
from crm.tasks.models import Task

OSLO = ZoneInfo("Europe/Oslo")

# --- places ---------------------------------------------------------------------------------
# (name, growth_area). The strategy names Lillestrøm by as the regional city and Berger and Heia
# as the regional business areas (regional plan for areal og transport), then lists Fetsund
# sentrum, Sørumsand, Frogner, Strømmen, Skedsmokorset, Kjeller, Hvam and Nesa syd as places
# with business where there is room to expand; those eleven are taken as the prioritised growth
# areas of the 90 % goal. Skjetten and Blaker are not on that list, so they are not growth areas.
PLACES: list[tuple[str, bool]] = [
    ("Lillestrøm sentrum", True),
    ("Berger", True),
    ("Heia", True),
    ("Fetsund sentrum", True),
    ("Sørumsand", True),
    ("Frogner", True),
    ("Strømmen", True),
    ("Skedsmokorset", True),
    ("Kjeller", True),
    ("Hvam", True),
    ("Nesa syd", True),
    ("Skjetten", False),
    ("Blaker", False),
]

# --- sectors --------------------------------------------------------------------------------
# (name, prioritised). Focus area 1 prioritises klima, energi, miljø og helse; focus area 3
# the experience, creative and meeting industries. The rest are the municipality's big sectors
# by value creation, which the strategy names but does not prioritise.
SECTORS: list[tuple[str, bool]] = [
    ("Klima", True),
    ("Energi", True),
    ("Miljø", True),
    ("Helse", True),
    ("Opplevelser og kreative næringer", True),
    ("Møte-, konferanse- og messenæring", True),
    ("Handel", False),
    ("Bygg og anlegg", False),
    ("Transport og logistikk", False),
    ("IKT", False),
    ("Industri", False),
]

# --- organisations --------------------------------------------------------------------------
# (name, kind, place or None, sectors, employees or None, description). Places come from the
# strategy where it gives them; for the others a plausible place is chosen for the demo, and
# Ahus (in Lørenskog) and national bodies have none. Employees only where the strategy says.
_C = CompanyKind
# Short names for the organisations the tables below refer to often.
KSL, KI, IFE = "Kunnskapsbyen Lillestrøm", "Kjeller Innovasjon", "IFE (Institutt for energiteknikk)"
FFI, AHUS = "FFI (Forsvarets forskningsinstitutt)", "Ahus (Akershus universitetssykehus)"
OSLOMET, UIO, AE = "OsloMet (Campus Romerike)", "UiO (Kjeller)", "Akershus Energi"
H2, LUP = "H2Cluster (Hydrogenklyngen)", "LUP (Nasjonalt program for leverandørutvikling)"
ORGANISATIONS: list[tuple[str, str, str | None, list[str], int | None, str]] = [
    ("Lillestrøm kommune", _C.PUBLIC, "Lillestrøm sentrum", [], None,
     "Kommunen selv; næringsavdelingen fører denne databasen."),
    ("IFE (Institutt for energiteknikk)", _C.RESEARCH, "Kjeller", ["Energi", "Helse", "Klima"],
     None, "Forskningsinstitutt for energi og nukleærteknologi; unikt miljø for radiofarmasi."),
    ("NILU", _C.RESEARCH, "Kjeller", ["Klima", "Miljø"], None,
     "Norsk institutt for luftforskning."),
    ("FFI (Forsvarets forskningsinstitutt)", _C.RESEARCH, "Kjeller", ["IKT", "Industri"], None,
     "Forsvarets forskningsinstitutt."),
    ("Norsar", _C.RESEARCH, "Kjeller", ["Miljø", "IKT"], None,
     "Forskningsstiftelse for seismologi og overvåking."),
    ("Kjeller Innovasjon", _C.INCUBATOR, "Kjeller", ["Energi", "Helse", "Klima"], None,
     "Inkubator for oppstartsselskaper; leder prosjekter fra forskning til nye selskaper."),
    ("Kunnskapsbyen Lillestrøm", _C.CLUSTER_ORGANISATION, "Lillestrøm sentrum",
     ["Klima", "Energi", "Miljø"], None,
     "Næringsutviklingsforening og aktiv «koblingsboks» mellom næringsliv, akademia og "
     "kommunene på Romerike."),
    ("Infinitum", _C.COMPANY, "Fetsund sentrum", ["Miljø", "Klima"], None,
     "Pantesystemet for flasker og bokser."),
    ("RainPower", _C.COMPANY, "Sørumsand", ["Energi", "Industri"], None,
     "Vannkraftteknologi og turbiner."),
    ("Akershus Energi", _C.COMPANY, "Lillestrøm sentrum", ["Energi", "Klima"], None,
     "Energikonsern eid av fylkeskommunen."),
    ("Auto-Maskin", _C.COMPANY, "Skjetten", ["Energi", "Industri"], None,
     "Styringssystemer for motorer og maritime anlegg."),
    ("Pon Equipment", _C.COMPANY, "Berger", ["Energi", "Bygg og anlegg", "Transport og logistikk"],
     None, "Anleggsmaskiner og kraftsystemer; satser på utslippsfrie maskiner."),
    ("Ahus (Akershus universitetssykehus)", _C.PUBLIC, None, ["Helse"], 10000,
     "Regionens største arbeidsplass innen helse, med ca. 10 000 ansatte."),
    ("Thermo Fisher", _C.COMPANY, "Lillestrøm sentrum", ["Helse"], None,
     "Ledende fagmiljø innen helseindustri."),
    ("Bergman Diagnostica", _C.COMPANY, "Kjeller", ["Helse"], None,
     "Diagnostikk og laboratorieutstyr."),
    ("Aidee", _C.COMPANY, "Lillestrøm sentrum", ["Helse", "IKT"], None,
     "Helseteknologi."),
    ("OsloMet (Campus Romerike)", _C.EDUCATION, "Lillestrøm sentrum", ["Helse"], None,
     "Storbyuniversitetets nye campus sentralt i Lillestrøm by."),
    ("UiO (Kjeller)", _C.EDUCATION, "Kjeller", ["Energi", "Klima", "Helse"], None,
     "Universitetet i Oslo; mål om 500 nye studieplasser i fremtidsteknologier på Kjeller."),
    ("Fagskolen i Viken", _C.EDUCATION, "Lillestrøm sentrum", ["Industri", "Bygg og anlegg"],
     None, "Fagskole som trapper opp tilstedeværelsen i Lillestrøm."),
    ("Nova Spektrum", _C.VENUE, "Lillestrøm sentrum", ["Møte-, konferanse- og messenæring"],
     None, "Messe- og konferansesenter; planer om ny Byscene."),
    ("X Meeting Point", _C.VENUE, "Skjetten", ["Møte-, konferanse- og messenæring"], None,
     "Messe- og arrangementssenter."),
    ("Strømmen Storsenter", _C.COMPANY, "Strømmen", ["Handel", "Opplevelser og kreative næringer"],
     None, "Norges nest største kjøpesenter."),
    ("Lillestrøm kultursenter", _C.VENUE, "Lillestrøm sentrum",
     ["Opplevelser og kreative næringer"], None, "Kulturhus i kulturkvartalet."),
    ("Nitja", _C.VENUE, "Lillestrøm sentrum", ["Opplevelser og kreative næringer"], None,
     "Nitja senter for samtidskunst."),
    ("Lillestrøm Culture Hub", _C.INCUBATOR, "Lillestrøm sentrum",
     ["Opplevelser og kreative næringer"], None, "Gründermiljø for kulturnæringer."),
    ("Blaker Skanse", _C.VENUE, "Blaker", ["Opplevelser og kreative næringer"], None,
     "Besøkssted og arbeidssted for kulturnæringer, med KunstSkansen."),
    ("Business Lillestrøm", _C.INCUBATOR, "Lillestrøm sentrum", [], None,
     "Gründermiljø og arbeidsfellesskap."),
    ("Business Sørumsand", _C.INCUBATOR, "Sørumsand", [], None, "Lokalt gründermiljø."),
    ("Scale Up", _C.INCUBATOR, "Lillestrøm sentrum", [], None, "Miljø for vekstgründere."),
    ("Ungt Entreprenørskap", _C.OTHER, None, [], None,
     "Undervisningsopplegg i entreprenørskap for hele skoleløpet."),
]  # fmt: skip

# --- clusters -------------------------------------------------------------------------------
# (name, kind, facilitator or None, focus, description)
_K = ClusterKind
CLUSTERS: list[tuple[str, str, str | None, str, str]] = [
    ("Solenergiklyngen", _K.CLUSTER, "Kunnskapsbyen Lillestrøm", "Solenergi",
     "Klynge fostret av Kjellermiljøet."),
    ("H2Cluster (Hydrogenklyngen)", _K.CLUSTER, "Kjeller Innovasjon", "Hydrogen",
     "Hydrogenklyngen, fasilitert av Kjeller Innovasjon."),
    ("Romerike Helsehub", _K.NETWORK, "Lillestrøm kommune", "Helsetjenester og helsenæring",
     "Fra 2022, tidligere Lillestrøm helseklynge (initiert av kommunen). Kan bli en formell "
     "klynge dersom partnerne ønsker det."),
    ("Tømmerruta", _K.NETWORK, None, "Opplevelser rundt Nordre Øyeren",
     "Lokalt nettverk som synliggjør opplevelsene i regionen."),
    ("Visit Greater Oslo", _K.NETWORK, None, "Reiseliv og destinasjoner i Stor-Osloregionen",
     "Samarbeidspartner for å lage opplevelser og reisemål."),
    ("LUP (Nasjonalt program for leverandørutvikling)", _K.PROGRAMME, None,
     "Innovative offentlige anskaffelser",
     "Lillestrøm kommune ble medlem av partnerskapet i 2020."),
]  # fmt: skip

_R = MembershipRole
# (cluster, organisation, role, joined, left)
MEMBERSHIPS: list[tuple[str, str, str, date, date | None]] = [
    ("Solenergiklyngen", "Kunnskapsbyen Lillestrøm", _R.FACILITATOR, date(2016, 1, 1), None),
    ("Solenergiklyngen", IFE, _R.FOUNDING_MEMBER, date(2016, 1, 1), None),
    ("Solenergiklyngen", "Kjeller Innovasjon", _R.PARTNER, date(2016, 6, 1), None),
    ("Solenergiklyngen", "NILU", _R.MEMBER, date(2017, 3, 1), None),
    ("Solenergiklyngen", "Akershus Energi", _R.BOARD, date(2017, 9, 1), None),
    ("Solenergiklyngen", "Pon Equipment", _R.MEMBER, date(2021, 2, 1), date(2024, 12, 31)),
    ("Solenergiklyngen", "Lillestrøm kommune", _R.PARTNER, date(2022, 8, 15), None),
    (H2, "Kjeller Innovasjon", _R.FACILITATOR, date(2017, 1, 1), None),
    (H2, IFE, _R.FOUNDING_MEMBER, date(2017, 1, 1), None),
    (H2, "Akershus Energi", _R.BOARD, date(2018, 4, 1), None),
    (H2, "Pon Equipment", _R.MEMBER, date(2020, 10, 1), None),
    (H2, "Auto-Maskin", _R.MEMBER, date(2021, 5, 1), None),
    (H2, "Kunnskapsbyen Lillestrøm", _R.PARTNER, date(2019, 1, 1), None),
    (H2, "Lillestrøm kommune", _R.PARTNER, date(2022, 9, 15), None),
    ("Romerike Helsehub", "Lillestrøm kommune", _R.FACILITATOR, date(2019, 9, 1), None),
    ("Romerike Helsehub", AHUS, _R.BOARD, date(2019, 9, 1), None),
    ("Romerike Helsehub", "OsloMet (Campus Romerike)", _R.PARTNER, date(2022, 4, 5), None),
    ("Romerike Helsehub", "Kunnskapsbyen Lillestrøm", _R.PARTNER, date(2022, 4, 5), None),
    ("Romerike Helsehub", "Thermo Fisher", _R.MEMBER, date(2022, 6, 1), None),
    ("Romerike Helsehub", "Bergman Diagnostica", _R.MEMBER, date(2022, 6, 1), None),
    ("Romerike Helsehub", IFE, _R.MEMBER, date(2022, 10, 1), None),
    ("Romerike Helsehub", "Aidee", _R.MEMBER, date(2023, 5, 1), date(2025, 6, 30)),
    ("Tømmerruta", "Blaker Skanse", _R.MEMBER, date(2018, 5, 1), None),
    ("Tømmerruta", "Business Sørumsand", _R.MEMBER, date(2021, 3, 1), None),
    ("Tømmerruta", "Lillestrøm kommune", _R.PARTNER, date(2020, 1, 1), None),
    ("Visit Greater Oslo", "Nova Spektrum", _R.MEMBER, date(2015, 1, 1), None),
    ("Visit Greater Oslo", "X Meeting Point", _R.MEMBER, date(2016, 1, 1), None),
    ("Visit Greater Oslo", "Strømmen Storsenter", _R.MEMBER, date(2019, 1, 1), date(2023, 12, 31)),
    ("Visit Greater Oslo", "Lillestrøm kommune", _R.PARTNER, date(2020, 1, 1), None),
    (LUP, "Lillestrøm kommune", _R.MEMBER, date(2020, 1, 1), None),
]  # fmt: skip

# --- people (all fictitious) ----------------------------------------------------------------
# (name, [(organisation, title, start, end)]); the email is first.last@example.no.
PEOPLE: list[tuple[str, list[tuple[str, str, date, date | None]]]] = [
    ("Ingrid Berg", [("Kunnskapsbyen Lillestrøm", "Daglig leder", date(2019, 3, 1), None)]),
    ("Lars Haugen", [("Kjeller Innovasjon", "Inkubatorleder", date(2018, 8, 1), None)]),
    ("Marte Solberg", [(IFE, "Forretningsutvikler", date(2017, 1, 1), None)]),
    ("Ole Johansen", [("NILU", "Seniorforsker", date(2012, 9, 1), None)]),
    ("Silje Bakken", [(FFI, "Kommunikasjonsrådgiver", date(2020, 2, 1), None)]),
    ("Anders Lie", [("Norsar", "Avdelingsleder", date(2015, 4, 1), None)]),
    ("Hanne Nilsen", [("Infinitum", "Bærekraftsansvarlig", date(2019, 6, 1), None)]),
    ("Erik Dahl", [("RainPower", "Fabrikksjef", date(2016, 1, 1), None)]),
    ("Nina Eriksen", [("Akershus Energi", "Strategidirektør", date(2018, 3, 1), None)]),
    ("Jonas Hansen", [("Auto-Maskin", "Produktsjef", date(2020, 8, 1), None)]),
    ("Kristin Larsen", [("Pon Equipment", "Regiondirektør", date(2017, 5, 1), None)]),
    ("Thomas Andersen", [(AHUS, "Innovasjonsleder", date(2016, 10, 1), None)]),
    ("Ida Pedersen", [("Thermo Fisher", "Driftsleder", date(2019, 1, 1), None)]),
    ("Martin Kristiansen", [("Bergman Diagnostica", "Salgssjef", date(2018, 2, 1), None)]),
    ("Camilla Jensen", [("Aidee", "Gründer og daglig leder", date(2021, 1, 1), None),
                        ("Kjeller Innovasjon", "Rådgiver", date(2017, 8, 1), date(2020, 12, 31))]),
    ("Henrik Karlsen", [("OsloMet (Campus Romerike)", "Campusdirektør", date(2021, 8, 1), None)]),
    ("Sofie Halvorsen", [("UiO (Kjeller)", "Prosjektleder", date(2022, 1, 1), None)]),
    ("Magnus Strand", [("Fagskolen i Viken", "Studieleder", date(2020, 8, 1), None)]),
    ("Elisabeth Moen", [("Nova Spektrum", "Salgsdirektør", date(2018, 1, 1), None)]),
    ("Kristoffer Lund", [("X Meeting Point", "Daglig leder", date(2019, 5, 1), None)]),
    ("Tone Berntsen", [("Strømmen Storsenter", "Senterleder", date(2017, 3, 1), None)]),
    ("Sindre Aas", [("Lillestrøm Culture Hub", "Prosjektleder", date(2023, 9, 1), None),
                    ("Nitja", "Formidler", date(2019, 1, 1), date(2023, 8, 31))]),
    ("Gro Lien", [("Lillestrøm kultursenter", "Kulturhussjef", date(2016, 1, 1), None)]),
    ("Heidi Ruud", [("Business Lillestrøm", "Daglig leder", date(2020, 1, 1), None)]),
    ("Per Holm", [("Business Sørumsand", "Styreleder", date(2019, 1, 1), None)]),
    ("Jørgen Vik", [("Scale Up", "Partner", date(2021, 6, 1), None)]),
    ("Randi Sæther", [("Ungt Entreprenørskap", "Rådgiver", date(2018, 8, 1), None)]),
]  # fmt: skip

# --- meetings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoMeeting:
    """One invented meeting of the department."""

    when: datetime
    kind: str
    title: str
    location: str
    organisations: tuple[str, ...]
    people: tuple[str, ...]
    strategies: tuple[str, ...]
    notes: str


_M = MeetingKind


def _at(y: int, mo: int, d: int, h: int = 10, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=OSLO)


MEETINGS: list[DemoMeeting] = [
    DemoMeeting(_at(2022, 2, 15, 9), _M.WORKSHOP, "Arbeidsmøte om næringsstrategien",
        "Lillestrøm rådhus", (KSL, KI, AE, "Nova Spektrum", "Business Lillestrøm"),
        ("Ingrid Berg", "Lars Haugen", "Nina Eriksen", "Elisabeth Moen", "Heidi Ruud"),
        ("5.3", "2.3"),
        "## Innspill til næringsstrategien\n\n"
        "- Ønske om raskere saksbehandling i plan- og byggesaker\n"
        "- Tydeligere satsing på klima, energi, miljø og helse\n"
        "- Kunnskapsbyen tilbyr seg å koble kommunen på klyngene\n"),
    DemoMeeting(_at(2022, 3, 10, 13), _M.VISIT, "Bedriftsbesøk hos IFE – radiofarmasi", "Kjeller",
        (IFE,), ("Marte Solberg",), ("1.2", "1.1"),
        "Omvisning i produksjonen av radiofarmaka.\n\n"
        "**Behov:** mer areal til produksjon og bedre kollektivtilbud til Kjeller.\n"),
    DemoMeeting(_at(2022, 4, 5), _M.MEETING, "Oppstart av Romerike Helsehub", "Lillestrøm",
        (AHUS, OSLOMET, KSL, "Lillestrøm kommune"),
        ("Thomas Andersen", "Henrik Karlsen", "Ingrid Berg"), ("2.3", "1.1"),
        "Lillestrøm helseklynge videreføres som **Romerike Helsehub**.\n\n"
        "1. Mandat og partnerskap\n2. Arbeidsgrupper for tjenesteinnovasjon\n"
        "3. Neste møte før sommeren\n"),
    DemoMeeting(_at(2022, 5, 12, 14), _M.PHONE, "Telefon med Infinitum om utvidelse i Fetsund",
        "Telefon", ("Infinitum",), ("Hanne Nilsen",), ("5.1", "1.2"),
        "Infinitum vurderer å utvide anlegget. Lovet oversikt over ledige næringsarealer.\n"),
    DemoMeeting(_at(2022, 6, 20), _M.MEETING, "Oppfølging etter vedtak av næringsstrategien",
        "Lillestrøm rådhus", (KSL, KI), ("Ingrid Berg", "Lars Haugen"), ("5.3",),
        "Strategien ble vedtatt i kommunestyret 15. juni. Vi fordeler ansvar for tiltakene i "
        "handlingsplanen 2022–2024.\n"),
    DemoMeeting(_at(2022, 8, 30, 11), _M.VISIT, "Besøk hos RainPower på Sørumsand", "Sørumsand",
        ("RainPower",), ("Erik Dahl",), ("1.2", "2.2"),
        "## Status\n\nGod ordrebok innen vannkraftturbiner. Mangler fagarbeidere; ønsker "
        "kontakt med Fagskolen i Viken.\n"),
    DemoMeeting(_at(2022, 9, 15, 9), _M.CONFERENCE, "Hydrogenkonferanse på Kjeller", "Kjeller",
        (KI, IFE, AE, "Pon Equipment", "Auto-Maskin"),
        ("Lars Haugen", "Marte Solberg", "Nina Eriksen", "Kristin Larsen", "Jonas Hansen"),
        ("2.3", "1.2"),
        "H2Cluster samlet medlemmene. Kommunen presenterte næringsstrategien og ble partner i "
        "klyngen.\n"),
    DemoMeeting(_at(2022, 10, 4), _M.MEETING, "Møte med OsloMet om Campus Romerike",
        "Lillestrøm", (OSLOMET,), ("Henrik Karlsen",), ("1.3", "4.1"),
        "- Helserelaterte utdanninger på campus\n- Praksisplasser i kommunen\n"
        "- Studentboliger og byliv\n"),
    DemoMeeting(_at(2022, 11, 8, 8, 30), _M.EMAIL,
        "E-post til Pon Equipment om arealbehov på Berger", "E-post",
        ("Pon Equipment",), ("Kristin Larsen",), ("5.1",),
        "Sendt oversikt over reguleringsstatus på Berger. Lite ledig areal; Heia nevnt som "
        "alternativ.\n"),
    DemoMeeting(_at(2022, 12, 6, 17), _M.MEETING, "Møteplass for gründere i Business Lillestrøm",
        "Business Lillestrøm", ("Business Lillestrøm", "Scale Up", KI),
        ("Heidi Ruud", "Jørgen Vik", "Lars Haugen"), ("2.1",),
        "Godt oppmøte, ca. 40 gründere. Tema: tilgang på risikokapital nord for Oslo.\n"),
    DemoMeeting(_at(2023, 1, 17, 13), _M.VISIT, "Besøk hos Thermo Fisher", "Lillestrøm",
        ("Thermo Fisher",), ("Ida Pedersen",), ("1.2",),
        "Selskapet vokser og ser etter flere kvalifiserte ansatte. Interessert i Romerike "
        "Helsehub.\n"),
    DemoMeeting(_at(2023, 2, 9, 9), _M.WORKSHOP,
        "Arbeidsmøte: innovasjonsdistriktet Lørenskog–Ahus–Lillestrøm–Kjeller", "Kjeller",
        (AHUS, IFE, "NILU", FFI, "Norsar", OSLOMET, UIO, KSL),
        ("Thomas Andersen", "Marte Solberg", "Ole Johansen", "Silje Bakken", "Anders Lie",
         "Henrik Karlsen", "Sofie Halvorsen", "Ingrid Berg"),
        ("1.1", "4.2"),
        "## Innovasjonsdistrikt\n\nVi ser på metodikken bak Oslo Science City.\n\n"
        "- Felles ambisjon for bybåndet\n- Kartlegge arealer langs aksen\n"
        "- Neste steg: skisse til overordnet plan\n"),
    DemoMeeting(_at(2023, 3, 14), _M.MEETING, "Nova Spektrum: messekalender og ringvirkninger",
        "Nova Spektrum", ("Nova Spektrum", "X Meeting Point"),
        ("Elisabeth Moen", "Kristoffer Lund"), ("3.2",),
        "Hvordan få tilreisende til å oppleve mer av Lillestrøm? Forslag om felles "
        "opplevelsespakker med lokale aktører.\n"),
    DemoMeeting(_at(2023, 4, 19, 15), _M.PHONE, "Samtale med Aidee om lokaler", "Telefon",
        ("Aidee",), ("Camilla Jensen",), ("5.1", "2.1"),
        "Aidee trenger 300 m² kontor nær Lillestrøm stasjon innen et år.\n"),
    DemoMeeting(_at(2023, 5, 23), _M.MEETING, "UiO Kjeller: studieplasser i fremtidsteknologier",
        "Kjeller", (UIO, IFE), ("Sofie Halvorsen", "Marte Solberg"), ("1.3",),
        "UiO har mål om 500 nye studieplasser på Kjeller innen energi, radiofarmasi og klima.\n"),
    DemoMeeting(_at(2023, 6, 7, 12), _M.VISIT, "Besøk på Blaker Skanse og KunstSkansen", "Blaker",
        ("Blaker Skanse",), (), ("3.1", "3.3"),
        "Befaring med tanke på regionalpark og verdensarvsøknad.\n"),
    DemoMeeting(_at(2023, 8, 29), _M.MEETING,
        "Tømmerruta: felles synliggjøring rundt Nordre Øyeren", "Fetsund lenser",
        ("Blaker Skanse", "Business Sørumsand"), ("Per Holm",),
        ("3.1", "3.3"),
        "Tømmer- og sagbrukshistorien som fellesnevner. Forslag om skilting og felles nettside.\n"),
    DemoMeeting(_at(2023, 9, 12, 9), _M.CONFERENCE, "Solenergiklyngens årskonferanse", "Kjeller",
        (KSL, IFE, AE, "NILU"), ("Ingrid Berg", "Marte Solberg", "Nina Eriksen", "Ole Johansen"),
        ("2.3", "1.2"),
        "Kommunen deltok i panelet om solkraft på offentlige bygg.\n"),
    DemoMeeting(_at(2023, 10, 3), _M.MEETING, "Fagskolen i Viken: opptrapping i Lillestrøm",
        "Lillestrøm", ("Fagskolen i Viken",), ("Magnus Strand",), ("1.3",),
        "Nye studietilbud innen elkraft og bygg. Fagskolen ønsker kontakt med industrien.\n"),
    DemoMeeting(_at(2023, 10, 26, 13), _M.MEETING,
        "Leverandørutvikling: innovative anskaffelser (LUP)", "Lillestrøm rådhus",
        (AE, "Infinitum"), ("Nina Eriksen", "Hanne Nilsen"), ("5.2",),
        "Dialogkonferanse før anskaffelse av energitjenester. Innspill om sirkulære løsninger.\n"),
    DemoMeeting(_at(2023, 11, 21, 10), _M.VISIT, "Besøk hos Auto-Maskin på Skjetten", "Skjetten",
        ("Auto-Maskin",), ("Jonas Hansen",), ("1.2", "2.2"),
        "Eksport til over 40 land. Interessert i SkatteFUNN og Innovasjon Norge.\n"),
    DemoMeeting(_at(2024, 1, 16), _M.MEETING, "Strømmen Storsenter og badeland", "Strømmen",
        ("Strømmen Storsenter",), ("Tone Berntsen",), ("3.1", "4.1"),
        "Badeland kan bli en viktig «reason to go». Trafikk og parkering må utredes.\n"),
    DemoMeeting(_at(2024, 2, 6, 9), _M.WORKSHOP, "Kulturkvartalet: kulturnæringer og Culture Hub",
        "Lillestrøm kultursenter", ("Lillestrøm kultursenter", "Nitja", "Lillestrøm Culture Hub"),
        ("Gro Lien", "Sindre Aas"), ("3.1", "2.1"),
        "## Kulturkvartalet\n\n- Arbeidsplasser for kreative næringer\n"
        "- Felles program med biblioteket\n"),
    DemoMeeting(_at(2024, 3, 12, 14), _M.PHONE, "Oppfølging av Bergman Diagnostica", "Telefon",
        ("Bergman Diagnostica",), ("Martin Kristiansen",), ("1.2",),
        "Utvidelse av lageret utsatt til 2025.\n"),
    DemoMeeting(_at(2024, 4, 9), _M.MEETING, "Ungt Entreprenørskap: elevbedrifter i Lillestrøm",
        "Lillestrøm rådhus", ("Ungt Entreprenørskap",), ("Randi Sæther",), ("2.1",),
        "Flere skoler ønsker elevbedrift. Kommunen stiller med juryer til fylkesmessen.\n"),
    DemoMeeting(_at(2024, 5, 14), _M.MEETING, "NILU og FFI: klimadata og åpne data fra kommunen",
        "Kjeller", ("NILU", FFI), ("Ole Johansen", "Silje Bakken"), ("5.3", "1.2"),
        "Kommunens målinger av luftkvalitet kan deles som åpne data.\n"),
    DemoMeeting(_at(2024, 6, 4, 9), _M.CONFERENCE, "Romerike Helsehub: nettverksmøte",
        "Campus Romerike", (AHUS, "Thermo Fisher", "Bergman Diagnostica", "Aidee", OSLOMET, IFE),
        ("Thomas Andersen", "Ida Pedersen", "Martin Kristiansen", "Camilla Jensen",
         "Henrik Karlsen", "Marte Solberg"),
        ("2.3", "1.2"),
        "Tema: regionale forsyningskjeder i helseindustrien etter pandemien.\n"),
    DemoMeeting(_at(2024, 8, 27, 13), _M.VISIT, "Besøk hos Norsar", "Kjeller", ("Norsar",),
        ("Anders Lie",), ("1.2",), "Internasjonalt miljø; ansatte bor ofte i Oslo.\n"),
    DemoMeeting(_at(2024, 9, 17), _M.MEETING, "Heia: ledige næringsarealer", "Lillestrøm rådhus",
        (KSL,), ("Ingrid Berg",), ("5.1", "4.2"),
        "Gjennomgang av ledige tomter på Heia og hvordan de kan posisjoneres mot "
        "kunnskapsintensive etableringer.\n"),
    DemoMeeting(_at(2024, 10, 22, 8), _M.EMAIL, "Invitasjon til Lillestrøm-konferansen", "E-post",
        ("X Meeting Point", "Nova Spektrum"), ("Kristoffer Lund", "Elisabeth Moen"),
        ("3.2", "4.3"), "Invitasjon sendt; begge stiller med stand.\n"),
    DemoMeeting(_at(2024, 11, 19), _M.MEETING, "H2Cluster: hydrogen til tungtransport", "Kjeller",
        (KI, "Pon Equipment", AE), ("Lars Haugen", "Kristin Larsen", "Nina Eriksen"),
        ("2.3", "4.2"),
        "Pilot med hydrogendrevne anleggsmaskiner. Kommunen vurderer krav i egne anbud.\n"),
    DemoMeeting(_at(2025, 1, 14), _M.MEETING, "Scale Up: kapitaltilgang for vekstgründere",
        "Lillestrøm", ("Scale Up", KI), ("Jørgen Vik", "Lars Haugen"), ("2.1", "2.2"),
        "Forslag om investorforum to ganger i året.\n"),
    DemoMeeting(_at(2025, 2, 25, 10), _M.VISIT, "Besøk hos Infinitum i Fetsund", "Fetsund",
        ("Infinitum",), ("Hanne Nilsen",), ("1.2", "5.2"),
        "Utvidelsen er ferdig. Nye arbeidsplasser innen sortering og logistikk.\n"),
    DemoMeeting(_at(2025, 3, 18, 9), _M.WORKSHOP, "Arbeidsmøte: gjøre Lillestrøm bedre kjent",
        "Nova Spektrum", ("Nova Spektrum", "Strømmen Storsenter", KSL, "Lillestrøm Culture Hub"),
        ("Elisabeth Moen", "Tone Berntsen", "Ingrid Berg", "Sindre Aas"), ("4.3", "3.1"),
        "## Budskap\n\n1. Kunnskapsbyen\n2. Møteplassen\n3. Naturen rundt Nordre Øyeren\n"),
    DemoMeeting(_at(2025, 5, 6), _M.MEETING, "OsloMet og Ahus: praksisplasser i helsenæringen",
        "Campus Romerike", (OSLOMET, AHUS), ("Henrik Karlsen", "Thomas Andersen"), ("1.3", "1.1"),
        "Felles ph.d.-prosjekt om velferdsteknologi drøftet.\n"),
    DemoMeeting(_at(2025, 6, 10, 14), _M.PHONE, "RainPower: eksportprosjekt og Innovasjon Norge",
        "Telefon", ("RainPower",), ("Erik Dahl",), ("2.2",),
        "Henviste til Innovasjon Norges eksportprogram.\n"),
    DemoMeeting(_at(2025, 9, 9, 9), _M.CONFERENCE, "Energihuset i Lillestrøm: innspillsmøte",
        "Lillestrøm", (AE, IFE, KSL, KI),
        ("Nina Eriksen", "Marte Solberg", "Ingrid Berg", "Lars Haugen"), ("1.1", "1.2"),
        "«Energihuset» kan bli et regionalt fyrtårn for fornybarsektoren.\n"),
    DemoMeeting(_at(2025, 10, 21, 18), _M.MEETING, "Business Sørumsand: lokalt gründernettverk",
        "Sørumsand", ("Business Sørumsand",), ("Per Holm",), ("2.1",),
        "Ønske om kontorfellesskap nær stasjonen.\n"),
    DemoMeeting(_at(2026, 1, 20), _M.MEETING, "Fagskolen og industrien: kompetansebehov",
        "Lillestrøm", ("Fagskolen i Viken", "RainPower", "Auto-Maskin"),
        ("Magnus Strand", "Erik Dahl", "Jonas Hansen"), ("1.3", "2.2"),
        "Industrien trenger automatikere og elkraftteknikere.\n"),
    DemoMeeting(_at(2026, 3, 10, 13), _M.VISIT, "Besøk hos Aidee", "Lillestrøm", ("Aidee",),
        ("Camilla Jensen",), ("1.2",), "Aidee har flyttet inn nær stasjonen og har 12 ansatte.\n"),
    DemoMeeting(_at(2026, 5, 12, 9), _M.WORKSHOP, "Innovasjonspartnerskap: grønn mobilitet",
        "Lillestrøm rådhus", (KSL, AE, "Pon Equipment"),
        ("Ingrid Berg", "Nina Eriksen", "Kristin Larsen"), ("5.2", "4.2"),
        "Vi vurderer å søke Innovasjon Norge om støtte til et innovasjonspartnerskap.\n"),
    DemoMeeting(_at(2026, 9, 15), _M.MEETING, "Regionalpark og verdensarv: status",
        "Blaker", ("Blaker Skanse", "Lillestrøm kultursenter"), ("Gro Lien",), ("3.3",),
        "Utredningen av bynær regionalpark er på høring.\n"),
    DemoMeeting(_at(2026, 11, 10), _M.MEETING, "Årsmøte i Romerike Helsehub", "Campus Romerike",
        (AHUS, OSLOMET, "Thermo Fisher"), ("Thomas Andersen", "Henrik Karlsen", "Ida Pedersen"),
        ("2.3",), "Partnerne vurderer å søke status som formell klynge.\n"),
    DemoMeeting(_at(2026, 12, 8), _M.MEETING, "Kjeller Innovasjon: inkubatorprogram 2027",
        "Kjeller", (KI,), ("Lars Haugen",), ("2.1",), "Planlagt møte.\n"),
]  # fmt: skip

# (meeting title, task title, due, done)
TASKS: list[tuple[str, str, date, bool]] = [
    ("Telefon med Infinitum om utvidelse i Fetsund",
     "Send oversikt over ledige næringsarealer i Fetsund", date(2022, 5, 26), True),
    ("E-post til Pon Equipment om arealbehov på Berger",
     "Avklar reguleringsstatus for tomten på Heia", date(2022, 12, 1), True),
    ("Samtale med Aidee om lokaler", "Koble Aidee med Romerike Helsehub", date(2023, 5, 15), True),
    ("Heia: ledige næringsarealer", "Kartlegg ledige tomter på Heia", date(2024, 10, 31), True),
    ("Energihuset i Lillestrøm: innspillsmøte",
     "Inviter Energihuset-initiativet til H2Cluster", date(2025, 10, 15), True),
    ("Besøk hos Aidee", "Følg opp søknaden til Innovasjon Norge", date(2026, 4, 15), False),
    ("Årsmøte i Romerike Helsehub", "Send referat til partnerne", date(2026, 12, 1), False),
]  # fmt: skip

_DURATION = {
    _M.PHONE: 20,
    _M.EMAIL: None,
    _M.VISIT: 90,
    _M.MEETING: 60,
    _M.WORKSHOP: 180,
    _M.CONFERENCE: 360,
}

# Collaboration links the department knows of (type key, from, to, start, evidence).
LINKS: list[tuple[str, str, str, date, str]] = [
    (
        "spin_off",
        "IFE (Institutt for energiteknikk)",
        "Kjeller Innovasjon",
        date(2015, 1, 1),
        "Kjeller Innovasjon kommersialiserer forskning fra instituttene på Kjeller.",
    ),
    (
        "research_collaboration",
        "IFE (Institutt for energiteknikk)",
        "Ahus (Akershus universitetssykehus)",
        date(2021, 3, 1),
        "Radiofarmasi: felles prosjekt om legemidler for kreftbehandling.",
    ),
    (
        "project",
        "Kunnskapsbyen Lillestrøm",
        "OsloMet (Campus Romerike)",
        date(2022, 9, 1),
        "Innovasjonsdistrikt Lørenskog–Ahus–Lillestrøm–Kjeller.",
    ),
    (
        "partnership",
        "Akershus Energi",
        "Infinitum",
        date(2023, 2, 1),
        "Samarbeid om gjenvinning og energi i Fetsund.",
    ),
    (
        "supplier",
        "Auto-Maskin",
        "Pon Equipment",
        date(2020, 6, 1),
        "Styringssystemer til maskiner levert fra Berger.",
    ),
    (
        "research_collaboration",
        "NILU",
        "UiO (Kjeller)",
        date(2019, 1, 1),
        "Felles måleprogram for luftkvalitet.",
    ),
    (
        "project",
        "Nova Spektrum",
        "X Meeting Point",
        date(2022, 1, 1),
        "Felles markedsføring av Lillestrøm som konferansedestinasjon.",
    ),
]

# Establishment cases (organisation, kind, stage key, wished places, m², jobs, notes).
CASES: list[tuple[str, str, str, list[str], int | None, int | None, str]] = [
    (
        "Pon Equipment",
        "expansion",
        "site_search",
        ["Berger", "Heia"],
        6000,
        25,
        "Trenger større verksted og lager nær E6. Berger er nesten full; Heia har ledig areal.",
    ),
    (
        "Aidee",
        "new",
        "needs_clarified",
        ["Lillestrøm sentrum", "Kjeller"],
        400,
        12,
        "Helseteknologiselskap som vurderer å flytte utviklingsavdelingen nær Ahus.",
    ),
    (
        "RainPower",
        "retention",
        "first_contact",
        ["Sørumsand"],
        None,
        None,
        "Vurderer å samle driften utenfor kommunen. Oppfølging etter bedriftsbesøk.",
    ),
    (
        "Thermo Fisher",
        "expansion",
        "established",
        ["Lillestrøm sentrum"],
        1500,
        30,
        "Utvidet produksjonen i Lillestrøm.",
    ),
]

COUNT_KEYS = (
    "places",
    "sectors",
    "companies",
    "clusters",
    "memberships",
    "contacts",
    "affiliations",
    "meetings",
    "tasks",
    "links",
    "cases",
    "action plans",
    "measures",
    "indicator values",
)


def demo_data_exists(session: Session) -> bool:
    """Whether demo data has been loaded (any demo organisation)."""
    return session.scalar(select(Company.id).where(Company.is_demo.is_(True)).limit(1)) is not None


def ensure_places(session: Session) -> tuple[dict[str, Place], int]:
    """The strategy's places by name, creating those that are missing; and how many were new."""
    existing = {p.name: p for p in session.scalars(select(Place))}
    created = 0
    for position, (name, growth_area) in enumerate(PLACES, start=1):
        if name not in existing:
            existing[name] = Place(name=name, growth_area=growth_area, position=position)
            session.add(existing[name])
            created += 1
    session.flush()
    return existing, created


def ensure_sectors(session: Session) -> tuple[dict[str, Sector], int]:
    """The strategy's sectors by name, creating those that are missing; and how many were new."""
    existing = {s.name: s for s in session.scalars(select(Sector))}
    created = 0
    for position, (name, prioritised) in enumerate(SECTORS, start=1):
        if name not in existing:
            existing[name] = Sector(name=name, prioritised=prioritised, position=position)
            session.add(existing[name])
            created += 1
    session.flush()
    return existing, created


def strategies_by_number(session: Session, period_id: int) -> dict[str, Strategy]:
    """The period's strategies keyed by number ("1.1", …)."""
    rows = session.scalars(select(Strategy).join(FocusArea).where(FocusArea.period_id == period_id))
    return {s.number: s for s in rows}


def _email(name: str) -> str:
    plain = name.lower().translate(str.maketrans({"æ": "ae", "ø": "o", "å": "a", " ": "."}))
    return f"{plain}@example.no"


def seed_demo(session: Session) -> dict[str, int]:
    """Load the demo data once (nothing if a demo organisation exists); return counts per kind."""
    counts = dict.fromkeys(COUNT_KEYS, 0)
    if demo_data_exists(session):
        return counts

    from crm.strategy.services import seed_strategy

    period = seed_strategy(session)
    strategies = strategies_by_number(session, period.id)
    places, counts["places"] = ensure_places(session)
    sectors, counts["sectors"] = ensure_sectors(session)

    organisations: dict[str, Company] = {}
    for name, kind, place, sector_names, employees, description in ORGANISATIONS:
        organisations[name] = Company(
            name=name,
            org_number=None,  # Real numbers or none: we have no verified ones.
            kind=kind.value,
            place=places[place] if place else None,
            sectors=[sectors[s] for s in sector_names],
            employees=employees,
            description=description,
            is_demo=True,
        )
    session.add_all(organisations.values())
    counts["companies"] = len(organisations)
    session.flush()
    counts["register_points"] = _seed_register_history(session, organisations.values())

    # Cluster names are unique: one an admin already registered is left alone, without demo
    # members added to it.
    taken = set(session.scalars(select(Cluster.name)))
    clusters: dict[str, Cluster] = {}
    for name, kind, facilitator, focus, description in CLUSTERS:
        if name in taken:
            continue
        clusters[name] = Cluster(
            name=name,
            kind=kind.value,
            facilitator=organisations[facilitator] if facilitator else None,
            focus=focus,
            description=description,
            is_demo=True,
        )
    session.add_all(clusters.values())
    counts["clusters"] = len(clusters)

    for cluster, organisation, role, joined, left in MEMBERSHIPS:
        if cluster not in clusters:
            continue
        counts["memberships"] += 1
        session.add(
            Membership(
                cluster=clusters[cluster],
                company=organisations[organisation],
                role=role.value,
                joined_on=joined,
                left_on=left,
            )
        )

    people: dict[str, Contact] = {}
    for name, affiliations in PEOPLE:
        person = Contact(
            name=name,
            email=_email(name),
            notes="Fiktiv person i demodataene.",
            is_demo=True,
        )
        for organisation, title, start, end in affiliations:
            person.affiliations.append(
                Affiliation(
                    company=organisations[organisation],
                    title=title,
                    start_date=start,
                    end_date=end,
                    primary=end is None,
                )
            )
            counts["affiliations"] += 1
        people[name] = person
    session.add_all(people.values())
    counts["contacts"] = len(people)

    adviser = session.scalar(
        select(User).where(User.role == Role.ADMIN.value).order_by(User.id).limit(1)
    )
    # The adviser keeps in touch with the organisations the demo meetings were with.
    for m in MEETINGS:
        for name in m.organisations:
            organisations[name].responsible = adviser
    meetings: dict[str, Meeting] = {}
    for m in MEETINGS:
        meeting = Meeting(
            starts_at=m.when,
            duration_minutes=_DURATION[m.kind],
            kind=m.kind.value,
            title=m.title,
            location=m.location,
            notes=m.notes,
            companies=[organisations[o] for o in m.organisations],
            contacts=[people[p] for p in m.people],
            strategies=[strategies[n] for n in m.strategies if n in strategies],
            staff=[adviser] if adviser else [],
            is_demo=True,
        )
        meetings[m.title] = meeting
    session.add_all(meetings.values())
    counts["meetings"] = len(meetings)

    for meeting_title, title, due, done in TASKS:
        meeting = meetings[meeting_title]
        session.add(
            Task(
                title=title,
                due_on=due,
                meeting=meeting,
                company=meeting.companies[0] if meeting.companies else None,
                assignee=adviser,
                done=done,
                done_at=datetime.combine(due - timedelta(days=2), datetime.min.time(), UTC)
                if done
                else None,
                is_demo=True,
            )
        )
    counts["tasks"] = len(TASKS)
    counts["links"] = _seed_links(session, organisations)
    counts["cases"] = _seed_cases(session, organisations, places, adviser)
    counts["action plans"], counts["measures"] = seed_plans(
        session,
        strategies=strategies,
        organisations=organisations,
        meetings=meetings,
        adviser=adviser,
    )
    counts["indicator values"] = seed_indicators(session)
    session.flush()
    return counts


def _seed_register_history(session: Session, organisations: Iterable[Company]) -> int:
    """A few years of register imports for the demo organisations (employees grew)."""
    rng = random.Random(2022)  # noqa: S311 - demo data
    today = local_today()
    points = [
        RegisterPoint(**row)
        for company in organisations
        if company.employees is not None
        for row in register_history_rows(
            rng,
            {
                "id": company.id,
                "employees": company.employees,
                "register_status": company.register_status or "active",
            },
            today,
        )
    ]
    session.add_all(points)
    return len(points)


def _seed_links(session: Session, organisations: dict[str, Company]) -> int:
    """Explicit collaboration links between demo organisations."""
    types = {t.key: t for t in seed_link_types(session)}
    session.flush()  # the organisations need ids: a link stores the pair in id order
    for key, a, b, start, evidence in LINKS:
        first, second = sorted((organisations[a], organisations[b]), key=lambda c: c.id)
        session.add(
            CollaborationLink(
                source=first,
                target=second,
                link_type=types[key],
                start_date=start,
                evidence=evidence,
                is_demo=True,
            )
        )
    return len(LINKS)


def _seed_cases(
    session: Session,
    organisations: dict[str, Company],
    places: dict[str, Place],
    adviser: User | None,
) -> int:
    """Establishment cases in several stages, each with its stage history."""
    stages = {stage.key: stage for stage in seed_stages(session)}
    today = local_today()
    for n, (name, kind, stage_key, wished, area, jobs, notes) in enumerate(CASES):
        opened = today - timedelta(days=120 - 25 * n)
        stage = stages[stage_key]
        case = EstablishmentCase(
            company=organisations[name],
            kind=kind,
            stage=stage,
            opened_on=opened,
            source="Bedriftsbesøk",
            area_m2=area,
            expected_jobs=jobs,
            adviser=adviser,
            next_follow_up_on=today + timedelta(days=7 * (n - 1)),
            notes=notes,
            wished_places=[places[p] for p in wished],
            is_demo=True,
        )
        if stage.outcome == StageOutcome.ESTABLISHED:
            case.established_place = places[wished[0]]
            case.established_on = today - timedelta(days=10)
            case.actual_jobs = jobs
            case.next_follow_up_on = None
        session.add(case)
        session.add(
            StageChange(
                case=case,
                from_stage=None,
                to_stage=stages["first_contact"],
                changed_at=datetime.combine(opened, datetime.min.time(), UTC),
                changed_by=adviser,
            )
        )
        if stage_key != "first_contact":
            session.add(
                StageChange(
                    case=case,
                    from_stage=stages["first_contact"],
                    to_stage=stage,
                    changed_at=datetime.combine(
                        opened + timedelta(days=30), datetime.min.time(), UTC
                    ),
                    changed_by=adviser,
                )
            )
    return len(CASES)
