"""The glossary ("Ordliste") as rules a test can check.

Source: the table "Ordliste: one word for each thing" in the project's shared DOMAIN.md
(../shared/DOMAIN.md beside the repository, which is not part of it). The table is copied here
row by row; when the glossary changes, change this file with it.

Each row keeps the words the glossary says to use and the words it says "not" for; `FORBIDDEN`
turns every "not" into a regular expression over bokmål text, with word boundaries and the
inflections bokmål gives the word (stems), and the exceptions the glossary itself makes.
`test_glossary.py` checks that every "not" word is caught by a rule, and that no rule fires in
the catalogue's bokmål, the templates' bokmål, the demo data or the exports' column headings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """One row of the Ordliste: the thing, its words in bokmål and English, the words not to use."""

    thing: str
    bokmal: str
    english: str
    not_words: tuple[str, ...] = ()


ORDLISTE = (
    Row(
        "Company",
        "organisasjon, organisasjoner",
        "organisation",
        ("virksomhet", "bedrift"),  # except the kind "Bedrift"
    ),
    Row(
        "company kinds",
        "Bedrift · Forskningsinstitutt · Utdanning · Offentlig organ · Klyngeorganisasjon · "
        "Inkubator · Møtested og arena · Annet",
        "Company · Research institute · Education · Public body · Cluster organisation · "
        "Incubator · Venue · Other",
        # "two labels for one kind": the old second labels.
        ("Skole eller universitet",),
    ),
    Row(
        "Contact", "person, personer; kontaktperson", "person, people; contact person", ("kontakt",)
    ),
    Row(
        "Meeting kinds",
        "Møte · Bedriftsbesøk · Telefonsamtale · Arbeidsmøte · Konferanse · E-post",
        "Meeting · Company visit · Phone call · Workshop · Conference · Email",
        ("Arbeidsmøte/workshop", "Arbeidsverksted"),  # the double names
    ),
    Row("Task", "oppgave, frist, Mine oppgaver", "task, due date, My tasks"),
    Row("Cluster kinds", "klynge · nettverk · program", "cluster · network · programme"),
    Row(
        "Membership",
        "medlemskap; Medlem fra / Medlem til",
        "membership; Member since / Member until",
        ("Ble med i", "Gikk ut av"),
    ),
    Row(
        "membership roles",
        "Medlem · Partner · Fasilitator · Styremedlem · Stiftende medlem",
        "Member · Partner · Facilitator · Board member · Founding member",
        ("Vertskap/fasilitator",),
    ),
    Row(
        "EstablishmentCase",
        "etableringssak; Etableringstavlen; fase",
        "establishment case; the board; stage",
        ("sakstrakt", "saksløp"),  # use "Etableringssaker: faser og resultater"
    ),
    Row(
        "default stages",
        "Første kontakt · Behov avklart · Tomte- og lokalsøk · Tilbud og beslutning · Etablert · "
        "Tapt · På vent",
        "First contact · Needs clarified · Site and premises search · Offer and decision · "
        "Established · Lost · On hold",
    ),
    Row(
        "WarningFlag",
        "varsel: rødt varsel, gult varsel; Marker som løst",
        "warning: red, yellow; Mark as resolved",
        ("Løs",),
    ),
    Row("Link", "kobling; koblingstype", "link; link type", ("samarbeidslenke",)),
    Row("a tie on the map", "bånd; styrke (weight)", "tie; strength", ("vekt",)),
    Row(
        "network figures",
        "Antall bånd · Samlet styrke · Innflytelse (PageRank) · Brobygging (mellomsentralitet) · "
        "Fellesskap · Brobygger",
        "Ties · Total strength · Influence (PageRank) · Bridging (betweenness) · Community · "
        "Broker",
        ("PageRank", "mellomsentralitet"),  # a bare algorithm name without its plain word
    ),
    Row(
        "calendar feed",
        "kalenderabonnement",
        "calendar subscription",
        ("kalenderstrøm", "kalenderfeed", "kalenderadresse"),
    ),
    Row(
        "roles",
        "Leser · Redigerer · Administrator",
        "Reader · Editor · Administrator",
        ("Redaktør",),
    ),
    Row(
        "strategy",
        "innsatsområde · strategi · bærekraftsmål · handlingsplan · tiltak",
        "focus area · strategy · sustainable development goal · action plan · measure",
    ),
    Row("places", "sted; vekstområde", "place; growth area"),
    Row(
        "register",
        "Enhetsregisteret; hovedenhet, underenhet; organisasjonsnummer; organisasjonsform; "
        "næringskode; forretningsadresse, beliggenhetsadresse",
        "the Central Coordinating Register; main unit, sub-unit; organisation number; …",
    ),
)


@dataclass(frozen=True)
class Rule:
    """A word the glossary says "not" for, as a pattern over bokmål text, with its own examples."""

    word: str
    pattern: re.Pattern[str]
    why: str
    catches: tuple[str, ...]
    allows: tuple[str, ...] = ()


def _rule(
    word: str,
    pattern: str,
    why: str,
    *,
    catches: tuple[str, ...],
    allows: tuple[str, ...] = (),
    flags: int = re.IGNORECASE,
) -> Rule:
    return Rule(word, re.compile(pattern, flags), why, catches, allows)


_W = r"(?<![\wæøåÆØÅ])"  # a word starts here
_E = r"(?![\wæøåÆØÅ])"  # a word ends here

FORBIDDEN = (
    _rule(
        "virksomhet",
        _W + r"virksomhet(?:en|er|ene|s)?" + _E,
        "organisasjon",
        catches=("Velg en eksisterende virksomhet", "Virksomheten vokser"),
        allows=("Konsulentvirksomhet", "Kongress- og messevirksomhet"),
    ),
    # "Bedrift" is the kind's label; "Bedriftsbesøk" is a meeting kind (a compound).
    _rule(
        "bedrift",
        _W + r"(?:[Bb]edrift(?:en|er|ene)|bedrift)" + _E,
        "organisasjon (Bedrift only as the kind)",
        catches=("for en bedrift som", "Bedriften vokser", "bedrifter i regionen"),
        allows=("Bedrift", "Type: Bedrift", "Bedriftsbesøk hos IFE", "elevbedrift"),
        flags=0,
    ),
    # "kontakt" and "kontakten" are also contact as an act ("Første kontakt", "holder
    # kontakten med"); the plural names people.
    _rule(
        "kontakt",
        _W + r"kontakt(?:er|ene)" + _E,
        "person, or kontaktperson on an organisation's page",
        catches=("Kontakter", "alle kontaktene"),
        allows=(
            "Første kontakt",
            "holder kontakten med organisasjonen",
            "Sist kontaktet",
            "kontaktperson",
            "kontaktopplysningene",
        ),
    ),
    _rule(
        "Skole eller universitet",
        r"Skole eller universitet",
        "Utdanning",
        catches=("Skole eller universitet",),
    ),
    _rule(
        "Arbeidsmøte/workshop",
        r"Arbeidsmøte/workshop",
        "Arbeidsmøte",
        catches=("Arbeidsmøte/workshop",),
    ),
    _rule(
        "Arbeidsverksted",
        _W + r"arbeidsverksted\w*",
        "Arbeidsmøte",
        catches=("Arbeidsverksted",),
    ),
    _rule("Ble med i", r"Ble med i", "Medlem fra", catches=("Ble med i",)),
    _rule("Gikk ut av", r"Gikk ut av", "Medlem til", catches=("Gikk ut av",)),
    _rule(
        "Vertskap/fasilitator",
        _W + r"vertskap\w*",
        "Fasilitator",
        catches=("Vertskap/fasilitator",),
        allows=("Fasilitator",),
    ),
    _rule(
        "sakstrakt",
        r"sakstrakt\w*",
        "Etableringssaker: faser og resultater",
        catches=("Etableringer: sakstrakt",),
    ),
    _rule(
        "saksløp",
        _W + r"saksløp\w*",
        "Etableringssaker: faser og resultater",
        catches=("Saksløpet for etableringssaker", "Rapport om saksløpet"),
    ),
    # The verb alone on a button; "løst", "løsning" and "løse" are other words.
    _rule(
        "Løs",
        _W + r"Løs" + _E,
        "Marker som løst",
        catches=("Løs", "Løs varselet om IFE"),
        allows=("Marker som løst", "Løsning"),
        flags=0,
    ),
    _rule(
        "samarbeidslenke",
        r"samarbeidslenke\w*",
        "kobling",
        catches=("samarbeidslenker",),
    ),
    _rule(
        "vekt",
        _W + r"vekt(?:en|er|ene)?" + _E,
        "styrke",
        catches=("Minste vekt", "vekt 0,5", "Vekt"),
        allows=("Vekst", "vektlegge", "Samlet styrke"),
    ),
    _rule(
        "PageRank",
        r"(?<!Innflytelse \()PageRank",
        "Innflytelse (PageRank)",
        catches=("PageRank", "Øverst etter PageRank"),
        allows=("Innflytelse (PageRank)", "data-size=pagerank"),
        flags=0,
    ),
    _rule(
        "mellomsentralitet",
        r"(?<!Brobygging \()(?<!brobyggingen \()mellomsentralitet",
        "Brobygging (mellomsentralitet)",
        catches=("Mellomsentralitet", "mellomsentralitet beregnes"),
        allows=("Brobygging (mellomsentralitet)", "brobyggingen (mellomsentralitet)"),
    ),
    _rule(
        "kalenderstrøm",
        r"kalenderstrøm\w*",
        "kalenderabonnement",
        catches=("Kalenderstrømmen din",),
    ),
    _rule("kalenderfeed", r"kalenderfeed\w*", "kalenderabonnement", catches=("Min kalenderfeed",)),
    _rule(
        "kalenderadresse",
        r"kalenderadresse\w*",
        "kalenderabonnement",
        catches=("Lag en ny kalenderadresse",),
        allows=("Abonnementsadresse",),
    ),
    _rule("Redaktør", _W + r"redaktør\w*", "Redigerer", catches=("Redaktør: logger møter",)),
)


def offences(text: str) -> list[str]:
    """Each forbidden word in `text`, with what to say instead."""
    return [
        f"{match.group(0)!r} (say: {rule.why})"
        for rule in FORBIDDEN
        for match in rule.pattern.finditer(text)
    ]
