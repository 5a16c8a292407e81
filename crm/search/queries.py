"""Reads for search: suggestions as one types, and the grouped results of the search page.

Every query limits in SQL and reads only the columns it shows, so a suggestion costs one small
query whatever the size of the tables (11,000 organisations, tens of thousands of contacts and
meetings). Suggestions match names case-insensitively for every letter (crm.common.folding),
with LIKE wildcards escaped. The search page reads the full-text index (crm/search/index.py).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

import snowballstemmer
from markupsafe import Markup, escape
from sqlalchemy import ColumnElement, bindparam, case, or_, select, text
from sqlalchemy.orm import Session

from crm.auth.models import User
from crm.clusters.labels import CLUSTER_KIND
from crm.clusters.models import Cluster
from crm.common import folding
from crm.common.folding import fold, fold_text
from crm.common.formats import date as format_date
from crm.companies.models import Company
from crm.contacts.models import Contact
from crm.establishments.models import EstablishmentCase, Stage
from crm.meetings import queries as meeting_queries
from crm.meetings.models import Meeting, meeting_companies
from crm.search import index
from crm.tasks.models import Task

MIN_QUERY_LENGTH = 2
MAX_QUERY_LENGTH = 100
SUGGEST_LIMIT = 10
# How many organisations, by name, a term under three letters is first looked for among.
SHORT_TERM_WALK = 20_000

_SPACES = re.compile(r"[\s\u00a0\u202f]+")


@dataclass(frozen=True)
class Suggestion:
    """One suggestion: what to show and where it leads (url None: nothing to open)."""

    id: int
    label: str
    detail: str
    url: str | None
    # A person's current organisation: the meeting form adds it along with the person.
    company: tuple[int, str] | None = None

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of the suggest API."""
        shape = {"id": self.id, "label": self.label, "detail": self.detail, "url": self.url}
        if self.company is not None:
            shape["company"] = {"id": self.company[0], "label": self.company[1]}
        return shape


def clean_query(q: str | None) -> str:
    """The search term as typed, trimmed; empty when too short to search for."""
    q = _SPACES.sub(" ", (q or "").strip())[:MAX_QUERY_LENGTH]
    return q if len(q) >= MIN_QUERY_LENGTH else ""


def format_org_number(org_number: str | None) -> str:
    """An organisation number as Norwegians write it: 923 609 016."""
    if org_number and len(org_number) == 9 and org_number.isdigit():
        return f"{org_number[:3]} {org_number[3:6]} {org_number[6:]}"
    return org_number or ""


def _digits(q: str) -> str | None:
    """The digits of a term made only of digits and spaces, else None."""
    compact = _SPACES.sub("", q)
    return compact if compact.isascii() and compact.isdigit() else None


def _company_match(q: str) -> tuple[ColumnElement[bool], ColumnElement[int]]:
    """The filter and the ranking for organisations: an exact organisation number when the term
    is 9 digits; else name prefix before name contains (shorter digit runs also match the start
    of an organisation number)."""
    digits = _digits(q)
    if digits is not None and len(digits) == 9:
        return Company.org_number == digits, case((Company.org_number == digits, 0), else_=1)
    by_name = folding.contains(Company.name, q)
    prefix = folding.startswith(Company.name, q)
    if digits is not None:
        by_number = Company.org_number.startswith(digits, autoescape=True)
        return or_(by_name, by_number), case((by_number, 0), (prefix, 0), else_=1)
    return by_name, case((prefix, 0), else_=1)


def _contact_match(q: str) -> tuple[ColumnElement[bool], ColumnElement[int]]:
    condition = or_(folding.contains(Contact.name, q), folding.contains(Contact.email, q))
    return condition, case((folding.startswith(Contact.name, q), 0), else_=1)


def _meeting_title_match(q: str) -> ColumnElement[bool]:
    return folding.contains(Meeting.title, q)


# --- suggestions ------------------------------------------------------------------------------


def _company_rows(session: Session, q: str, limit: int) -> list:
    """The organisations for `q`: those whose name starts with it, then those whose name holds
    it further in, each by folded name (then id), at most `limit`.

    Two statements rather than one ranked by CASE: at national scale (1.84 M organisations) a
    common term ("fjord": 99,000 names) made PostgreSQL read and sort every match for ten. Each
    statement is ordered as ix_companies_folded_name (fold(name), id), so for a common term
    the planner walks that index and stops after ten matches; a rare term still goes through
    the trigram index and sorts its few matches. The second statement runs only when the
    first did not fill the list.
    """
    columns = select(Company.id, Company.name, Company.org_number, Company.post_town)
    by_name = fold(Company.name), Company.id
    digits = _digits(q)
    if digits is not None:
        # Digits also match organisation numbers (a number prefix ranks with a name prefix);
        # rare in a type-ahead, and a number prefix is unselective, so the one ranked query.
        condition, rank = _company_match(q)
        return session.execute(columns.where(condition).order_by(rank, *by_name).limit(limit)).all()
    prefix = folding.startswith(Company.name, q)
    rows = session.execute(
        columns.where(prefix, *_folded_prefix_range(session, q)).order_by(*by_name).limit(limit)
    ).all()
    if len(rows) < limit:
        rows += _company_infixes(session, q, ~prefix, limit - len(rows))
    return rows


def _company_infixes(session: Session, q: str, not_prefix: Any, limit: int) -> list:
    """Organisations whose name holds `q` but does not start with it, by folded name, at most
    `limit`.

    On PostgreSQL, a term of three letters or more: one statement, which the planner serves by
    walking ix_companies_folded_name (common term) or through the trigram index (rare). A shorter
    term has no trigram, so pg_trgm's index would be read whole, and the planner, which cannot
    tell a rare pair of letters ("qx") from a common one ("ss"), walked the name index through
    all 1.84 M organisations (4.5 s) for a rare one. So the walk is bounded to the first
    SHORT_TERM_WALK names, enough for a common pair; when that does not fill the list, one
    scan of the table matches every name (`name || ''` matches no index, so neither the walk
    nor the trigram index is taken) and keeps the first `limit` by name.
    """
    columns = (Company.id, Company.name, Company.org_number, Company.post_town)
    postgresql = session.get_bind().dialect.name == "postgresql"
    if len(fold_text(q)) >= 3 and postgresql:
        return session.execute(
            select(*columns)
            .where(folding.contains(Company.name, q), not_prefix)
            .order_by(fold(Company.name), Company.id)
            .limit(limit)
        ).all()
    if postgresql:
        walked = (
            select(*columns, fold(Company.name).label("folded"))
            .order_by(fold(Company.name), Company.id)
            .limit(SHORT_TERM_WALK)
            .subquery()
        )
        found = _sorted_matches(session, walked, q, limit)
        if len(found) == limit:
            return found
    # SQLite (a municipality's 11,000 organisations) goes straight to the scan: walking its
    # index on kb_fold(name) looked up every row of a rare term's table in name order.
    unindexed = Company.name.concat("")
    return session.execute(
        select(*columns)
        .where(folding.contains(unindexed, q), ~folding.startswith(unindexed, q))
        .order_by(fold(unindexed), Company.id)
        .limit(limit)
    ).all()


def _sorted_matches(session: Session, rows: Any, q: str, limit: int) -> list:
    """The rows of subquery `rows` whose name holds `q` but does not start with it, by folded
    name and id."""
    return session.execute(
        select(rows.c.id, rows.c.name, rows.c.org_number, rows.c.post_town)
        .where(folding.contains(rows.c.name, q), ~folding.startswith(rows.c.name, q))
        .order_by(rows.c.folded, rows.c.id)
        .limit(limit)
    ).all()


def _folded_prefix_range(session: Session, q: str) -> tuple[ColumnElement[bool], ...]:
    """fold(name) between the term and the term with its last letter raised by one: the same
    rows as the LIKE 'term%' it goes with where text is ordered by code point (SQLite's BINARY,
    PostgreSQL's C collations), said so that a btree on fold(name) serves it: PostgreSQL uses an
    index for LIKE 'x%' only under the C collation or text_pattern_ops. Under a language's
    collation the range would lose names ('sø' raised is 'sù', which nb_NO sorts before 'sø'),
    so there the LIKE goes alone, unindexed."""
    term = fold_text(q)
    if not term or ord(term[-1]) >= 0x10FFFF or not _orders_by_code_point(session):
        return ()
    upper = term[:-1] + chr(ord(term[-1]) + 1)
    return fold(Company.name) >= term, fold(Company.name) < upper


_CODE_POINT_ORDER: dict[str, bool] = {}


def _orders_by_code_point(session: Session) -> bool:
    """Whether the database orders text by code point (asked of PostgreSQL once per process)."""
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        return True
    key = str(bind.url)
    if key not in _CODE_POINT_ORDER:
        collate, provider = session.execute(
            text(
                "SELECT datcollate, to_jsonb(d) ->> 'datlocprovider' FROM pg_database d "
                "WHERE datname = current_database()"
            )
        ).one()
        # datlocprovider is PostgreSQL 15's; 'i' (ICU) orders by language whatever datcollate.
        _CODE_POINT_ORDER[key] = provider in (None, "c") and (
            collate in ("C", "POSIX") or collate.startswith("C.")
        )
    return _CODE_POINT_ORDER[key]


def suggest_companies(session: Session, q: str, *, limit: int = SUGGEST_LIMIT) -> list[Suggestion]:
    """Organisations by organisation number or name; detail: number and post town."""
    return [
        Suggestion(
            id=id_,
            label=name,
            detail=" · ".join(p for p in (format_org_number(org_number), post_town or "") if p),
            url=f"/companies/{id_}",
        )
        for id_, name, org_number, post_town in _company_rows(session, q, limit)
    ]


def suggest_contacts(session: Session, q: str, *, limit: int = SUGGEST_LIMIT) -> list[Suggestion]:
    """People by name or email; detail: their current organisation and email."""
    condition, rank = _contact_match(q)
    columns = select(Contact.id, Contact.name, Contact.email)
    rows: list = []
    if session.get_bind().dialect.name == "postgresql":
        # Names that start with the term rank first, so when `limit` of them exist they are
        # the answer, read through the index on the folded name (migration 7b3f0c9d2e41) rather
        # than by folding every person's name and email (25,000 people for "Han"). OFFSET 0
        # keeps the matches a subquery of their own: else the planner walks the index on
        # name in order, folding names from "A" on until ten start with the term.
        prefixed = columns.where(folding.startswith(Contact.name, q)).offset(0).subquery()
        rows = session.execute(
            select(prefixed).order_by(prefixed.c.name, prefixed.c.id).limit(limit)
        ).all()
    if len(rows) < limit:
        rows = session.execute(
            columns.where(condition).order_by(rank, Contact.name, Contact.id).limit(limit)
        ).all()
    # One query for every person's organisation (meetings' queries, through the module).
    companies = meeting_queries.current_organisation_by_contact(session, [row[0] for row in rows])
    suggestions = []
    for id_, name, email in rows:
        company = companies.get(id_)
        detail = " · ".join(p for p in (company.name if company else "", email or "") if p)
        suggestions.append(
            Suggestion(
                id=id_,
                label=name,
                detail=detail,
                url=f"/contacts/{id_}",
                company=(company.id, company.name) if company else None,
            )
        )
    return suggestions


def suggest_users(session: Session, q: str, *, limit: int = SUGGEST_LIMIT) -> list[Suggestion]:
    """Active users by name or email (to pick staff); they have no page to open."""
    rows = session.execute(
        select(User.id, User.name, User.email)
        .where(
            User.active.is_(True),
            or_(folding.contains(User.name, q), folding.contains(User.email, q)),
        )
        .order_by(case((folding.startswith(User.name, q), 0), else_=1), User.name)
        .limit(limit)
    )
    return [Suggestion(id=id_, label=name, detail=email, url=None) for id_, name, email in rows]


def suggest_meetings(session: Session, q: str, *, limit: int = SUGGEST_LIMIT) -> list[Suggestion]:
    """Meetings by title, latest first; detail: the date."""
    rows = session.execute(
        select(Meeting.id, Meeting.title, Meeting.starts_at)
        .where(_meeting_title_match(q))
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        .limit(limit)
    )
    return [
        Suggestion(id=id_, label=title, detail=format_date(starts_at), url=f"/meetings/{id_}")
        for id_, title, starts_at in rows
    ]


SUGGESTERS = {
    "companies": suggest_companies,
    "contacts": suggest_contacts,
    "users": suggest_users,
    "meetings": suggest_meetings,
}


# --- the search page: the full-text index (crm/search/index.py) --------------------------------

PER_KIND = 5
PER_PAGE = 20
# The ranking reads at most this many of a kind's hits, the newest (see _SQLITE_KIND).
RANK_CAP = 200
# A kind's hits are counted up to this many; past it the page says "over 1 000" (see
# _POSTGRES_KIND: counting every hit of a common word cost PostgreSQL a read of each).
COUNT_CAP = 1000
MAX_WORDS = 10
# The kinds in the order the page shows them.
KINDS = tuple(source.kind for source in index.SOURCES)

_WORD = re.compile(r"[^\W_]+")
_NUMBER_PUNCTUATION = re.compile(r"[\s\u00a0\u202f+().\-]+")
SNIPPET_WORDS = 24
# Marks a word to be matched whole (never a letter or digit, so never typed into a word).
EXACT = "="
_stemmer = snowballstemmer.stemmer("norwegian")


def search_words(q: str) -> list[str]:
    """The words searched for: letters and digits only, case-folded, at most MAX_WORDS.

    A term made only of digits (with spaces, +, -, dots or parentheses) is one number:
    "923 456 789" is the organisation number 923456789, "+47 912 34 567" the phone 4791234567
    (a leading 00 is dropped: "0047 …" is "+47 …"). A term with an @ is an email address:
    its words are matched whole (marked EXACT), since "no"* or "example"* would match half the
    index. Everything else the full-text engines would read as syntax ("", *, NEAR, -, :,
    parentheses) never reaches them.
    """
    compact = _NUMBER_PUNCTUATION.sub("", q)
    if compact.isascii() and compact.isdigit():
        return [compact[2:] if compact.startswith("00") and len(compact) > 4 else compact]
    words = [fold_text(word) for word in _WORD.findall(q)][:MAX_WORDS]
    return [EXACT + word for word in words] if "@" in q else words


def _sqlite_match(words: list[str]) -> str:
    """An FTS5 query: every word stemmed (Snowball, Norwegian) and quoted, as a prefix."""
    return " ".join(
        f'"{word[1:]}"' if word.startswith(EXACT) else f'"{_stem(word)}"*' for word in words
    )


def _postgres_match(words: list[str]) -> str:
    """A to_tsquery text: every word as a prefix; PostgreSQL stems it (norwegian)."""
    return " & ".join(word[1:] if word.startswith(EXACT) else f"{word}:*" for word in words)


@functools.lru_cache(maxsize=20_000)
def _stem(word: str) -> str:
    if word.startswith(EXACT):
        return word[1:]
    return word if word.isdigit() else _stemmer.stemWord(word)


def _is_hit(token: str, stems: list[str]) -> bool:
    """Whether a word of the text is a hit: it, or its stem, starts with a searched stem (the
    prefix match of both engines: FTS5 on the word, PostgreSQL on its stem)."""
    folded = fold_text(token)
    if any(folded.startswith(stem) for stem in stems):
        return True
    return any(_stem(folded).startswith(stem) for stem in stems)


def highlight(text_: str, words: list[str], *, window: int | None = None) -> Markup:
    """The text escaped, its hits in <mark>; with `window`, only the stretch of that many words
    around the first hit, "…" where it was cut (nothing when no word is a hit).

    Done here rather than by snippet()/ts_headline(): both engines then show the same thing,
    and FTS5's snippet() would run the search again for every row shown.
    """
    stems = [_stem(word) for word in words]
    tokens = list(_WORD.finditer(text_))
    start, end = 0, len(text_)
    if window is not None:
        first = next((i for i, t in enumerate(tokens) if _is_hit(t.group(), stems)), None)
        if first is None:
            return Markup("")
        low = max(0, first - window // 3)
        high = min(len(tokens), low + window)
        start = tokens[low].start() if low > 0 else 0
        end = tokens[high - 1].end() if high < len(tokens) else len(text_)
    out: list[str] = ["… "] if start > 0 else []
    position = start
    for token in tokens:
        if token.start() < start or token.end() > end:
            continue
        if _is_hit(token.group(), stems):
            out.append(str(escape(text_[position : token.start()])))
            out.append(f"<mark>{escape(token.group())}</mark>")
            position = token.end()
    out.append(str(escape(text_[position:end])))
    if end < len(text_):
        out.append(" …")
    return Markup("".join(out))  # noqa: S704  # nosec B704 (every part escaped just above)


# SQLite: two questions per search. First, how many hits each kind has (one pass over the hits, no
# ranking). Then the ranked page of every kind that has any: one branch per kind, within the
# kind's range of ids, joined with UNION ALL. The ranking (bm25 / ts_rank) reads at most the
# RANK_CAP newest hits of a kind: a word in 30,000 meetings would otherwise be scored row by
# row (about 60 ms on SQLite), and the newest of so many are what an adviser looks for.
_SQLITE_COUNTS = f"""
SELECT rowid >> {index.KIND_SHIFT}, count(*) FROM {index.SQLITE_TABLE}
WHERE {index.SQLITE_TABLE} MATCH :match GROUP BY 1
"""  # nosec B608 (module constants only; values are bound)
_SQLITE_CUT = f"""coalesce((
    SELECT rowid FROM {index.SQLITE_TABLE}
    WHERE {index.SQLITE_TABLE} MATCH :match AND rowid BETWEEN {{lo}} AND {{hi}}
    ORDER BY rowid DESC LIMIT 1 OFFSET {{last}}
  ), {{lo}})"""  # nosec B608 (module constants only; values are bound)
_SQLITE_KIND = f"""
SELECT * FROM (
  SELECT rowid FROM {index.SQLITE_TABLE}
  WHERE {index.SQLITE_TABLE} MATCH :match AND rowid <= {{hi}} AND rowid >= {{low}}
  ORDER BY bm25({index.SQLITE_TABLE}, 10.0, 1.0), rowid DESC LIMIT :limit OFFSET :offset
)
"""  # nosec B608 (module constants only; values are bound)
# PostgreSQL: one statement, one branch per kind. A GIN index says which rows match, not their
# kind or age, so a kind's hits are read from the table to count and order them; for a common
# word (17,000 meetings) that read was most of the search. Here each kind has its own partial
# index (crm/search/index.py), `hits` reads at most COUNT_CAP + 1 of the kind's hits (the
# count stops there), and the RANK_CAP newest are then taken either from those hits (the
# kind has at most COUNT_CAP: all of them are there) or, past COUNT_CAP, by walking the kind's
# ids down from the newest until RANK_CAP match, which a word in 1,000 or more of a kind's
# records does within a few thousand rows. `IS TRUE` keeps the walk off the GIN index (which
# would read every hit again); the gates on `counted.total` run one of the two, never both.
# ts_rank then reads those RANK_CAP only. The ranked hits are the same as when every hit was
# read; only the count stops at COUNT_CAP.
# A sub-select: PostgreSQL parses and stems the query once per use (an InitPlan), also in a
# prepared statement's generic plan, where a bare to_tsquery(…) in the walk's filter would be
# called again for every row read.
_POSTGRES_QUERY = "(SELECT to_tsquery('norwegian', :match))"
_POSTGRES_HITS = f"""hits_{{code}} AS MATERIALIZED (
  SELECT id, document FROM {index.POSTGRES_TABLE}
  WHERE {{kind}} AND document @@ {_POSTGRES_QUERY} LIMIT :count_limit
)"""  # nosec B608 (module constants only; values are bound)
# The walk down the kind's ids from the newest, past COUNT_CAP hits (see above).
_POSTGRES_WALK = f"""(SELECT id, document FROM {index.POSTGRES_TABLE}
     WHERE counted.total > :count_cap AND id BETWEEN {{lo}} AND {{hi}}
       AND (document @@ {_POSTGRES_QUERY}) IS TRUE
     ORDER BY id DESC LIMIT :cap)"""  # nosec B608 (module constants only; values are bound)
_POSTGRES_KIND = f"""(
SELECT counted.total, page.id, page.score
FROM (SELECT count(*) AS total FROM hits_{{code}}) AS counted CROSS JOIN LATERAL (
  SELECT newest.id, ts_rank(newest.document, {_POSTGRES_QUERY}) AS score FROM (
    (SELECT id, document FROM hits_{{code}} WHERE counted.total <= :count_cap
     ORDER BY id DESC LIMIT :cap)
    UNION ALL
    {{walk}}
  ) AS newest
  ORDER BY score DESC, newest.id DESC LIMIT :limit OFFSET :offset
) AS page
)"""  # nosec B608 (module constants only; values are bound)

# A kind in chunks of ids (index.CHUNKED_KINDS: the organisations, 1.8 million at the national
# scale). A word in a few percent of them ('nordlys': 97,000 names) defeated both ways above:
# its count built the bitmap of every hit to stop at COUNT_CAP + 1, and the walk read 112,000
# rows down from the newest (the newest organisations seldom had it) to find RANK_CAP. Here:
# - the count reads the chunks one after the other (a UNION ALL runs its branches lazily, and
#   a count needs no order) and stops in the first chunk that holds COUNT_CAP + 1 hits;
# - the newest RANK_CAP hits: first the walk down from the newest, but over the newest
#   RECENT_WALK rows only (a very common word, 'as', has its RANK_CAP there: a few hundred
#   rows; 2,000 rather than 5,000: a rarer word wastes the walk, and was slower with 5,000 for
#   every word tried at the national scale); when those hold fewer than RANK_CAP hits, the
#   chunks newest first, each its own
#   newest RANK_CAP hits through its own index, a chunk only while the chunks above it hold
#   fewer than RANK_CAP (gates on the counts, so the result does not hang on the order in
#   which PostgreSQL runs the branches); the newest RANK_CAP of those are the kind's.
# The same hits, counts and ranks as the walk of the whole kind.
RECENT_WALK = 2000
_POSTGRES_CHUNKED_HITS = """hits_{code} AS MATERIALIZED (
  SELECT id, document FROM (
{chunks}
  ) AS chunks LIMIT :count_limit
)"""  # nosec B608 (module constants only; values are bound)
_POSTGRES_CHUNK_HITS = f"""    SELECT id, document FROM {index.POSTGRES_TABLE}
    WHERE {{chunk}} AND document @@ {_POSTGRES_QUERY}"""  # nosec B608 (module constants only)
_POSTGRES_RECENT = f"""recent_{{code}} AS MATERIALIZED (
  SELECT id, document FROM (
    SELECT id, document FROM {index.POSTGRES_TABLE} WHERE id BETWEEN {{lo}} AND {{hi}}
    ORDER BY id DESC LIMIT :recent
  ) AS recent WHERE (document @@ {_POSTGRES_QUERY}) IS TRUE ORDER BY id DESC LIMIT :cap
)"""  # nosec B608 (module constants only; values are bound)
_POSTGRES_CHUNK = f"""chunk_{{code}}_{{n}} AS MATERIALIZED (
  SELECT id, document FROM {index.POSTGRES_TABLE}
  WHERE {{chunk}} AND document @@ {_POSTGRES_QUERY} AND {{gate}}
  ORDER BY id DESC LIMIT :cap
)"""  # nosec B608 (module constants only; values are bound)
_POSTGRES_CHUNKED_WALK = """(SELECT id, document FROM (
       SELECT id, document FROM recent_{code}
       WHERE (SELECT count(*) FROM recent_{code}) >= :cap
       UNION ALL
{chunks}
     ) AS walked WHERE counted.total > :count_cap ORDER BY id DESC LIMIT :cap)"""


def _postgres_chunked(source: index.Source) -> tuple[list[str], str]:
    """The common table expressions and the walk of a kind in chunks (see RECENT_WALK)."""
    code = source.code
    lo, hi = index.kind_range(source)
    chunks = index.chunk_filters(source)
    hits = "\n    UNION ALL\n".join(_POSTGRES_CHUNK_HITS.format(chunk=chunk) for chunk in chunks)
    ctes = [
        _POSTGRES_CHUNKED_HITS.format(code=code, chunks=hits),
        _POSTGRES_RECENT.format(code=code, lo=lo, hi=hi),
    ]
    for n, chunk in enumerate(chunks):
        above = " + ".join(f"(SELECT count(*) FROM chunk_{code}_{m})" for m in range(n))  # nosec B608 (constants)
        gate = f"(SELECT count(*) FROM recent_{code}) < :cap" + (  # nosec B608 (constants)
            f" AND {above} < :cap" if above else ""
        )
        ctes.append(_POSTGRES_CHUNK.format(code=code, n=n, chunk=chunk, gate=gate))
    walk = _POSTGRES_CHUNKED_WALK.format(
        code=code,
        # The chunks' CTE names: the kind's code and a number, both constants.
        chunks="\n       UNION ALL\n".join(
            f"       SELECT id, document FROM chunk_{code}_{n}"  # nosec B608
            for n in range(len(chunks))
        ),
    )
    return ctes, walk


def _past_first_chunk(session: Session, sources: list[index.Source]) -> set[str]:
    """The kinds of `sources` in index.CHUNKED_KINDS that have records past the first chunk of
    ids, asked of the index's primary key (PostgreSQL).

    Only those are read chunk by chunk: the statement with the chunks costs PostgreSQL a few
    milliseconds more to plan (its eight chunks and their gates, for every search), which a
    municipality's 11,000 organisations, all in the first chunk, would pay for nothing.
    """
    chunked = [source for source in sources if source.kind in index.CHUNKED_KINDS]
    if not chunked:
        return set()
    # The first id in the range, ORDER BY id LIMIT 1 in a scalar subquery: the primary key's
    # first entry, never a sequential scan (which the planner picks for an EXISTS over a range
    # it thinks big, dropping the ORDER BY: on a table without such rows it would read it all).
    probes = [
        f"SELECT {source.code} WHERE (SELECT id FROM {index.POSTGRES_TABLE} "  # nosec B608 (module constants only)
        f"WHERE id BETWEEN {lo + (1 << index.CHUNK_SHIFT)} AND {hi} ORDER BY id LIMIT 1) "
        "IS NOT NULL"
        for source in chunked
        for lo, hi in [index.kind_range(source)]
    ]
    codes = set(session.scalars(text(" UNION ALL ".join(probes))))
    return {source.kind for source in chunked if source.code in codes}


def _postgres_ranked(sources: list[index.Source], chunked: set[str] | None = None) -> str:
    """The statement for `sources`' kinds: their hits, counted and ranked (_POSTGRES_KIND);
    the kinds in `chunked` chunk by chunk (RECENT_WALK)."""
    ctes = []
    branches = []
    for source in sources:
        lo, hi = index.kind_range(source)
        if source.kind in (chunked or ()):
            kind_ctes, walk = _postgres_chunked(source)
            ctes += kind_ctes
        else:
            ctes.append(_POSTGRES_HITS.format(code=source.code, kind=index.kind_filter(source)))
            walk = _POSTGRES_WALK.format(lo=lo, hi=hi)
        branches.append(_POSTGRES_KIND.format(code=source.code, walk=walk))
    # Kinds' codes and id ranges come from crm.search.index's constants; the words are bound.
    return (
        "WITH "  # nosec B608 (constants)
        + ",\n".join(ctes)
        + "\nSELECT id, total FROM (\n"  # nosec B608 (constants)
        + "\nUNION ALL\n".join(branches)
        + f"\n) AS ranked\nORDER BY id >> {index.KIND_SHIFT}, score DESC, id DESC"
    )


@dataclass(frozen=True)
class Hit:
    """One result: where it leads, its title and a snippet with the hits marked, and a detail."""

    kind: str
    id: int
    url: str
    title: Markup
    snippet: Markup
    detail: str


@dataclass
class KindResults:
    """The hits of one kind on this page, and how many there are in all (`more`: over
    `total`, which is then COUNT_CAP)."""

    kind: str
    hits: list[Hit]
    total: int
    more: bool = False


@dataclass
class FullTextResults:
    """The search page's results, grouped by kind in KINDS' order (kinds with none left out)."""

    words: list[str]
    groups: list[KindResults]

    @property
    def empty(self) -> bool:
        """Whether nothing at all was found."""
        return not self.groups


def rank_hits(
    session: Session, words: list[str], *, kind: str | None, offset: int, limit: int
) -> list[tuple[int, int]]:
    """The bare full-text queries: (index id, hits of its kind, counted up to COUNT_CAP + 1)
    for the ranks offset+1 … offset+limit of every kind (or of one); bench/search.py's floor."""
    params = {"offset": offset, "limit": limit}
    kinds = list(index.SOURCES) if kind is None else [index.SOURCE_BY_KIND[kind]]
    if session.get_bind().dialect.name != "sqlite":
        params |= {
            "match": _postgres_match(words),
            "cap": RANK_CAP,
            "count_cap": COUNT_CAP,
            "count_limit": COUNT_CAP + 1,
            "recent": RECENT_WALK,
        }
        statement = _postgres_ranked(kinds, _past_first_chunk(session, kinds))
        rows = session.execute(text(statement), params)
        return [(key, total) for key, total in rows]
    match = _sqlite_match(words)
    counts = dict(session.execute(text(_SQLITE_COUNTS), {"match": match}).all())
    sources = [source for source in kinds if counts.get(source.code)]
    if not sources:
        return []
    branches = []
    for source in sources:
        lo, hi = index.kind_range(source)
        past_cap = counts[source.code] > RANK_CAP
        low = _SQLITE_CUT.format(lo=lo, hi=hi, last=RANK_CAP - 1) if past_cap else lo
        branches.append(_SQLITE_KIND.format(hi=hi, low=low))
    sql = "\nUNION ALL\n".join(branches)
    params["match"] = match
    # FTS5 counts every hit in one pass cheaply; the count is cut as PostgreSQL's is, so the
    # page says the same on both.
    return [
        (key, min(counts[key >> index.KIND_SHIFT], COUNT_CAP + 1))
        for (key,) in session.execute(text(sql), params)
    ]


def _texts(session: Session, words: list[str], keys: list[int]) -> dict[int, tuple]:
    """The title (all of it) and a snippet of the body of each indexed row, hits marked."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    table, key = (index.SQLITE_TABLE, "rowid") if sqlite else (index.POSTGRES_TABLE, "id")
    statement = text(f"SELECT {key}, title, body FROM {table} WHERE {key} IN :keys")  # nosec B608 (names from this module's constants; values are bound)
    rows = session.execute(statement.bindparams(bindparam("keys", expanding=True)), {"keys": keys})
    return {
        key_: (highlight(title or "", words), highlight(body or "", words, window=SNIPPET_WORDS))
        for key_, title, body in rows
    }


def _details(session: Session, kind: str, ids: list[int]) -> dict[int, tuple[str, str, str]]:
    """Each record's url, plain title (where the index has none) and detail line."""
    if not ids:
        return {}
    if kind == "companies":
        rows = session.execute(
            select(Company.id, Company.org_number, Company.post_town).where(Company.id.in_(ids))
        )
        return {
            id_: (
                f"/companies/{id_}",
                "",
                " · ".join(p for p in (format_org_number(number), town or "") if p),
            )
            for id_, number, town in rows
        }
    if kind == "contacts":
        rows = session.execute(
            select(Contact.id, Contact.email, Contact.phone).where(Contact.id.in_(ids))
        )
        companies = meeting_queries.current_organisation_by_contact(session, ids)
        return {
            id_: (
                f"/contacts/{id_}",
                "",
                " · ".join(
                    p
                    for p in (
                        companies[id_].name if id_ in companies else "",
                        email or "",
                        phone or "",
                    )
                    if p
                ),
            )
            for id_, email, phone in rows
        }
    if kind == "meetings":
        # Only the columns shown: a whole Meeting would bring its eager relations along.
        names: dict[int, list[str]] = {}
        for meeting_id, name in session.execute(
            select(meeting_companies.c.meeting_id, Company.name)
            .join(Company, Company.id == meeting_companies.c.company_id)
            .where(meeting_companies.c.meeting_id.in_(ids))
            .order_by(Company.name)
        ):
            names.setdefault(meeting_id, []).append(name)
        rows = session.execute(select(Meeting.id, Meeting.starts_at).where(Meeting.id.in_(ids)))
        return {
            id_: (
                f"/meetings/{id_}",
                "",
                " · ".join(p for p in (format_date(starts_at), ", ".join(names.get(id_, []))) if p),
            )
            for id_, starts_at in rows
        }
    if kind == "clusters":
        rows = session.execute(select(Cluster.id, Cluster.kind).where(Cluster.id.in_(ids)))
        return {id_: (f"/clusters/{id_}", "", CLUSTER_KIND.label(k)) for id_, k in rows}
    if kind == "establishments":
        rows = session.execute(
            select(EstablishmentCase.id, Company.name, Stage.name)
            .join(EstablishmentCase.company)
            .join(EstablishmentCase.stage)
            .where(EstablishmentCase.id.in_(ids))
        )
        return {id_: (f"/establishments/{id_}", name, stage) for id_, name, stage in rows}
    rows = session.execute(
        select(Task.id, Task.due_on, Task.meeting_id, Task.establishment_id, Task.company_id).where(
            Task.id.in_(ids)
        )
    )
    details = {}
    for id_, due_on, meeting_id, case_id, company_id in rows:
        if meeting_id:
            url = f"/meetings/{meeting_id}"
        elif case_id:
            url = f"/establishments/{case_id}"
        elif company_id:
            url = f"/companies/{company_id}"
        else:
            url = "/tasks/"
        details[id_] = (url, "", format_date(due_on) if due_on else "")
    return details


def search_page(
    session: Session, q: str, *, kind: str | None = None, page: int = 1
) -> FullTextResults:
    """The best PER_KIND hits of every kind for `q` (or one kind, PER_PAGE a page), ranked by
    the database's full-text engine (bm25 on SQLite, ts_rank on PostgreSQL) among each kind's
    RANK_CAP newest hits, counted up to COUNT_CAP; three queries (four on PostgreSQL: see
    _past_first_chunk) and one or two per kind shown, whatever the size of the tables."""
    words = search_words(q)
    if not words:
        return FullTextResults(words=[], groups=[])
    limit = PER_KIND if kind is None else PER_PAGE
    offset = 0 if kind is None else (max(page, 1) - 1) * PER_PAGE
    ranked = rank_hits(session, words, kind=kind, offset=offset, limit=limit)
    texts = _texts(session, words, [key for key, _total in ranked]) if ranked else {}
    by_kind: dict[str, list[tuple[int, int]]] = {}
    totals: dict[str, int] = {}
    for key, total in ranked:
        source, record_id = index.split_key(key)
        by_kind.setdefault(source.kind, []).append((key, record_id))
        totals[source.kind] = total
    groups = []
    for name in KINDS:
        rows = by_kind.get(name)
        if not rows:
            continue
        details = _details(session, name, [record_id for _key, record_id in rows])
        hits = []
        for key, record_id in rows:
            if record_id not in details or key not in texts:
                continue
            url, plain_title, detail = details[record_id]
            title, snippet = texts[key]
            if name == "contacts":
                snippet = Markup("")  # the body is the email's words and digits, shown as detail
            hits.append(
                Hit(
                    kind=name,
                    id=record_id,
                    url=url,
                    title=title if str(title) else escape(plain_title),
                    snippet=snippet,
                    detail=detail,
                )
            )
        total = totals[name]
        groups.append(
            KindResults(kind=name, hits=hits, total=min(total, COUNT_CAP), more=total > COUNT_CAP)
        )
    return FullTextResults(words=words, groups=groups)
