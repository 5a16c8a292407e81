"""Search queries: suggestions per type and the grouped results of the search page."""

from datetime import UTC, datetime

import pytest

from crm.search import queries
from tests.factories import make_company, make_contact, make_meeting, make_user


def _labels(suggestions) -> list[str]:
    return [s.label for s in suggestions]


def test_clean_query_trims_and_refuses_short_terms():
    assert queries.clean_query("  IFE \u00a0 energi ") == "IFE energi"
    assert queries.clean_query(" a ") == ""
    assert queries.clean_query(None) == ""
    assert len(queries.clean_query("x" * 500)) == queries.MAX_QUERY_LENGTH


# --- companies --------------------------------------------------------------------------------


def test_companies_by_name_prefix_first_then_contains(session):
    make_company(session, name="Akershus Energi AS")
    make_company(session, name="Energiselskapet Viken")
    make_company(session, name="Institutt for energiteknikk")
    make_company(session, name="Nova Spektrum")

    result = queries.suggest_companies(session, "energi")

    assert _labels(result) == [
        "Energiselskapet Viken",
        "Akershus Energi AS",
        "Institutt for energiteknikk",
    ]


def test_companies_each_group_sorted_by_name_whatever_its_case(session):
    # Prefixes first, then names holding the term further in; each group by name read without
    # case ("bergen" between "Berg" and "BERGVERK", not after every capital).
    for name in ["Vestre Bergverk", "BERGVERK AS", "bergen sykkel", "Berg AS", "Alt om berg"]:
        make_company(session, name=name)
    make_company(session, name="Bærum Bedrift")  # holds no "berg"

    result = queries.suggest_companies(session, "Berg")

    assert _labels(result) == [
        "Berg AS",
        "bergen sykkel",
        "BERGVERK AS",
        "Alt om berg",
        "Vestre Bergverk",
    ]


def test_companies_prefixes_fill_the_list_before_any_infix(session, count_queries):
    for n in range(12):
        make_company(session, name=f"Fjordkraft {n:02d}")
    make_company(session, name="Alta Fjordbruk")  # first by name, but not a prefix

    with count_queries() as statements:
        result = queries.suggest_companies(session, "fjord")

    assert _labels(result) == [f"Fjordkraft {n:02d}" for n in range(10)]
    assert len(statements) == 1  # ten prefixes: the names further in are not read


def test_companies_infixes_fill_what_prefixes_leave(session):
    for n in range(3):
        make_company(session, name=f"Fjordkraft {n}")
    for n in range(9):
        make_company(session, name=f"Indre Fjord {n}")

    result = queries.suggest_companies(session, "fjord", limit=5)

    assert _labels(result) == [
        "Fjordkraft 0",
        "Fjordkraft 1",
        "Fjordkraft 2",
        "Indre Fjord 0",
        "Indre Fjord 1",
    ]


@pytest.mark.parametrize("walk", [2, 20_000])
def test_companies_two_letters_found_past_the_first_names(session, monkeypatch, walk):
    # A term under three letters is looked for among the first SHORT_TERM_WALK names, then in
    # all of them: the answer is the same either way.
    monkeypatch.setattr(queries, "SHORT_TERM_WALK", walk)
    for name in ["Aker AS", "Alfa AS", "Berg AS", "Vest Qxa", "Ola Qxb", "Qx Først"]:
        make_company(session, name=name)
    result = queries.suggest_companies(session, "qx")
    assert _labels(result) == ["Qx Først", "Ola Qxb", "Vest Qxa"]


@pytest.mark.parametrize("code_point_order", [True, False])
def test_companies_prefix_of_letters_past_ascii(session, monkeypatch, code_point_order):
    # The prefix's range ends at the term's last letter raised by one: "ø" + 1 is "ù", which a
    # Norwegian collation sorts before "ø": there the range is left out, not the names.
    monkeypatch.setattr(queries, "_orders_by_code_point", lambda _session: code_point_order)
    make_company(session, name="Østfold Energi")
    make_company(session, name="Østfoldbanen")
    make_company(session, name="Øst-Viken")
    make_company(session, name="Vestfold og Østfold")
    result = queries.suggest_companies(session, "ØSTFOLD")
    assert _labels(result) == ["Østfold Energi", "Østfoldbanen", "Vestfold og Østfold"]
    assert _labels(queries.suggest_companies(session, "øst-v")) == ["Øst-Viken"]


def test_company_suggestion_carries_org_number_post_town_and_url(session):
    company = make_company(
        session, name="Institutt for energiteknikk", org_number="959412561", post_town="KJELLER"
    )
    (suggestion,) = queries.suggest_companies(session, "institutt")
    assert suggestion.as_dict() == {
        "id": company.id,
        "label": "Institutt for energiteknikk",
        "detail": "959 412 561 · KJELLER",
        "url": f"/companies/{company.id}",
    }


@pytest.mark.parametrize("typed", ["959412561", "959 412 561", " 959412561 "])
def test_nine_digits_match_the_org_number_exactly(session, typed):
    ife = make_company(session, name="IFE", org_number="959412561")
    make_company(session, name="Firma 959412561 i navnet")  # a name is not a number match
    make_company(session, name="Nabo", org_number="959412562")
    result = queries.suggest_companies(session, typed)
    assert [s.id for s in result] == [ife.id]


def test_fewer_digits_match_the_start_of_org_numbers(session):
    ife = make_company(session, name="IFE", org_number="959412561")
    make_company(session, name="Annen", org_number="123456785")
    assert [s.id for s in queries.suggest_companies(session, "959 41")] == [ife.id]


def test_suggestions_stop_at_ten(session):
    for n in range(15):
        make_company(session, name=f"Klyngebedrift {n:02d}")
        make_contact(session, name=f"Klynge Person {n:02d}")
        make_meeting(session, title=f"Klyngemøte {n:02d}")
        make_user(session, name=f"Klynge Rådgiver {n:02d}")
    for suggest in queries.SUGGESTERS.values():
        assert len(suggest(session, "klynge")) == 10


@pytest.mark.parametrize("typed", ["%_", "%%", "__", "a%", "_o"])
def test_like_wildcards_match_only_themselves(session, typed):
    make_company(session, name="Solenergiklyngen")
    make_contact(session, name="Ola Nordmann", email="ola@example.no")
    make_meeting(session, title="Møte om hydrogen")
    make_user(session, name="Kari Rådgiver")
    for suggest in queries.SUGGESTERS.values():
        assert suggest(session, typed) == [], suggest.__name__


def test_a_literal_percent_sign_is_found(session):
    make_company(session, name="Hundre % Grønn AS")
    make_company(session, name="Hundre Grønn AS")
    assert _labels(queries.suggest_companies(session, "e % G")) == ["Hundre % Grønn AS"]


# --- contacts, users, meetings ---------------------------------------------------------------


def test_contacts_by_name_or_email_with_email_as_detail(session):
    kari = make_contact(session, name="Kari Hansen", email="kari@nilu.no")
    make_contact(session, name="Per Olsen", email="per@ife.no")
    make_contact(session, name="Nils Nilsen", email=None)
    by_name = queries.suggest_contacts(session, "hansen")
    by_email = queries.suggest_contacts(session, "NILU.no")
    assert [s.as_dict() for s in by_name] == [
        {
            "id": kari.id,
            "label": "Kari Hansen",
            "detail": "kari@nilu.no",
            "url": f"/contacts/{kari.id}",
        }
    ]
    assert [s.id for s in by_email] == [kari.id]
    assert _labels(queries.suggest_contacts(session, "nils")) == ["Nils Nilsen"]
    assert queries.suggest_contacts(session, "nils")[0].detail == ""


def test_users_only_active_ones_without_url(session):
    active = make_user(session, name="Rådgiver Aktiv", email="aktiv@lillestrom.kommune.no")
    gone = make_user(session, name="Rådgiver Sluttet")
    gone.active = False
    session.flush()
    result = queries.suggest_users(session, "rådgiver")
    assert [s.as_dict() for s in result] == [
        {"id": active.id, "label": "Rådgiver Aktiv", "detail": active.email, "url": None}
    ]
    assert [s.id for s in queries.suggest_users(session, "aktiv@")] == [active.id]


def test_meetings_by_title_latest_first_with_date(session):
    old = make_meeting(
        session, title="Hydrogenmøte 1", starts_at=datetime(2023, 3, 14, 9, 0, tzinfo=UTC)
    )
    new = make_meeting(
        session, title="Hydrogenmøte 2", starts_at=datetime(2024, 5, 2, 9, 0, tzinfo=UTC)
    )
    make_meeting(session, title="Annet", notes="hydrogen i notatene")  # notes: page only
    result = queries.suggest_meetings(session, "hydrogen")
    assert [s.id for s in result] == [new.id, old.id]
    assert result[0].url == f"/meetings/{new.id}"
    assert "2024" in result[0].detail and "2023" in result[1].detail


# --- the search page ----------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["ørsted", "ØRSTED", "Ørs", "bÆrum å"])
def test_suggestions_fold_aeoeaa_for_case(session, typed):
    company = make_company(session, name="Ørsted Bærum Å AS")
    contact = make_contact(session, name="Ørsted Bærum Å Person", email="orsted@example.no")
    meeting = make_meeting(session, title="Ørsted Bærum Å møte")
    user = make_user(session, name="Ørsted Bærum Å Rådgiver")
    make_company(session, name="Orsted Baerum A AS")  # no stripping to ASCII
    assert [s.id for s in queries.suggest_companies(session, typed)] == [company.id]
    assert [s.id for s in queries.suggest_contacts(session, typed)] == [contact.id]
    assert [s.id for s in queries.suggest_meetings(session, typed)] == [meeting.id]
    assert [s.id for s in queries.suggest_users(session, typed)] == [user.id]


def test_format_org_number():
    assert queries.format_org_number("959412561") == "959 412 561"
    assert queries.format_org_number(None) == ""


def test_contacts_whose_name_starts_with_the_term_fill_the_list_first(session):
    # On PostgreSQL the names that start with the term are read first (through their index);
    # the list is the same as when every name and email is compared.
    for n in range(queries.SUGGEST_LIMIT + 1):
        make_contact(session, name=f"Hansen {n:02d}", email=None)
    make_contact(session, name="Aase Hansen", email=None)
    make_contact(session, name="Per Pettersen", email="hansen@example.no")

    labels = _labels(queries.suggest_contacts(session, "HANS"))
    fewer = _labels(queries.suggest_contacts(session, "hansen 0"))

    assert labels == [f"Hansen {n:02d}" for n in range(queries.SUGGEST_LIMIT)]
    assert fewer == [f"Hansen 0{n}" for n in range(10)][: queries.SUGGEST_LIMIT]
    assert _labels(queries.suggest_contacts(session, "ansen")) == [
        "Aase Hansen",
        *[f"Hansen {n:02d}" for n in range(queries.SUGGEST_LIMIT - 1)],
    ]


def test_every_kind_asked_to_go_chunk_by_chunk_is_read_chunk_by_chunk():
    # The statement reads each kind in `chunked` through its chunks' CTEs, whatever comes
    # before it (a loop variable once took the set's name, and only the first kind was chunked).
    from crm.search import index
    from crm.search.queries import _postgres_ranked

    first, second, plain = index.SOURCES[:3]
    statement = _postgres_ranked([first, second, plain], {first.kind, second.kind})
    for source in (first, second):
        assert f"recent_{source.code} AS MATERIALIZED" in statement
    assert f"recent_{plain.code} AS MATERIALIZED" not in statement
