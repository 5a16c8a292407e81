"""The search page's full-text search in Norwegian, on SQLite (FTS5) and PostgreSQL (tsvector).

The index is kept by database triggers (crm/search/index.py): every record below is found as
soon as it is flushed, in the same transaction.
"""

import re
from datetime import UTC, datetime

import pytest

from crm.contacts import services as contact_services
from crm.search import index, queries
from tests.establishments.helpers import make_case, seed
from tests.factories import make_cluster, make_company, make_contact, make_meeting, make_task


def _found(session, q: str, kind: str | None = None) -> dict[str, list[int]]:
    results = queries.search_page(session, q, kind=kind)
    return {group.kind: [hit.id for hit in group.hits] for group in results.groups}


# --- Norwegian words ----------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["bygg", "byggene", "bygget", "Byggenes"])
def test_inflected_forms_find_each_other(session, typed):
    plural = make_meeting(
        session, title="Befaring", notes="Vi så på byggene ved Lillestrøm stasjon."
    )
    singular = make_meeting(session, title="Nytt bygg på Kjeller", notes="")
    make_meeting(session, title="Annet", notes="Snakket om hydrogen.")
    assert set(_found(session, typed)["meetings"]) == {plural.id, singular.id}


@pytest.mark.parametrize("typed", ["østre åsen bær", "ØSTRE ÅSEN BÆR", "Østre Åsen", "ÆRLIG"])
def test_aeoeaa_match_in_either_case(session, typed):
    company = make_company(session, name="Østre Åsen Bær og Ærlig Handel AS")
    make_company(session, name="Ostre Asen Baer AS")  # æøå are letters of their own, not a/o
    assert _found(session, typed).get("companies") == [company.id]


def test_boer_is_not_bor(session):
    should = make_meeting(session, title="Tiltak", notes="Kommunen bør svare innen fredag.")
    make_meeting(session, title="Flytting", notes="Hun bor på Strømmen.")
    assert _found(session, "BØR")["meetings"] == [should.id]


def test_accented_letters_fold_for_case(session):
    cafe = make_company(session, name="Café Ünique Lillestrøm")
    make_company(session, name="Unik Kafé")
    assert _found(session, "CAFÉ ünique")["companies"] == [cafe.id]


# --- numbers, emails, phones ---------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["959412561", "959 412 561", " 959 412 561 ", "959 412"])
def test_org_numbers_with_and_without_spaces(session, typed):
    ife = make_company(session, name="Institutt for energiteknikk", org_number="959412561")
    make_company(session, name="NILU", org_number="941705561")
    assert _found(session, typed)["companies"] == [ife.id]


@pytest.mark.parametrize(
    "typed", ["91234567", "912 34 567", "+47 912 34 567", "+4791234567", "0047 912 34 567"]
)
def test_phone_numbers_with_or_without_country_code(session, typed):
    kari = make_contact(session, name="Kari Nordmann", phone="+4791234567")
    make_contact(session, name="Per Hansen", phone="+4798765432")
    assert _found(session, typed)["contacts"] == [kari.id]


@pytest.mark.parametrize("typed", ["kari.nordmann@nilu.no", "Kari.Nordmann@NILU.no", "nilu.no"])
def test_emails_whole_or_in_part(session, typed):
    kari = make_contact(session, name="Kari Nordmann", email="kari.nordmann@nilu.no")
    make_contact(session, name="Per Hansen", email="per@ife.no")
    assert _found(session, typed)["contacts"] == [kari.id]


# --- every kind, grouped and ranked ---------------------------------------------------------------


def test_every_kind_is_searched_and_grouped_in_order(session):
    seed(session)
    company = make_company(session, name="Solenergi Romerike AS")
    contact = make_contact(session, name="Sol Solberg")
    meeting = make_meeting(session, title="Solenergi på taket")
    cluster = make_cluster(session, name="Solenergiklyngen")
    case = make_case(session, notes="Ønsker solenergi på lagerbygget")
    task = make_task(session, title="Send tilbud om solenergi")

    results = queries.search_page(session, "sol")

    assert [group.kind for group in results.groups] == list(queries.KINDS)
    assert {group.kind: [hit.id for hit in group.hits] for group in results.groups} == {
        "companies": [company.id],
        "contacts": [contact.id],
        "meetings": [meeting.id],
        "clusters": [cluster.id],
        "establishments": [case.id],
        "tasks": [task.id],
    }
    by_kind = {group.kind: group.hits[0] for group in results.groups}
    assert by_kind["establishments"].url == f"/establishments/{case.id}"
    assert str(by_kind["establishments"].title) == case.company.name


# count_cap 1: past the count's cap, PostgreSQL finds the newest hits by walking the ids down
# instead of from the counted hits (crm.search.queries._POSTGRES_KIND); the order is the same.
@pytest.mark.parametrize("count_cap", [queries.COUNT_CAP, 1])
def test_a_hit_in_the_title_ranks_above_one_in_the_notes(session, monkeypatch, count_cap):
    monkeypatch.setattr(queries, "COUNT_CAP", count_cap)
    in_notes = make_meeting(session, title="Lunsj", notes="Vi snakket kort om hydrogen.")
    in_title = make_meeting(session, title="Hydrogen på Kjeller", notes="")
    assert _found(session, "hydrogen")["meetings"] == [in_title.id, in_notes.id]


def test_every_word_must_match(session):
    both = make_meeting(session, title="Hydrogen", notes="Fylkeskommunen og klyngen.")
    make_meeting(session, title="Hydrogen", notes="Ingenting om fylket.")
    assert _found(session, "hydrogen fylkeskommunen")["meetings"] == [both.id]


def test_overview_shows_five_per_kind_and_a_kind_pages_the_rest(session):
    ids = [make_meeting(session, title=f"Klyngemøte nr. {n}").id for n in range(23)]

    overview = queries.search_page(session, "klyngemøte")
    (group,) = overview.groups
    assert len(group.hits) == queries.PER_KIND and group.total == 23

    first = queries.search_page(session, "klyngemøte", kind="meetings")
    second = queries.search_page(session, "klyngemøte", kind="meetings", page=2)
    seen = [hit.id for hit in first.groups[0].hits + second.groups[0].hits]
    assert len(first.groups[0].hits) == queries.PER_PAGE
    assert sorted(seen) == sorted(ids)


# --- in step with the records ----------------------------------------------------------------


def test_a_renamed_record_is_found_by_its_new_name_only(session):
    company = make_company(session, name="Gamle Navn AS")
    company.name = "Nytt Navn Fetsund AS"
    session.flush()
    assert "companies" not in _found(session, "gamle")
    assert _found(session, "fetsund")["companies"] == [company.id]


def test_a_deleted_or_erased_record_is_not_found(session):
    meeting = make_meeting(session, title="Slettes", notes="hemmelig hydrogenplan")
    person = make_contact(session, name="Glemt Gjertrud", email="gjertrud@example.no")
    session.delete(meeting)
    contact_services.erase_contact(session, contact=person, version=person.version)
    session.flush()
    assert queries.search_page(session, "hydrogenplan").empty
    assert queries.search_page(session, "gjertrud").empty
    assert queries.search_page(session, "gjertrud@example.no").empty


def test_a_rolled_back_record_leaves_no_trace_in_the_index(session):
    make_meeting(session, title="Angret møte om vindkraft")
    session.rollback()
    assert queries.search_page(session, "vindkraft").empty


# --- snippets and bad input ------------------------------------------------------------------


def test_snippets_mark_the_hits_and_escape_everything_else(session):
    make_meeting(
        session,
        title="Notat <b>fet</b>",
        notes="Før: <script>alert('hydrogen')</script> & etter hydrogenet kom \x02 og \x03.",
        starts_at=datetime(2025, 5, 2, 9, tzinfo=UTC),
    )
    (hit,) = queries.search_page(session, "hydrogen").groups[0].hits
    snippet = str(hit.snippet)
    # SQLite shows the tag escaped; PostgreSQL's ts_headline leaves tags out. No tag gets through.
    assert "<" not in re.sub("</?mark>", "", snippet)
    assert "&amp;" in snippet and "<mark>hydrogenet</mark>" in snippet
    assert snippet.count("<mark>") == snippet.count("</mark>")
    assert str(hit.title) == "Notat &lt;b&gt;fet&lt;/b&gt;"


@pytest.mark.parametrize(
    "typed",
    [
        '"hydrogen',
        "hydrogen*",
        "NEAR(hydrogen kjeller)",
        "hydrogen NEAR kjeller",
        "-hydrogen",
        "(hydrogen",
        "title:hydrogen",
        "hydrogen AND OR NOT",
        "^hydrogen",
        "hydrogen & | ! <->",
        "hydrogen " * 60,
    ],
)
def test_search_syntax_is_read_as_words(session, typed):
    meeting = make_meeting(session, title="Hydrogen på Kjeller", notes="NEAR title AND OR NOT")
    results = queries.search_page(session, queries.clean_query(typed))
    assert [hit.id for hit in results.groups[0].hits] == [meeting.id]


@pytest.mark.parametrize("typed", ["!!", "«»", "-- ::", "__", '""', "**", "()"])
def test_only_punctuation_searches_nothing(session, typed):
    make_meeting(session, title="Møte")
    results = queries.search_page(session, typed)
    assert results.words == [] and results.empty


@pytest.mark.parametrize("count_cap", [queries.COUNT_CAP, 5, 4, 2])
def test_a_kind_past_the_cap_is_ranked_among_its_newest_hits(session, monkeypatch, count_cap):
    monkeypatch.setattr(queries, "RANK_CAP", 3)
    monkeypatch.setattr(queries, "COUNT_CAP", count_cap)
    oldest = make_meeting(session, title="Varmepumpe", notes="varmepumpe varmepumpe")
    newer = [
        make_meeting(session, title="Møte", notes=f"Om varmepumpe nr. {n}").id for n in range(4)
    ]
    make_meeting(session, title="Møte", notes="Om noe annet")  # the newest, not a hit

    (group,) = queries.search_page(session, "varmepumpe", kind="meetings").groups

    assert (group.total, group.more) == (min(5, count_cap), count_cap < 5)
    assert sorted(hit.id for hit in group.hits) == sorted(newer[-3:])
    assert oldest.id not in [hit.id for hit in group.hits]


@pytest.mark.parametrize("recent_walk", [queries.RECENT_WALK, 2])
@pytest.mark.parametrize("count_cap", [queries.COUNT_CAP, 6, 3])
def test_organisations_past_the_cap_are_their_newest_hits_across_chunks_of_ids(
    session, monkeypatch, count_cap, recent_walk
):
    """PostgreSQL reads the organisations chunk of ids by chunk (crm.search.index.CHUNKS),
    after a walk down the newest RECENT_WALK; either way the newest hits are ranked, counted
    up to the cap, wherever their ids are."""
    monkeypatch.setattr(queries, "RANK_CAP", 4)
    monkeypatch.setattr(queries, "COUNT_CAP", count_cap)
    monkeypatch.setattr(queries, "RECENT_WALK", recent_walk)
    shift = index.CHUNK_SHIFT
    ids = [3, 5, (1 << shift) + 1, (1 << shift) + 2, (3 << shift) + 1, (7 << shift) + 5]
    ids.append((index.CHUNKS + 1 << shift) + 1)  # the last chunk is open-ended
    for id_ in ids:
        make_company(session, id=id_, name=f"Nordlys {id_} AS")
    for id_ in ((index.CHUNKS + 1 << shift) + 10, (index.CHUNKS + 1 << shift) + 11):
        make_company(session, id=id_, name=f"Annet {id_} AS")  # the newest: no hits

    (group,) = queries.search_page(session, "nordlys", kind="companies").groups

    assert (group.total, group.more) == (min(7, count_cap), count_cap < 7)
    assert sorted(hit.id for hit in group.hits) == sorted(ids[-4:])


def test_counts_stop_at_the_cap_and_say_so(session, monkeypatch):
    monkeypatch.setattr(queries, "COUNT_CAP", 3)
    for n in range(4):
        make_meeting(session, title=f"Solcellepark {n}")
    for n in range(3):
        make_company(session, name=f"Solcellepark {n} AS")
    make_contact(session, name="Solcellepark Person")

    results = queries.search_page(session, "solcellepark")

    counted = {group.kind: (group.total, group.more, len(group.hits)) for group in results.groups}
    assert counted == {
        "companies": (3, False, 3),
        "contacts": (1, False, 1),
        "meetings": (3, True, 4),
    }
