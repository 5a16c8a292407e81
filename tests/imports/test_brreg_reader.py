"""The register reader: formats, filtering, tricky units, broken files and flat memory."""

from __future__ import annotations

import gzip
import io
import json
import random
import tracemalloc
import zipfile
from datetime import date
from pathlib import Path

import pytest

from crm.imports.brreg_detection import RegisterFileError, open_register_file
from crm.imports.brreg_reader import ReadStats, iter_json_array, iter_units
from crm.imports.brreg_units import RegisterUnit, RejectedRow
from tests.imports.brreg_fixtures import (
    is_sub_unit,
    make_orgnr,
    tricky_units,
    with_wrong_check_digit,
    write_fixture,
    write_synthetic_json,
)

LAYOUTS = [("json", False), ("json", True), ("csv", False), ("csv", True)]
LAYOUT_IDS = ["json", "json.gz", "csv", "csv.gz"]
LILLESTROM = {"3205"}


def read(
    path: Path, kommuner: set[str] | None = LILLESTROM, **options
) -> tuple[dict[str, RegisterUnit], list[RejectedRow], ReadStats]:
    """Read a file into units by name, rejected rows and the stats."""
    stats = ReadStats()
    units: dict[str, RegisterUnit] = {}
    rejected: list[RejectedRow] = []
    for item in iter_units(path, kommuner=kommuner, stats=stats, **options):
        if isinstance(item, RejectedRow):
            rejected.append(item)
        else:
            units[item.name] = item
    return units, rejected, stats


@pytest.fixture(params=LAYOUTS, ids=LAYOUT_IDS)
def tricky_file(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """The tricky units in each of the register's layouts, under a name that hides it."""
    fmt, gz = request.param
    return write_fixture(tmp_path / "download", tricky_units(), fmt=fmt, gz=gz)


def file_text(path: Path) -> str:
    """Return the file's text, decompressing when needed."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data.decode("utf-8")


def detected_format(path: Path) -> str:
    """Return the format open_register_file sees, closing the stream it opens."""
    fmt, stream = open_register_file(path)
    stream.close()
    return fmt


# --- the tricky units, in every layout --------------------------------------------------------


def test_lillestrom_keeps_its_units_and_counts_the_rest(tricky_file: Path) -> None:
    units, rejected, stats = read(tricky_file)

    assert set(units) == {
        "ÆRLIG GRØNN ÅKERBRUK AS",
        "NAKEN DATA AS",
        "KJELLER KODEVERKSTED AS",
        "STRØMMEN STÅLBYGG AS",
        "FETSUND FERGE AS",
        "HEIA HANDEL AS",
        "NEDLAGT KJELLER-LAB AS",
        "NORDISK SOLKRAFT AS AVD LILLESTRØM",
        "NORDISK SOLKRAFT AS AVD BERGER",
        'HVAM "GÅRDSMAT" OG KAFÉ SA',
        "KLIPP OG KRØLL LILLESTRØM AS",
        "LILLESTRØM SJAKKLUBB",
        "ROMERIKE TESTETAT AVD NÆRING",
    }
    assert len(rejected) == 2
    assert (stats.read, stats.kept, stats.skipped_other_municipality, stats.rejected) == (
        18,
        13,
        3,
        2,
    )


def test_norwegian_letters_survive(tricky_file: Path) -> None:
    units, _, _ = read(tricky_file)

    unit = units["ÆRLIG GRØNN ÅKERBRUK AS"]
    assert unit.post_town == "SØRUMSAND"
    assert unit.address == "Fjærevegen 3"
    assert unit.industry_description == "Dyrking av grønnsaker"


def test_a_complete_unit_is_read_field_by_field(tricky_file: Path) -> None:
    units, _, _ = read(tricky_file)

    assert units["ÆRLIG GRØNN ÅKERBRUK AS"] == RegisterUnit(
        orgnr=make_orgnr(1),
        name="ÆRLIG GRØNN ÅKERBRUK AS",
        org_form_code="AS",
        org_form_description="Aksjeselskap",
        industry_code="01.130",
        industry_description="Dyrking av grønnsaker",
        industry_standard="SN2007",
        employees=12,
        address="Fjærevegen 3",
        postcode="1920",
        post_town="SØRUMSAND",
        municipality_number="3205",
        website="www.aerlig-gronn.example",
        status="active",
        parent_orgnr=None,
        is_sub_unit=False,
        founded=date(2015, 2, 20),
        deleted_on=None,
    )


def test_missing_fields_are_not_reported_rather_than_zero(tricky_file: Path) -> None:
    units, _, _ = read(tricky_file)

    bare = units["NAKEN DATA AS"]
    assert (bare.industry_code, bare.industry_description, bare.industry_standard) == (
        None,
        None,
        None,
    )
    assert bare.employees is None
    assert (bare.website, bare.founded) == (None, None)
    assert units["KJELLER KODEVERKSTED AS"].employees is None


def test_statuses_come_from_the_register_flags(tricky_file: Path) -> None:
    units, _, _ = read(tricky_file)

    assert units["STRØMMEN STÅLBYGG AS"].status == "bankrupt"
    assert units["FETSUND FERGE AS"].status == "under_liquidation"
    assert units["HEIA HANDEL AS"].status == "under_liquidation"
    assert units["NAKEN DATA AS"].status == "active"
    deleted = units["NEDLAGT KJELLER-LAB AS"]
    assert (deleted.status, deleted.deleted_on) == ("deleted", date(2023, 6, 30))


def test_sub_unit_in_lillestrom_keeps_its_parent_in_oslo(tricky_file: Path) -> None:
    units, _, _ = read(tricky_file)

    branch = units["NORDISK SOLKRAFT AS AVD LILLESTRØM"]
    assert branch.is_sub_unit
    assert branch.parent_orgnr == make_orgnr(9)
    assert (branch.municipality_number, branch.post_town) == ("3205", "FJERDINGBY")
    assert branch.address == "Solheimveien 5"
    assert (branch.employees, branch.founded) == (7, date(2021, 9, 1))
    assert "NORDISK SOLKRAFT AS" not in units


def test_closed_sub_unit_counts_as_deleted(tricky_file: Path) -> None:
    units, _, _ = read(tricky_file)

    closed = units["NORDISK SOLKRAFT AS AVD BERGER"]
    assert (closed.status, closed.deleted_on) == ("deleted", date(2024, 12, 31))


def test_name_with_quoted_line_break(tricky_file: Path) -> None:
    units, _, _ = read(tricky_file)

    unit = units['HVAM "GÅRDSMAT" OG KAFÉ SA']
    assert unit.address == "c/o Hvam gård, Hvamsvegen 5"
    assert unit.org_form_code == "SA"


def test_sn2025_industry_code_is_marked(tricky_file: Path) -> None:
    units, _, _ = read(tricky_file)

    salon = units["KLIPP OG KRØLL LILLESTRØM AS"]
    assert (salon.industry_code, salon.industry_standard) == ("96.210", "SN2025")
    assert units["KJELLER KODEVERKSTED AS"].industry_standard == "SN2007"


def test_whole_file_industry_standard_can_be_given(tricky_file: Path) -> None:
    units, _, _ = read(tricky_file, industry_standard="SN2025")

    assert units["KJELLER KODEVERKSTED AS"].industry_standard == "SN2025"


def test_invalid_orgnr_is_rejected_with_where_and_why(tricky_file: Path) -> None:
    _, rejected, stats = read(tricky_file)

    wrong = with_wrong_check_digit(make_orgnr(15))
    row = next(r for r in rejected if r.orgnr == wrong)
    assert "check digit" in row.reason
    assert row.describe().startswith(f"row {row.line_or_index}: ")
    if stats.format == "csv":
        # CSV counts physical lines, so the user can find the row in an editor.
        assert wrong in file_text(tricky_file).split("\n")[row.line_or_index - 1]
    else:
        assert tricky_units()[row.line_or_index - 1]["organisasjonsnummer"] == wrong


def test_unit_without_a_name_is_rejected(tricky_file: Path) -> None:
    _, rejected, _ = read(tricky_file)

    row = next(r for r in rejected if r.orgnr == make_orgnr(17))
    assert "no name" in row.reason


def test_old_municipality_number_only_when_asked(tricky_file: Path) -> None:
    without, _, _ = read(tricky_file)
    with_old, _, stats = read(tricky_file, kommuner={"3205", "3030"})

    assert "GAMMEL KOMMUNENUMMER AS" not in without
    assert with_old["GAMMEL KOMMUNENUMMER AS"].municipality_number == "3030"
    assert stats.skipped_other_municipality == 2


def test_unit_with_only_a_postal_address_counts_there(tricky_file: Path) -> None:
    units, _, _ = read(tricky_file)

    club = units["LILLESTRØM SJAKKLUBB"]
    assert (club.address, club.postcode, club.municipality_number) == (
        "Postboks 77",
        "2001",
        "3205",
    )


def test_organisation_part_with_a_parent_is_a_main_unit(tricky_file: Path) -> None:
    units, _, _ = read(tricky_file)

    part = units["ROMERIKE TESTETAT AVD NÆRING"]
    assert not part.is_sub_unit
    assert part.parent_orgnr == make_orgnr(40)


def test_without_a_municipality_filter_every_valid_unit_is_kept(tricky_file: Path) -> None:
    units, rejected, stats = read(tricky_file, kommuner=None)

    assert len(units) == 16
    assert units["NORDISK SOLKRAFT AS"].municipality_number == "0301"
    assert (stats.kept, stats.skipped_other_municipality, len(rejected)) == (16, 0, 2)


def test_json_and_csv_give_the_same_units(tmp_path: Path) -> None:
    results = {}
    for fmt in ("json", "csv"):
        path = write_fixture(tmp_path / f"units.{fmt}", tricky_units(), fmt=fmt, gz=False)
        results[fmt] = [u for u in iter_units(path, kommuner=None) if isinstance(u, RegisterUnit)]

    assert len(results["json"]) == 16
    assert results["json"] == results["csv"]


# --- the register's own files: one kind of unit per file ------------------------------------


@pytest.mark.parametrize(("fmt", "gz"), LAYOUTS, ids=LAYOUT_IDS)
def test_separate_main_and_sub_unit_files(tmp_path: Path, fmt: str, gz: bool) -> None:
    main = [u for u in tricky_units() if not is_sub_unit(u)]
    subs = [u for u in tricky_units() if is_sub_unit(u)]
    main_units, _, main_stats = read(write_fixture(tmp_path / "enheter", main, fmt=fmt, gz=gz))
    sub_units, _, sub_stats = read(write_fixture(tmp_path / "underenheter", subs, fmt=fmt, gz=gz))

    assert not any(u.is_sub_unit for u in main_units.values())
    assert (main_stats.kept, main_stats.rejected) == (11, 2)
    assert set(sub_units) == {
        "NORDISK SOLKRAFT AS AVD LILLESTRØM",
        "NORDISK SOLKRAFT AS AVD BERGER",
    }
    assert all(u.is_sub_unit for u in sub_units.values())
    assert sub_stats.read == 2


def test_sub_units_can_be_forced(tmp_path: Path) -> None:
    # A sub-unit file stripped of its location columns is still read as sub-units when told so.
    path = tmp_path / "underenheter.csv"
    path.write_text(
        "organisasjonsnummer,navn,overordnetEnhet,postadresse.kommunenummer\n"
        f"{make_orgnr(50)},AVDELING UTEN ADRESSE,{make_orgnr(51)},3205\n",
        encoding="utf-8",
    )

    forced, _, _ = read(path, kommuner=None, sub_units=True)
    filtered, _, stats = read(path, sub_units=True)

    assert forced["AVDELING UTEN ADRESSE"].is_sub_unit
    # A sub-unit counts where it is located, never where its mail goes.
    assert (filtered, stats.skipped_other_municipality) == ({}, 1)


# --- field names, detection and broken files --------------------------------------------------


def test_field_names_are_matched_ignoring_case(tmp_path: Path) -> None:
    orgnr = make_orgnr(60)
    csv_path = tmp_path / "upper.csv"
    csv_path.write_text(
        "ORGANISASJONSNUMMER,Navn,Forretningsadresse.Kommunenummer,HarRegistrertAntallAnsatte,"
        "ANTALLANSATTE,Forretningsadresse.Poststed\n"
        f"{orgnr},STORE BOKSTAVER AS,3205,TRUE,4,LILLESTRØM\n",
        encoding="utf-8",
    )
    json_path = tmp_path / "upper.json"
    json_path.write_text(
        json.dumps(
            [
                {
                    "Organisasjonsnummer": orgnr,
                    "NAVN": "STORE BOKSTAVER AS",
                    "HarRegistrertAntallAnsatte": True,
                    "AntallAnsatte": 4,
                    "Forretningsadresse": {"Kommunenummer": "3205", "POSTSTED": "LILLESTRØM"},
                }
            ]
        ),
        encoding="utf-8",
    )

    for path in (csv_path, json_path):
        units, _, _ = read(path)
        unit = units["STORE BOKSTAVER AS"]
        assert (unit.orgnr, unit.employees, unit.post_town) == (orgnr, 4, "LILLESTRØM")


def test_format_is_read_from_content_not_name(tmp_path: Path) -> None:
    csv_named_json = write_fixture(tmp_path / "enheter.json", tricky_units(), fmt="csv", gz=False)
    json_named_csv = write_fixture(tmp_path / "enheter.csv", tricky_units(), fmt="json", gz=True)

    assert detected_format(csv_named_json) == "csv"
    assert detected_format(json_named_csv) == "json"
    assert read(csv_named_json)[2].kept == read(json_named_csv)[2].kept == 13


@pytest.mark.parametrize("delimiter", [";", "\t"], ids=["semicolon", "tab"])
def test_spreadsheet_re_saved_file_still_matches(tmp_path: Path, delimiter: str) -> None:
    # Excel writes a byte-order mark, its own delimiter and drops the leading zero of 0301.
    path = tmp_path / "oslo.csv"
    path.write_text(
        delimiter.join(["organisasjonsnummer", "navn", "forretningsadresse.kommunenummer"])
        + "\n"
        + delimiter.join([make_orgnr(61), "OSLO AS", "301"])
        + "\n",
        encoding="utf-8-sig",
    )

    units, _, _ = read(path, kommuner={"0301"})

    assert units["OSLO AS"].municipality_number == "0301"


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_gzip_cut_in_half_is_refused(tmp_path: Path, fmt: str) -> None:
    whole = write_fixture(tmp_path / "whole", tricky_units(), fmt=fmt, gz=True).read_bytes()
    cut = tmp_path / "cut"
    cut.write_bytes(whole[: len(whole) // 2])

    with pytest.raises(RegisterFileError, match="cut short or damaged"):
        list(iter_units(cut, kommuner=LILLESTROM))


def test_gzip_cut_deep_inside_fails_when_reached(tmp_path: Path) -> None:
    whole = tmp_path / "big.json.gz"
    write_synthetic_json(whole, 3000, lillestrom_every=1)
    data = whole.read_bytes()
    cut = tmp_path / "cut.json.gz"
    cut.write_bytes(data[: len(data) * 3 // 4])
    kept = []

    with pytest.raises(RegisterFileError, match="cut short or damaged after"):
        for item in iter_units(cut, kommuner=LILLESTROM):
            kept.append(item)

    # The units before the cut were read: the caller must roll them back, not keep them.
    assert len(kept) > 100


def test_plain_json_cut_short_is_refused(tmp_path: Path) -> None:
    text = json.dumps(tricky_units(), ensure_ascii=False)
    cut = tmp_path / "cut.json"
    cut.write_text(text[: len(text) * 2 // 3], encoding="utf-8")

    with pytest.raises(RegisterFileError, match="cut short"):
        list(iter_units(cut, kommuner=LILLESTROM))


def xlsx_bytes() -> bytes:
    """Return a minimal Excel workbook (a ZIP archive), as /lastned/regneark gives."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "PNG image"),
        (xlsx_bytes(), "Excel"),
        (random.Random(1).randbytes(4096), "binary data"),
        (b"%PDF-1.7\n", "PDF"),
        (b"", "empty"),
        (b"name,address\nA,B\n", "organisasjonsnummer"),
        ("organisasjonsnummer,navn\n".encode("utf-16"), "UTF-16"),
    ],
    ids=["png", "xlsx", "random", "pdf", "empty", "other-csv", "utf-16"],
)
def test_files_of_another_kind_are_refused_by_name(
    tmp_path: Path, content: bytes, problem: str
) -> None:
    path = tmp_path / "enheter.csv"
    path.write_bytes(content)

    with pytest.raises(RegisterFileError, match=problem):
        list(iter_units(path, kommuner=LILLESTROM))


def test_gzipped_png_is_refused_too(tmp_path: Path) -> None:
    path = tmp_path / "enheter.csv.gz"
    path.write_bytes(gzip.compress(b"\x89PNG\r\n\x1a\n" + bytes(100)))

    with pytest.raises(RegisterFileError, match="PNG"):
        list(iter_units(path, kommuner=LILLESTROM))


def test_latin1_csv_is_refused_with_the_encoding_named(tmp_path: Path) -> None:
    path = write_fixture(
        tmp_path / "enheter.csv", tricky_units(), fmt="csv", gz=False, encoding="latin-1"
    )

    with pytest.raises(RegisterFileError, match=r"not UTF-8.*Latin-1"):
        list(iter_units(path, kommuner=LILLESTROM))


def test_latin1_beyond_the_first_bytes_fails_when_reached(tmp_path: Path) -> None:
    filler = [
        {"organisasjonsnummer": make_orgnr(1000 + i), "navn": f"ASCII AS {i}"} for i in range(3000)
    ]
    path = write_fixture(
        tmp_path / "enheter.csv",
        [*filler, *tricky_units()],
        fmt="csv",
        gz=True,
        encoding="latin-1",
    )

    with pytest.raises(RegisterFileError, match="not UTF-8"):
        list(iter_units(path, kommuner=None))


@pytest.mark.parametrize("missing", ["organisasjonsnummer", "navn"])
def test_missing_required_column_is_refused(tmp_path: Path, missing: str) -> None:
    columns = [c for c in ("organisasjonsnummer", "navn", "hjemmeside") if c != missing]
    path = tmp_path / "enheter.csv"
    path.write_text(
        ",".join(columns) + "\n" + ",".join("x" * len(columns)) + "\n", encoding="utf-8"
    )

    with pytest.raises(RegisterFileError, match=missing):
        list(iter_units(path, kommuner=None))


def test_csv_row_with_too_many_fields_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "enheter.csv"
    path.write_text(
        f"organisasjonsnummer,navn\n{make_orgnr(70)},GOD RAD AS\n{make_orgnr(71)},DÅRLIG, RAD AS\n",
        encoding="utf-8",
    )

    units, rejected, _ = read(path, kommuner=None)

    assert list(units) == ["GOD RAD AS"]
    assert rejected[0].line_or_index == 3
    assert "3 fields" in rejected[0].reason


def test_unreadable_field_rejects_only_that_unit(tmp_path: Path) -> None:
    path = tmp_path / "enheter.json"
    good = {"organisasjonsnummer": make_orgnr(72), "navn": "GOD AS"}
    bad = {"organisasjonsnummer": make_orgnr(73), "navn": "RAR DATO AS", "stiftelsesdato": "2020"}
    orphan = {"organisasjonsnummer": make_orgnr(74), "navn": "AVD", "overordnetEnhet": "123"}
    unsure = {"organisasjonsnummer": make_orgnr(75), "navn": "KANSKJE AS", "konkurs": "kanskje"}
    path.write_text(json.dumps([good, bad, "not a unit", orphan, unsure]), encoding="utf-8")

    units, rejected, stats = read(path, kommuner=None)

    assert list(units) == ["GOD AS"]
    assert [r.line_or_index for r in rejected] == [2, 3, 4, 5]
    assert "stiftelsesdato '2020' is not a date" in rejected[0].reason
    assert "not a unit" in rejected[1].reason
    assert "overordnetEnhet '123'" in rejected[2].reason
    assert "konkurs 'kanskje' is neither true nor false" in rejected[3].reason
    assert (stats.read, stats.kept, stats.rejected) == (5, 1, 4)


def test_single_unit_and_api_page_are_read_too(tmp_path: Path) -> None:
    unit = tricky_units()[0]
    single = tmp_path / "unit.json"
    single.write_text(json.dumps(unit), encoding="utf-8")
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"_embedded": {"enheter": [unit]}, "page": {}}), encoding="utf-8")

    for path in (single, page):
        units, _, _ = read(path)
        assert list(units) == ["ÆRLIG GRØNN ÅKERBRUK AS"]


# --- streaming --------------------------------------------------------------------------------


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 17, 1000, 1 << 20])
def test_streaming_parser_yields_every_element_whatever_the_chunk_size(
    tmp_path: Path, chunk_size: int
) -> None:
    elements = [*tricky_units(), 12, "tekst", None, [1, 2], {"nested": {"ø": True}}, 3.5e10]
    path = tmp_path / "units.json"
    path.write_text(json.dumps(elements, ensure_ascii=False, indent=2), encoding="utf-8")

    with path.open("rb") as stream:
        parsed = [value for _, value in iter_json_array(stream, chunk_size=chunk_size)]

    assert parsed == elements


def test_streaming_parser_reads_an_empty_list(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    path.write_text(" [ ] \n", encoding="utf-8")

    units, rejected, stats = read(path)

    assert (units, rejected, stats.read) == ({}, [], 0)


def test_file_many_times_the_chunk_size_yields_every_unit(tmp_path: Path) -> None:
    path = tmp_path / "many.json.gz"
    size = write_synthetic_json(path, 400, lillestrom_every=3)
    chunk_size = 4096
    assert size > 50 * chunk_size

    units, rejected, stats = read(path, chunk_size=chunk_size)

    assert len(units) == 134
    assert (stats.read, stats.skipped_other_municipality, rejected) == (400, 266, [])


def test_memory_stays_flat_on_a_large_file(tmp_path: Path) -> None:
    path = tmp_path / "national.json.gz"
    # 12,000 units (12 MiB) rather than the nation's size: tracemalloc slows every allocation,
    # and a reader that kept the units would already hold several times the file.
    decompressed = write_synthetic_json(path, 12_000)
    stats = ReadStats()

    tracemalloc.start()
    try:
        kept = sum(1 for _ in iter_units(path, kommuner=LILLESTROM, stats=stats))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert (stats.read, kept) == (12_000, 80)
    # The buffer holds about two 1 MiB chunks; loading the file would take many times its size.
    assert decompressed > 12 * 1024 * 1024
    assert peak < 8 * 1024 * 1024


@pytest.mark.parametrize("gz", [True, False])
def test_progress_is_the_share_of_the_file_read(tmp_path, gz):
    """The import's progress bar follows the bytes read, known before the units are."""
    path = tmp_path / "enheter.json.gz"
    # Big enough that gzip's read-ahead (128 KiB of compressed bytes) is a small share of it.
    write_synthetic_json(path, 30_000, lillestrom_every=50)
    if not gz:
        plain = tmp_path / "enheter.json"
        plain.write_bytes(gzip.decompress(path.read_bytes()))
        path = plain
    stats = ReadStats()
    seen = []
    for _item in iter_units(path, kommuner={"3205"}, stats=stats, chunk_size=4096):
        seen.append(stats.fraction_done)
    assert stats.bytes_total == path.stat().st_size
    assert seen[0] < 0.5 and seen == sorted(seen)  # grows as the reading goes on
    assert stats.fraction_done == 1.0


def test_progress_bar_text():
    from crm.imports.cli import progress_bar

    assert progress_bar(0.5, width=10) == "[#####.....]  50%"
    assert progress_bar(1.0, width=4) == "[####] 100%"
    assert progress_bar(None) == ""
