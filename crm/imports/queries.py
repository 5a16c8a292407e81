"""Reads about imports: the list of runs, one run, and candidate duplicate pairs."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from flask_sqlalchemy.pagination import SelectPagination
from rapidfuzz import fuzz, process
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from crm.common.pagination import paginate
from crm.companies.models import Company, Place
from crm.contacts.models import Contact
from crm.imports.models import ImportChange, ImportRun

FUZZY_THRESHOLD = 90
# Larger blocks are split by the first letter, so no comparison matrix grows past this size.
MAX_BLOCK = 2000
MAX_PAIRS = 500
# Legal-form words that say nothing about which organisation it is.
_LEGAL_FORMS = frozenset({"as", "asa", "sa", "ans", "da", "enk", "nuf", "ba", "ks", "iks", "kf"})
_PUNCTUATION = re.compile(r"[^\w\s]+")


def normalise_name(name: str | None) -> str:
    """Lower case, punctuation and legal forms (AS, ASA, SA, ANS, DA, ENK …) stripped."""
    text = unicodedata.normalize("NFKC", name or "").lower()
    words = _PUNCTUATION.sub(" ", text).split()
    return " ".join(word for word in words if word not in _LEGAL_FORMS)


def block_letter(key: str) -> str:
    """The first letter of the sorted words: "hansen per" and "per hansen" share a block."""
    return min(key.split(), default="")[:1]


def list_runs(session: Session, *, page: int, per_page: int) -> SelectPagination:
    """Import runs, newest first, with their user."""
    query = (
        select(ImportRun)
        .options(joinedload(ImportRun.user))
        .order_by(ImportRun.started_at.desc(), ImportRun.id.desc())
    )
    return paginate(session, query, page=page, per_page=per_page)


def get_run(session: Session, run_id: int) -> ImportRun | None:
    """One run with its user."""
    return session.scalar(
        select(ImportRun).where(ImportRun.id == run_id).options(joinedload(ImportRun.user))
    )


def change_counts(session: Session, run_id: int) -> dict[tuple[str, str], int]:
    """How many records of each table the run created and updated."""
    rows = session.execute(
        select(ImportChange.table_name, ImportChange.action, func.count())
        .where(ImportChange.run_id == run_id)
        .group_by(ImportChange.table_name, ImportChange.action)
    )
    return {(table, action): count for table, action, count in rows}


# --- duplicates ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A record as the duplicate finder sees it."""

    id: int
    name: str
    key: str  # the normalised name
    town: str  # post town or place, lower case ("" when unknown)
    email: str
    detail: str


@dataclass(frozen=True)
class DuplicatePair:
    """Two records that may be the same, with the score and why."""

    first: Candidate
    second: Candidate
    score: int
    reason: str


def company_candidates(session: Session) -> list[Candidate]:
    """Every organisation with its normalised name and town (one query)."""
    rows = session.execute(
        select(Company.id, Company.name, Company.org_number, Company.post_town, Place.name)
        .outerjoin(Place, Place.id == Company.place_id)
        .order_by(Company.id)
    )
    return [
        Candidate(
            id=id_,
            name=name,
            key=normalise_name(name),
            town=(post_town or place or "").strip().lower(),
            email="",
            detail=" · ".join(x for x in (org_number, post_town or place) if x),
        )
        for id_, name, org_number, post_town, place in rows
    ]


def contact_candidates(session: Session) -> list[Candidate]:
    """Every person with their normalised name and email (one query)."""
    rows = session.execute(select(Contact.id, Contact.name, Contact.email).order_by(Contact.id))
    return [
        Candidate(
            id=id_,
            name=name,
            key=normalise_name(name),
            town="",
            email=(email or "").strip().lower(),
            detail=email or "",
        )
        for id_, name, email in rows
    ]


def _blocks(items: Sequence[Candidate], key) -> Iterable[list[Candidate]]:
    groups: dict[str, list[Candidate]] = defaultdict(list)
    for item in items:
        if item.key:
            groups[key(item)].append(item)
    for group in groups.values():
        if len(group) <= MAX_BLOCK:
            yield group
            continue
        # A huge block (say, every organisation without a town) is split by first letter.
        by_letter: dict[str, list[Candidate]] = defaultdict(list)
        for item in group:
            by_letter[block_letter(item.key)].append(item)
        yield from by_letter.values()


def _fuzzy_pairs(block: list[Candidate], reason: str) -> Iterable[DuplicatePair]:
    if len(block) < 2:
        return
    keys = [item.key for item in block]
    scores = process.cdist(
        keys, keys, scorer=fuzz.token_sort_ratio, score_cutoff=FUZZY_THRESHOLD, dtype=np.uint8
    )
    for i, j in zip(*scores.nonzero(), strict=True):
        if i < j:
            yield DuplicatePair(block[i], block[j], int(scores[i, j]), reason)


def find_duplicate_companies(candidates: Sequence[Candidate]) -> list[DuplicatePair]:
    """Organisations with nearly the same normalised name in the same town, best first."""
    pairs: list[DuplicatePair] = []
    for block in _blocks(candidates, lambda c: c.town):
        pairs.extend(_fuzzy_pairs(block, "name and town"))
    pairs.sort(key=lambda p: (-p.score, p.first.key, p.first.id, p.second.id))
    return pairs[:MAX_PAIRS]


def find_duplicate_contacts(candidates: Sequence[Candidate]) -> list[DuplicatePair]:
    """People with the same email, or nearly the same normalised name, best first."""
    found: dict[tuple[int, int], DuplicatePair] = {}
    by_email: dict[str, list[Candidate]] = defaultdict(list)
    for item in candidates:
        if item.email:
            by_email[item.email].append(item)
    for group in by_email.values():
        for i, first in enumerate(group):
            for second in group[i + 1 :]:
                found[(first.id, second.id)] = DuplicatePair(first, second, 100, "email")
    for block in _blocks(candidates, lambda c: block_letter(c.key)):
        for pair in _fuzzy_pairs(block, "name"):
            found.setdefault((pair.first.id, pair.second.id), pair)
    pairs = sorted(found.values(), key=lambda p: (-p.score, p.first.key, p.first.id, p.second.id))
    return pairs[:MAX_PAIRS]


def find_duplicates(session: Session, *, table: str) -> list[DuplicatePair]:
    """Candidate duplicate pairs of organisations ("companies") or people ("contacts")."""
    if table == "companies":
        return find_duplicate_companies(company_candidates(session))
    return find_duplicate_contacts(contact_candidates(session))
