"""Synthetic data at Lillestrøm's scale: about 11,000 organisations, 25,000 people, 60,000 meetings.

Shaped like the district where it matters for the collaboration network: twenty clusters and
networks of 15 to 150 members (H2Cluster or Solenergiklyngen have tens), one regional network
in the hundreds (as Visit Greater Oslo is), about 8,000 explicit collaboration links (projects
within clusters, research and incubator ties, suppliers and owners), board seats held beside
a job, and meetings where a call, an e-mail or a company visit involves one organisation. At
the default scale that gives the network well over 50,000 ties.

For benchmarks and for trying the app on a realistic volume; never for production. Rows go in
through Core bulk inserts in batches (no ORM objects), with their ids assigned here, so the
full scale takes well under a minute on SQLite. The same seed gives the same data.

Organisation numbers pass the MOD11 check and start with 3, a range the register has not used
for main units (they start with 8 or 9); a collision with a real number is still possible in
principle and harmless for synthetic data. People are invented, with addresses at example.no
and websites under the reserved .example domain.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Table, func, insert, select, text
from sqlalchemy.orm import Session

from crm.auth.models import User
from crm.clusters.models import Cluster, Membership
from crm.common.models import utcnow
from crm.common.orgnr import check_digit
from crm.companies.models import Company, RegisterPoint, company_sectors
from crm.contacts.models import Affiliation, Contact
from crm.demo.history import register_history_rows
from crm.demo.seed import ensure_places, ensure_sectors, strategies_by_number
from crm.history.tracking import execute_recorded
from crm.meetings.models import (
    Meeting,
    meeting_companies,
    meeting_contacts,
    meeting_staff,
    meeting_strategies,
)
from crm.network.models import CollaborationLink
from crm.tasks.models import Task

BATCH = 5_000
YEARS = 10
# Clusters and networks have 15 to 150 members, most a few dozen; a regional network (tourism,
# like Visit Greater Oslo) has hundreds.
CLUSTER_SIZE = (15, 150)
REGIONAL_NETWORK_SIZE = (250, 400)
REGIONAL_NETWORKS = ("Reiselivsnettverket Romerike",)
# Explicit collaboration links per organisation: 8,000 for 11,000 organisations.
LINKS_PER_ORGANISATION = 8 / 11
# Share of people who also sit on the board of another organisation while in their job.
BOARD_SEAT_SHARE = 0.07
# Kinds of meeting that involve a single organisation: a call, an e-mail, a company visit.
SINGLE_ORGANISATION_KINDS = frozenset({"phone", "email", "visit"})
MUNICIPALITY_NUMBER = "3205"  # Lillestrøm since 2024

Progress = Callable[[str], None]


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# --- name parts -----------------------------------------------------------------------------

FIRST_NAMES_F = _words(
    "Anne Inger Kari Marit Ingrid Liv Eva Berit Astrid Bjørg Hilde Anna Solveig Marianne "
    "Randi Ida Nina Maria Elisabeth Kristin Bente Heidi Silje Hanne Gro Tone Camilla Ingeborg "
    "Linda Julie Sofie Emma Nora Thea Ingvild Marte Kristine Mari Karin Siri Hege Trine Guro "
    "Maja Sara Tuva Vilde Ragnhild Synnøve Åse"
)
FIRST_NAMES_M = _words(
    "Jan Per Bjørn Ole Lars Kjell Knut Arne Svein Thomas Hans Geir Tor Morten Terje Odd "
    "Erik Martin Andreas John Anders Rune Trond Tore Jon Harald Olav Magnus Henrik Jonas "
    "Kristian Espen Øyvind Stian Even Sindre Eirik Håkon Sander Mathias Emil Jørgen Vegard "
    "Kristoffer Petter Gunnar Leif Helge Audun Sigurd"
)
SURNAMES = _words(
    "Hansen Johansen Olsen Larsen Andersen Pedersen Nilsen Kristiansen Jensen Karlsen Johnsen "
    "Pettersen Eriksen Berg Haugen Hagen Johannessen Andreassen Jacobsen Dahl Jørgensen "
    "Halvorsen Henriksen Lund Sørensen Jakobsen Moen Gundersen Iversen Strand Solberg Svendsen "
    "Eide Knutsen Martinsen Paulsen Bakken Kristoffersen Mathisen Lie Amundsen Nguyen Rasmussen "
    "Ali Lunde Solheim Berge Moe Nygård Bakke Kristensen Fredriksen Holm Lien Hauge Christensen "
    "Andresen Nielsen Knudsen Evensen Sæther Aas Myhre Hanssen Ahmed Haugland Thomassen "
    "Sivertsen Simonsen Danielsen Berntsen Sandvik Rønning Arnesen Antonsen Næss Vik Ruud "
    "Engen Mikkelsen Olsson Tangen Aasen Bjerke Brekke Fossum Skogen Gulbrandsen Hval Rud"
)
PREFIXES = (
    "Romerike", "Lillestrøm", "Strømmen", "Skedsmo", "Sørum", "Fet", "Kjeller", "Øyeren",
    "Glomma", "Nitelva", "Leira", "Nedre Romerike", "Nordre", "Øst", "Norsk", "Nordisk",
    "Skjetten", "Frogner", "Blaker", "Hvam", "Berger", "Heia",
)  # fmt: skip
SYLLABLES_A = _words("Nor Vik Fjord Lys Nord Sol Berg Skog Elv Stein Ask Lin Grønn Blå Fri Kraft")
SYLLABLES_B = _words("tek vest linje punkt gruppen partner kompaniet huset verket form")

# (word in the name, sector or None, SN2007 code, description, weight)
TRADES: tuple[tuple[str, str | None, str, str, int], ...] = (
    ("Bygg", "Bygg og anlegg", "41.200", "Oppføring av bygninger", 14),
    ("Entreprenør", "Bygg og anlegg", "42.990", "Bygging av andre anlegg", 4),
    ("Anlegg", "Bygg og anlegg", "42.110", "Bygging av veier og motorveier", 3),
    ("Rør", "Bygg og anlegg", "43.221", "VVS-arbeid", 5),
    ("Elektro", "Bygg og anlegg", "43.210", "Elektrisk installasjonsarbeid", 6),
    ("Maler", "Bygg og anlegg", "43.341", "Malerarbeid", 3),
    ("Transport", "Transport og logistikk", "49.410", "Godstransport på vei", 8),
    ("Logistikk", "Transport og logistikk", "52.100", "Lagring", 3),
    ("Data", "IKT", "62.010", "Programmeringstjenester", 4),
    ("IT", "IKT", "62.020", "Konsulentvirksomhet tilknyttet informasjonsteknologi", 4),
    ("Handel", "Handel", "46.900", "Uspesialisert engroshandel", 7),
    ("Agentur", "Handel", "46.190", "Agenturhandel med bredt vareutvalg", 4),
    ("Bil", "Handel", "45.112", "Detaljhandel med biler og lette motorvogner", 3),
    ("Mekaniske", "Industri", "25.620", "Bearbeiding av metaller", 3),
    ("Maskin", "Industri", "28.990", "Produksjon av spesialmaskiner ikke nevnt annet sted", 2),
    ("Trelast", "Industri", "16.230", "Produksjon av bygningsartikler av tre", 1),
    ("Bakeri", "Industri", "10.710", "Produksjon av brød og ferske konditorvarer", 1),
    ("Energi", "Energi", "35.119", "Produksjon av elektrisitet ellers", 2),
    ("Solkraft", "Energi", "35.119", "Produksjon av elektrisitet ellers", 1),
    ("Gjenvinning", "Miljø", "38.320", "Sortering og bearbeiding av avfall", 2),
    ("Miljøteknikk", "Miljø", "71.129", "Annen teknisk konsulentvirksomhet", 1),
    ("Klimarådgivning", "Klima", "71.129", "Annen teknisk konsulentvirksomhet", 1),
    ("Helse", "Helse", "86.909", "Andre helsetjenester", 3),
    ("Tannlegesenter", "Helse", "86.230", "Tannhelsetjenester", 1),
    ("Medtech", "Helse", "32.501", "Produksjon av medisinske instrumenter og utstyr", 1),
    ("Event", "Møte-, konferanse- og messenæring", "82.300", "Kongress- og messevirksomhet", 2),
    ("Design", "Opplevelser og kreative næringer", "74.102", "Industridesign og produktdesign", 2),
    ("Arkitekter", "Opplevelser og kreative næringer", "71.112", "Arkitekttjenester", 2),
    ("Mat og Vinhus", "Opplevelser og kreative næringer", "56.101", "Drift av restauranter", 2),
    ("Regnskap", None, "69.201", "Regnskap og bokføring", 5),
    ("Eiendom", None, "68.209", "Utleie av egen eller leid fast eiendom ellers", 7),
    ("Consulting", None, "70.220", "Bedriftsrådgivning og annen administrativ rådgivning", 5),
    ("Renhold", None, "81.210", "Vanlig rengjøring av bygninger", 3),
    ("Frisør", None, "96.021", "Frisering og annen skjønnhetspleie", 2),
    ("Kjøreskole", None, "85.530", "Trafikkskoleundervisning", 1),
)
_TRADE_CUM = list(itertools.accumulate(t[4] for t in TRADES))

# kind → (weight, name patterns, org forms)
KINDS: dict[str, tuple[int, tuple[str, ...], tuple[str, ...]]] = {
    "company": (920, (), ("AS",) * 14 + ("ENK",) * 4 + ("NUF", "DA", "ANS", "SA", "ASA")),
    "research": (3, ("{p} Forskningssenter", "{p} Teknologisenter", "{p} Materialforskning"),
                 ("STI", "AS")),
    "education": (12, ("{p} videregående skole", "{p} Fagakademi", "{p} skole"),
                  ("ORGL", "FYLK", "STI")),
    "public": (15, ("{p} vannverk", "{p} bibliotek", "{p} renovasjon IKS", "{p} helsestasjon"),
               ("ORGL", "IKS", "KF")),
    "cluster_organisation": (3, ("{p} Næringsforening", "{p} Næringsråd", "{p} Næringsforum"),
                             ("FLI",)),
    "incubator": (3, ("{p} Innovasjonshus", "{p} Gründerhus", "{p} Inkubator"), ("AS",)),
    "venue": (9, ("{p} Arena", "{p} Konferansesenter", "{p} Hotell", "{p} Scene"), ("AS",)),
    "other": (35, ("{p} Idrettslag", "{p} Velforening", "{p} Sanitetsforening", "{p} Stiftelse"),
              ("FLI", "STI")),
}  # fmt: skip
_KIND_NAMES = list(KINDS)
_KIND_CUM = list(itertools.accumulate(v[0] for v in KINDS.values()))

# place → (weight, postcode, post town); None = outside the municipality or unknown
PLACE_WEIGHTS: dict[str | None, tuple[int, str, str]] = {
    "Lillestrøm sentrum": (25, "2000", "LILLESTRØM"),
    "Strømmen": (12, "2010", "STRØMMEN"),
    "Skjetten": (10, "2013", "SKJETTEN"),
    "Skedsmokorset": (9, "2020", "SKEDSMOKORSET"),
    "Sørumsand": (7, "1920", "SØRUMSAND"),
    "Kjeller": (6, "2007", "KJELLER"),
    "Fetsund sentrum": (6, "1900", "FETSUND"),
    "Berger": (5, "2013", "SKJETTEN"),
    "Frogner": (4, "2016", "FROGNER"),
    "Heia": (3, "2008", "FJERDINGBY"),
    "Hvam": (2, "2165", "HVAM"),
    "Nesa syd": (2, "2022", "GJERDRUM"),
    "Blaker": (2, "1925", "BLAKER"),
    None: (7, "0150", "OSLO"),
}
STREETS = (
    "Storgata", "Nittedalsgata", "Kirkegata", "Torvet", "Jonas Lies gate", "Solheimvegen",
    "Strømsveien", "Instituttveien", "Industriveien", "Bergerveien", "Heiaveien", "Fetveien",
    "Sørumsandvegen", "Trondheimsveien", "Gamleveien", "Skjettenveien", "Vestbygata",
    "Dampsagveien", "Nesavegen", "Hvamsvegen", "Blakervegen", "Frognerveien", "Stasjonsveien",
    "Brugata", "Depotgata", "Gjerdrumsvegen", "Nebbenesvegen",
)  # fmt: skip
CLUSTER_NAMES = (
    "Romerike Batteriforum", "Nedre Romerike Byggenettverk", "Kjeller Romklynge",
    "Grønn Logistikk Øst", "Lillestrøm Helseteknologi", "Smart By Romerike",
    "Sirkulær Romerike", "Arena Droner Øst", "Matnettverket Nordre Øyeren",
    "Reiselivsnettverket Romerike", "Eiendomsforum Lillestrøm", "Leverandørnettverket Berger",
    "Heia Næringsforening", "Kreativ Romerike", "Romerike Fornybar", "Digital Romerike",
    "Gründerkvinner Romerike", "Eksportnettverket Øst", "Kjeller Materialklynge",
    "Bærekraftige bygg Romerike",
)  # fmt: skip
TITLES = (
    "Daglig leder", "Styreleder", "Økonomisjef", "Salgssjef", "Prosjektleder", "Rådgiver",
    "Forretningsutvikler", "HR-sjef", "Teknisk sjef", "Markedssjef", "Innkjøpssjef",
    "Seniorrådgiver", "Forsker", "Avdelingsleder", "Driftsleder", "Eier",
)  # fmt: skip
TOPICS = (
    "arealbehov", "rekruttering", "etablering på Heia", "etablering på Berger",
    "innovasjonsprosjekt", "SkatteFUNN", "klyngesamarbeid", "grønne innkjøp", "eksport",
    "kompetansebehov", "byggesak", "lokaler nær stasjonen", "hydrogen", "solenergi",
    "helseteknologi", "leverandørutvikling", "praksisplasser", "mobilitet", "omdømme",
    "messe og konferanse", "kapitaltilgang", "digitalisering", "sirkulær økonomi",
)  # fmt: skip
SENTENCES = (
    "Selskapet vurderer å utvide og trenger mer areal.",
    "Vi avtalte å sende oversikt over ledige næringstomter.",
    "Rekruttering av fagarbeidere er den største utfordringen.",
    "Interessert i kontakt med Kjeller Innovasjon.",
    "Ønsker informasjon om Innovasjon Norges ordninger.",
    "Kommunen følger opp byggesaken internt.",
    "God dialog; neste møte om et halvt år.",
    "Tema var grønne innkjøp og krav i anbud.",
    "Selskapet vil gjerne delta i klyngen.",
    "Trenger bedre kollektivdekning til næringsområdet.",
    "Vurderer å flytte hovedkontoret nærmere Lillestrøm stasjon.",
    "Ønsker å bidra som testarena for kommunen.",
    "Drøftet praksisplasser for studenter.",
    "Planlegger ny produksjonslinje i 2027.",
)  # fmt: skip
TASK_TITLES = (
    "Send oversikt over ledige tomter", "Send referat", "Koble på Kjeller Innovasjon",
    "Avklar reguleringsstatus", "Følg opp søknaden", "Inviter til nettverksmøte",
    "Sjekk status i byggesaken", "Send informasjon om støtteordninger",
)  # fmt: skip

# Meeting kind → (weight, title template, duration in minutes)
MEETING_KINDS: dict[str, tuple[int, str, int | None]] = {
    "meeting": (45, "Møte med {org} om {topic}", 60),
    "visit": (15, "Bedriftsbesøk hos {org}", 90),
    "phone": (20, "Telefon med {org} om {topic}", 20),
    "email": (8, "E-post til {org} om {topic}", None),
    "workshop": (7, "Arbeidsmøte: {topic}", 180),
    "conference": (5, "Konferanse: {topic}", 360),
}
_MEETING_KIND_NAMES = list(MEETING_KINDS)
_MEETING_KIND_CUM = list(itertools.accumulate(v[0] for v in MEETING_KINDS.values()))


# --- helpers --------------------------------------------------------------------------------


def _pick(rng: random.Random, items: Sequence, cum: Sequence[float]):
    """One weighted choice from precomputed cumulative weights (bisect: fast for big lists)."""
    return items[bisect.bisect_right(cum, rng.random() * cum[-1])]


def _pick_distinct(rng: random.Random, items: Sequence, cum: Sequence[float], n: int) -> list:
    """n different weighted choices (fewer if the list is shorter)."""
    n = min(n, len(items))
    chosen: list = []
    seen: set = set()
    while len(chosen) < n:
        item = _pick(rng, items, cum)
        if item not in seen:
            seen.add(item)
            chosen.append(item)
    return chosen


def _insert(session: Session, table: Table, rows: Iterable[dict[str, Any]]) -> int:
    """Bulk insert through the Core in batches; return the number of rows.

    Synthetic data for benchmarks (refused in production): its rows are deliberately not
    written to the change log one by one, which would triple the time of Lillestrøm's scale.
    """
    count = 0
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            execute_recorded(session, insert(table), batch)
            count += len(batch)
            batch = []
    if batch:
        execute_recorded(session, insert(table), batch)
        count += len(batch)
    return count


def _next_id(session: Session, table: Table) -> int:
    return (session.scalar(select(func.max(table.c.id))) or 0) + 1


def _fix_sequences(session: Session, tables: Iterable[Table]) -> None:
    """PostgreSQL: move the id sequences past the ids assigned here."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        session.execute(
            text(
                # Table names from our own metadata, never from input.
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608  # nosec B608
                f"(SELECT COALESCE(MAX(id), 1) FROM {table.name}))"
            )
        )


def _orgnr_source(rng: random.Random, taken: set[str]) -> Callable[[], str]:
    """Valid, unique organisation numbers starting with 3 (see the module docstring)."""

    def next_number() -> str:
        while True:
            first = f"3{rng.randrange(10**7):07d}"
            digit = check_digit(first)
            if digit is None:
                continue
            number = f"{first}{digit}"
            if number not in taken:
                taken.add(number)
                return number

    return next_number


def _audit(moment: datetime) -> dict[str, Any]:
    return {
        "created_at": moment,
        "updated_at": moment,
        "version": 1,
        "created_by_id": None,
        "updated_by_id": None,
    }


def _ascii(name: str) -> str:
    table = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "é": "e", " ": ".", "&": ""})
    return name.lower().translate(table)


# --- the generator --------------------------------------------------------------------------


def generate(
    session_or_engine: Session | Engine,
    *,
    companies: int = 11_000,
    contacts: int = 25_000,
    meetings: int = 60_000,
    seed: int = 1,
    progress: Progress | None = None,
    now: datetime | None = None,
    links: int | None = None,
) -> dict[str, int]:
    """Fill the database with synthetic records; return the number of rows per table.

    `links` is the number of explicit collaboration links; by default about 0.73 per
    organisation (8,000 for 11,000). Given a session, it flushes and leaves the commit to the
    caller; given an engine, it runs in one transaction of its own and commits.
    """
    if meetings and not companies:
        raise ValueError("Meetings need organisations: give companies > 0.")
    if links is None:
        links = round(companies * LINKS_PER_ORGANISATION)
    if links and companies < 2:
        raise ValueError("Links need two organisations: give companies > 1.")
    sizes = (companies, contacts, meetings, links)
    if isinstance(session_or_engine, Engine):
        with Session(session_or_engine) as session, session.begin():
            return _Generator(session, seed, progress, now).run(*sizes)
    return _Generator(session_or_engine, seed, progress, now).run(*sizes)


class _Generator:
    def __init__(
        self, session: Session, seed: int, progress: Progress | None, now: datetime | None
    ) -> None:
        self.session = session
        # Synthetic data, not security: a seeded generator repeats a data set.
        self.rng = random.Random(seed)  # noqa: S311  # nosec B311
        self.say = progress or (lambda _message: None)
        self.now = (now or utcnow()).astimezone(UTC).replace(microsecond=0)
        self.start = self.now - timedelta(days=365 * YEARS)
        self.counts: dict[str, int] = {}

    def moment(self, after: datetime | None = None) -> datetime:
        """A random moment between `after` (default ten years ago) and now.

        One draw of random() whatever the span, so the records (names, links) a seed gives do
        not depend on the day the generator runs; only their dates move with it.
        """
        start = after or self.start
        seconds = int((self.now - start).total_seconds() * self.rng.random())
        return start + timedelta(seconds=seconds)

    def run(
        self, n_companies: int, n_contacts: int, n_meetings: int, n_links: int
    ) -> dict[str, int]:
        session = self.session
        places, _ = ensure_places(session)
        sectors, _ = ensure_sectors(session)
        self.place_ids = {name: places[name].id for name in PLACE_WEIGHTS if name}
        self.sector_ids = {name: s.id for name, s in sectors.items()}
        from crm.strategy.services import seed_strategy

        period = seed_strategy(session)
        self.strategy_ids = [
            s.id for _, s in sorted(strategies_by_number(session, period.id).items())
        ]
        self.user_ids = list(session.scalars(select(User.id).order_by(User.id)))
        session.flush()

        self.companies(n_companies)
        self.say(f"{self.counts['companies']} organisations")
        self.contacts(n_contacts)
        self.say(f"{self.counts['contacts']} people, {self.counts['affiliations']} affiliations")
        self.clusters()
        self.say(f"{self.counts['clusters']} clusters, {self.counts['memberships']} memberships")
        self.meetings(n_meetings)
        self.say(f"{self.counts['meetings']} meetings, {self.counts['tasks']} tasks")
        self.links(n_links)
        self.say(f"{self.counts['links']} collaboration links")
        _fix_sequences(
            session,
            [
                Company.__table__,
                Contact.__table__,
                Affiliation.__table__,
                Cluster.__table__,
                Membership.__table__,
                Meeting.__table__,
                Task.__table__,
                CollaborationLink.__table__,
            ],
        )
        session.flush()
        return self.counts

    # organisations --------------------------------------------------------------------------

    def company_name(self, kind: str, org_form: str, trade: tuple, used: set[str]) -> str:
        """A name that fits the kind and the organisation form, not used before if possible."""
        rng = self.rng
        name = ""
        for attempt in range(20):
            prefix = rng.choice(PREFIXES)
            word = trade[0]
            suffix = ""
            if kind != "company":
                name = rng.choice(KINDS[kind][1]).format(p=prefix)
            elif org_form == "ENK":
                first = rng.choice(FIRST_NAMES_F + FIRST_NAMES_M)
                name = f"{first} {rng.choice(SURNAMES)} {word}"
            elif org_form in ("ANS", "DA"):
                name = f"{rng.choice(SURNAMES)} & {rng.choice(SURNAMES)} {word}"
                suffix = f" {org_form}"
            elif org_form == "NUF":
                name = f"{rng.choice(SYLLABLES_A)}{rng.choice(SYLLABLES_B)} {word} Norge"
                suffix = " NUF"
            else:  # AS, ASA, SA
                shape = rng.random()
                if shape < 0.45:
                    name = f"{rng.choice(SURNAMES)} {word}"
                elif shape < 0.7:
                    name = f"{prefix} {word}"
                else:
                    name = f"{rng.choice(SYLLABLES_A)}{rng.choice(SYLLABLES_B)} {word}"
                suffix = f" {org_form}"
            if attempt >= 10:
                name = f"{name} {rng.choice(('Øst', 'Vest', 'Nord', 'Syd', 'Holding', 'Service'))}"
            name += suffix
            if name not in used:
                break
        used.add(name)
        return name

    def companies(self, n: int) -> None:
        rng, session = self.rng, self.session
        table = Company.__table__
        taken = set(
            session.scalars(select(Company.org_number).where(Company.org_number.is_not(None)))
        )
        next_orgnr = _orgnr_source(rng, taken)
        used_names = set(session.scalars(select(Company.name)))
        place_names = list(PLACE_WEIGHTS)
        place_cum = list(itertools.accumulate(v[0] for v in PLACE_WEIGHTS.values()))
        first_id = _next_id(session, table)
        rows: list[dict[str, Any]] = []
        links: list[dict[str, int]] = []
        self.company_ids: list[int] = []
        self.company_kind: list[str] = []
        self.company_staff: list[int] = []
        self.company_name_by_id: dict[int, str] = {}
        for i in range(n):
            cid = first_id + i
            kind = _pick(rng, _KIND_NAMES, _KIND_CUM)
            trade = _pick(rng, TRADES, _TRADE_CUM)
            org_form = rng.choice(KINDS[kind][2])
            name = self.company_name(kind, org_form, trade, used_names)
            place = _pick(rng, place_names, place_cum)
            _, postcode, town = PLACE_WEIGHTS[place]
            if rng.random() < 0.2:
                employees = None  # not reported
            elif org_form == "ENK":
                employees = rng.choice((0, 0, 0, 1, 1, 2))
            else:
                employees = min(int(rng.lognormvariate(1.0, 1.5)), 5000)
            roll = rng.random()
            status = (
                "bankrupt"
                if roll < 0.012
                else "under_liquidation"
                if roll < 0.020
                else "deleted"
                if roll < 0.030
                else "active"
            )
            created = self.moment()
            slug = _ascii(name.removesuffix(" AS")).replace(".", "-")
            rows.append(
                {
                    "id": cid,
                    "name": name,
                    "org_number": next_orgnr(),
                    "kind": kind,
                    "org_form": org_form,
                    "industry_code": trade[2] if kind == "company" else None,
                    "industry_standard": "SN2007" if kind == "company" else None,
                    "industry_description": trade[3] if kind == "company" else None,
                    "employees": employees,
                    "address": f"{rng.choice(STREETS)} {rng.randint(1, 120)}",
                    "postcode": postcode,
                    "post_town": town,
                    "municipality_number": MUNICIPALITY_NUMBER if place else "0301",
                    "place_id": self.place_ids[place] if place else None,
                    "website": f"https://www.{slug}.example" if rng.random() < 0.4 else None,
                    "description": "",
                    "register_status": status,
                    "parent_id": None,
                    # Every third organisation has an adviser; no draw, so the stream stays.
                    "responsible_id": self.user_ids[cid % len(self.user_ids)]
                    if self.user_ids and cid % 3 == 0
                    else None,
                    "is_demo": False,
                    **_audit(created),
                }
            )
            sector_ids = []
            if kind == "company" and trade[1]:
                sector_ids.append(self.sector_ids[trade[1]])
            if rng.random() < 0.1:
                sector_ids.append(rng.choice(list(self.sector_ids.values())))
            for sid in dict.fromkeys(sector_ids):
                links.append({"company_id": cid, "sector_id": sid})
            self.company_ids.append(cid)
            self.company_kind.append(kind)
            self.company_name_by_id[cid] = name
            self.company_staff.append(employees or 0)
        self.counts["companies"] = _insert(session, table, rows)
        self.counts["company_sectors"] = _insert(session, company_sectors, links)
        # Its own stream: the history draws nothing from the one the other records come from.
        # Synthetic data, not security.
        history_rng = random.Random(len(rows) * 7919 + first_id)  # noqa: S311  # nosec B311
        points = [
            point
            for row in rows
            for point in register_history_rows(history_rng, row, self.now.date())
        ]
        self.counts["register_points"] = _insert(session, RegisterPoint.__table__, points)

        # Who the department meets: 60 % of the organisations, a long tail (weight 1/(rank+50))
        # plus a handful of hubs (connectors, incubators, research) it meets every week.
        active = [cid for cid in self.company_ids if rng.random() < 0.6]
        rng.shuffle(active)
        self.meeting_pool = active
        self.meeting_cum = list(
            itertools.accumulate(1 / (rank + 50) for rank in range(len(active)))
        )
        hub_kinds = {"cluster_organisation", "incubator", "research", "public"}
        self.hubs = [
            c for c, k in zip(self.company_ids, self.company_kind, strict=True) if k in hub_kinds
        ][:8]
        self.hub_cum = list(itertools.accumulate((5, 3, 2, 1, 1, 1, 1, 1)[: len(self.hubs)]))
        self.staff_cum = list(itertools.accumulate(min(s, 2000) + 1 for s in self.company_staff))

    # people ---------------------------------------------------------------------------------

    def contacts(self, n: int) -> None:
        rng, session = self.rng, self.session
        first_id = _next_id(session, Contact.__table__)
        aff_id = _next_id(session, Affiliation.__table__)
        people: list[dict[str, Any]] = []
        affiliations: list[dict[str, Any]] = []
        emails: dict[str, int] = {}
        self.people_at: dict[int, list[int]] = {}
        self.contact_ids: list[int] = []
        for i in range(n):
            pid = first_id + i
            first = rng.choice(FIRST_NAMES_F if rng.random() < 0.5 else FIRST_NAMES_M)
            last = rng.choice(SURNAMES)
            middle = f" {rng.choice(SURNAMES)}" if rng.random() < 0.15 else ""
            name = f"{first}{middle} {last}"
            local = _ascii(f"{first}.{last}")
            emails[local] = emails.get(local, 0) + 1
            if emails[local] > 1:
                local = f"{local}{emails[local]}"
            created = self.moment()
            people.append(
                {
                    "id": pid,
                    "name": name,
                    "email": f"{local}@example.no" if rng.random() < 0.92 else None,
                    "phone": f"+479{rng.randrange(10**7):07d}" if rng.random() < 0.9 else None,
                    "notes": "",
                    "is_demo": False,
                    **_audit(created),
                }
            )
            self.contact_ids.append(pid)
            jobs = _pick(rng, (1, 2, 3), (60, 90, 100))
            start = date(2000, 1, 1) + timedelta(days=rng.randrange(365 * 22))
            for job in range(jobs):
                company = _pick(rng, self.company_ids, self.staff_cum)
                last_job = job == jobs - 1
                end = None
                if not last_job or rng.random() < 0.15:
                    end = start + timedelta(days=rng.randint(180, 365 * 6))
                    end = min(end, self.now.date() - timedelta(days=1))
                affiliations.append(
                    {
                        "id": aff_id,
                        "contact_id": pid,
                        "company_id": company,
                        "title": rng.choice(TITLES),
                        "start_date": start,
                        "end_date": end,
                        "primary": end is None,
                        **_audit(created),
                    }
                )
                aff_id += 1
                self.people_at.setdefault(company, []).append(pid)
                if end is None:
                    break
                start = min(end + timedelta(days=rng.randint(1, 120)), self.now.date())
            if rng.random() < BOARD_SEAT_SHARE:
                # A board seat elsewhere while in the job: the shared person is a channel
                # between the two organisations.
                board = _pick(rng, self.company_ids, self.staff_cum)
                seat_start = min(start + timedelta(days=rng.randint(0, 365 * 3)), self.now.date())
                seat_end = None
                if rng.random() < 0.3:
                    seat_end = seat_start + timedelta(days=rng.randint(365, 365 * 6))
                    seat_end = seat_end if seat_end < self.now.date() else None
                if board != company:
                    affiliations.append(
                        {
                            "id": aff_id,
                            "contact_id": pid,
                            "company_id": board,
                            "title": rng.choice(("Styremedlem", "Styreleder")),
                            "start_date": seat_start,
                            "end_date": seat_end,
                            "primary": False,
                            **_audit(created),
                        }
                    )
                    aff_id += 1
                    self.people_at.setdefault(board, []).append(pid)
        self.counts["contacts"] = _insert(session, Contact.__table__, people)
        self.counts["affiliations"] = _insert(session, Affiliation.__table__, affiliations)

    # clusters -------------------------------------------------------------------------------

    def clusters(self) -> None:
        rng, session = self.rng, self.session
        existing = set(session.scalars(select(Cluster.name)))
        cluster_id = _next_id(session, Cluster.__table__)
        membership_id = _next_id(session, Membership.__table__)
        clusters: list[dict[str, Any]] = []
        memberships: list[dict[str, Any]] = []
        everyone_cum = list(itertools.accumulate(1 for _ in self.company_ids))
        self.cluster_members: list[list[int]] = []
        # One draw per stratum of [0, 1), shuffled: every seed gets the same spread of sizes
        # (a median near 50, a few over a hundred), not by luck seven clusters over a hundred.
        shares = [(k + rng.random()) / len(CLUSTER_NAMES) for k in range(len(CLUSTER_NAMES))]
        rng.shuffle(shares)
        for name in CLUSTER_NAMES:
            if name in existing:
                name = f"{name} (syntetisk)"
            kind = rng.choice(("cluster", "cluster", "network", "programme"))
            level = (
                rng.choice(("none", "none", "arena", "arena_pro", "nce"))
                if kind == "cluster"
                else "none"
            )
            regional = name.removesuffix(" (syntetisk)") in REGIONAL_NETWORKS
            if regional:
                kind, level = "network", "none"
            founded = self.moment()
            facilitator = rng.choice(self.hubs) if self.hubs else None
            clusters.append(
                {
                    "id": cluster_id,
                    "name": name,
                    "kind": kind,
                    "programme_level": level,
                    "focus": rng.choice(TOPICS),
                    "description": "",
                    "website": None,
                    "facilitator_id": facilitator,
                    "is_demo": False,
                    **_audit(founded),
                }
            )
            if regional:
                low, high = REGIONAL_NETWORK_SIZE
                share = rng.random()
            else:
                low, high = CLUSTER_SIZE
                share = shares.pop()
            # Squared: most clusters have a few dozen members, a few over a hundred.
            size = min(int(low + (high - low) * share**2), len(self.company_ids))
            members = _pick_distinct(rng, self.company_ids, everyone_cum, size)
            self.cluster_members.append(members)
            if facilitator is not None and facilitator not in members:
                members[0] = facilitator
            for company in members:
                joined = self.moment(founded)
                left = None
                if rng.random() < 0.15:
                    left = self.moment(joined).date()
                if company == facilitator:
                    role, joined = "facilitator", founded
                else:
                    role = _pick(
                        rng,
                        ("member", "partner", "board", "founding_member"),
                        (80, 90, 97, 100),
                    )
                memberships.append(
                    {
                        "id": membership_id,
                        "cluster_id": cluster_id,
                        "company_id": company,
                        "role": role,
                        "joined_on": joined.date(),
                        "left_on": left,
                        "note": "",
                        **_audit(joined),
                    }
                )
                membership_id += 1
            cluster_id += 1
        self.counts["clusters"] = _insert(session, Cluster.__table__, clusters)
        self.counts["memberships"] = _insert(session, Membership.__table__, memberships)

    # meetings -------------------------------------------------------------------------------

    def meetings(self, n: int) -> None:
        rng, session = self.rng, self.session
        first_id = _next_id(session, Meeting.__table__)
        task_id = _next_id(session, Task.__table__)
        rows: list[dict[str, Any]] = []
        orgs: list[dict[str, int]] = []
        people: list[dict[str, int]] = []
        tags: list[dict[str, int]] = []
        staff: list[dict[str, int]] = []
        tasks: list[dict[str, Any]] = []
        company_name = self.company_name_by_id
        strategy_cum = list(
            itertools.accumulate(3 if i < 6 else 1 for i in range(len(self.strategy_ids)))
        )
        counts = dict.fromkeys(
            ("meetings", "meeting_companies", "meeting_contacts", "meeting_strategies"), 0
        )
        counts.update(meeting_staff=0, tasks=0)
        today = self.now.date()
        for i in range(n):
            mid = first_id + i
            kind = _pick(rng, _MEETING_KIND_NAMES, _MEETING_KIND_CUM)
            _, template, duration = MEETING_KINDS[kind]
            starts = self.moment().replace(
                minute=rng.choice((0, 15, 30, 45)), second=0, microsecond=0
            )
            starts = starts.replace(hour=rng.randint(7, 14))  # 8–16 in Oslo
            weekday = rng.randint(0, 4)  # drawn always, so the stream does not depend on dates
            if starts.weekday() >= 5:
                starts -= timedelta(days=starts.weekday() - weekday)
            big_event = kind in ("conference", "workshop") and rng.random() < 0.03
            if big_event:
                count = rng.randint(20, 60)
            elif kind in SINGLE_ORGANISATION_KINDS:
                count = 1
            else:
                count = _pick(rng, (1, 2, 3, 4), (55, 80, 93, 100))
            attending = _pick_distinct(rng, self.meeting_pool, self.meeting_cum, count)
            # An incubator or the cluster organisation often joins; not on a call or an e-mail.
            if self.hubs and kind not in ("phone", "email") and rng.random() < 0.15:
                hub = _pick(rng, self.hubs, self.hub_cum)
                if hub not in attending:
                    attending.append(hub)
            topic = rng.choice(TOPICS)
            notes = ""
            if rng.random() < 0.85:
                chosen = rng.sample(SENTENCES, rng.randint(1, 4))
                notes = (
                    "\n".join(f"- {s}" for s in chosen) + "\n"
                    if rng.random() < 0.4
                    else " ".join(chosen) + "\n"
                )
            rows.append(
                {
                    "id": mid,
                    "starts_at": starts,
                    "duration_minutes": duration,
                    "kind": kind,
                    "title": template.format(org=company_name[attending[0]], topic=topic),
                    "location": rng.choice(("Telefon", "Teams", "Lillestrøm rådhus", *PREFIXES[:6]))
                    if kind != "email"
                    else "",
                    "notes": notes,
                    "is_demo": False,
                    **_audit(starts),
                }
            )
            # The meeting's start on its links too: the insert's trigger then finds them right
            # and writes nothing (crm.meetings.company_starts).
            orgs.extend(
                {"meeting_id": mid, "company_id": c, "starts_at": starts} for c in attending
            )
            met: list[int] = []
            for _ in range(_pick(rng, (0, 1, 2, 3, 4), (20, 60, 85, 95, 100))):
                company = rng.choice(attending)
                there = self.people_at.get(company)
                person = rng.choice(there) if there else rng.choice(self.contact_ids)
                if person not in met:
                    met.append(person)
            people.extend({"meeting_id": mid, "contact_id": p} for p in met)
            if self.strategy_ids:
                n_tags = _pick(rng, (0, 1, 2, 3), (10, 65, 93, 100))
                for sid in _pick_distinct(rng, self.strategy_ids, strategy_cum, n_tags):
                    tags.append({"meeting_id": mid, "strategy_id": sid})
            if self.user_ids:
                for uid in rng.sample(self.user_ids, min(len(self.user_ids), rng.randint(1, 2))):
                    staff.append({"meeting_id": mid, "user_id": uid})
            if rng.random() < 0.2:
                due = starts.date() + timedelta(days=rng.randint(3, 60))
                done = rng.random() < (0.9 if due < today - timedelta(days=14) else 0.2)
                done_at = (
                    min(starts + timedelta(days=rng.randint(1, 60)), self.now) if done else None
                )
                tasks.append(
                    {
                        "id": task_id,
                        "title": rng.choice(TASK_TITLES),
                        "description": "",
                        "due_on": due,
                        "assignee_id": rng.choice(self.user_ids) if self.user_ids else None,
                        "meeting_id": mid,
                        "company_id": attending[0],
                        "done": done,
                        "done_at": done_at,
                        "is_demo": False,
                        **_audit(starts),
                    }
                )
                task_id += 1
            if len(rows) >= BATCH or i == n - 1:
                counts["meetings"] += _insert(session, Meeting.__table__, rows)
                counts["meeting_companies"] += _insert(session, meeting_companies, orgs)
                counts["meeting_contacts"] += _insert(session, meeting_contacts, people)
                counts["meeting_strategies"] += _insert(session, meeting_strategies, tags)
                counts["meeting_staff"] += _insert(session, meeting_staff, staff)
                counts["tasks"] += _insert(session, Task.__table__, tasks)
                rows, orgs, people, tags, staff, tasks = [], [], [], [], [], []
        self.counts.update(counts)

    # collaboration links ---------------------------------------------------------------------

    def links(self, n: int) -> None:
        """Explicit links: projects within clusters, ties to research and incubators, trade."""
        rng, session = self.rng, self.session
        if n == 0:
            self.counts["links"] = 0
            return
        from crm.network.services import seed_link_types

        type_ids = {link_type.key: link_type.id for link_type in seed_link_types(session)}
        link_id = _next_id(session, CollaborationLink.__table__)
        kind_of = dict(zip(self.company_ids, self.company_kind, strict=True))
        knowledge = {"research", "education"}
        hubs = [c for c in self.company_ids if kind_of[c] in knowledge | {"incubator"}]
        clusters = [members for members in self.cluster_members if len(members) > 1]
        pool = self.meeting_pool if len(self.meeting_pool) > 1 else self.company_ids
        pool_cum = (
            self.meeting_cum
            if pool is self.meeting_pool
            else list(itertools.accumulate(1 for _ in pool))
        )
        today = self.now.date()
        seen: set[tuple[int, int, str]] = set()
        rows: list[dict[str, Any]] = []
        attempts = 0
        while len(rows) < n and attempts < 20 * n:
            attempts += 1
            roll = rng.random()
            if roll < 0.45 and clusters:
                # Members of a cluster start projects and partnerships with each other.
                a, b = rng.sample(rng.choice(clusters), 2)
                key = _pick(rng, ("project", "partnership", "other"), (50, 85, 100))
                if kind_of[a] in knowledge or kind_of[b] in knowledge:
                    key = "research_collaboration"
            elif roll < 0.65 and hubs:
                a, b = rng.choice(hubs), _pick(rng, pool, pool_cum)
                if kind_of[a] == "incubator":
                    key = "spin_off" if rng.random() < 0.4 else "partnership"
                else:
                    key = "research_collaboration" if rng.random() < 0.7 else "project"
            else:
                a, b = _pick_distinct(rng, pool, pool_cum, 2)
                key = _pick(
                    rng,
                    ("supplier", "customer", "ownership", "partnership", "other"),
                    (35, 60, 70, 85, 100),
                )
            start = self.moment().date()
            end = None
            if rng.random() < 0.35:
                end = start + timedelta(days=rng.randint(180, 2000))
                end = end if end < today else None
            if a == b or key not in type_ids:
                continue
            pair = (min(a, b), max(a, b), key)
            if pair in seen:
                continue
            seen.add(pair)
            # Supplier, customer, owner and spin-off run from a to b; the rest have no
            # direction and are stored with the smaller id first, as the service does.
            directed = key in ("supplier", "customer", "ownership", "spin_off")
            source, target = (a, b) if directed else pair[:2]
            rows.append(
                {
                    "id": link_id,
                    "source_id": source,
                    "target_id": target,
                    "link_type_id": type_ids[key],
                    "directed": directed,
                    "start_date": start,
                    "end_date": end,
                    "evidence": "",
                    "note": "",
                    "is_demo": False,
                    **_audit(datetime.combine(start, datetime.min.time(), UTC)),
                }
            )
            link_id += 1
        self.counts["links"] = _insert(session, CollaborationLink.__table__, rows)
