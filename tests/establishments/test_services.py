"""Rules for cases, stages and flags."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from crm.common.errors import DomainError, StaleObjectError
from crm.companies.models import Company
from crm.establishments import services
from crm.establishments.models import EstablishmentCase, Stage, StageChange
from crm.tasks.models import Task
from tests.establishments.helpers import make_case, seed
from tests.factories import (
    make_company,
    make_meeting,
    make_place,
    make_strategy,
    make_user,
)


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


# --- stages -------------------------------------------------------------------------------


def test_seed_stages_makes_the_seven_stages_in_order(session):
    stages = services.seed_stages(session)
    assert [(s.key, s.name, s.outcome, s.position) for s in stages] == [
        ("first_contact", "Første kontakt", "open", 1),
        ("needs_clarified", "Behov avklart", "open", 2),
        ("site_search", "Tomte- og lokalsøk", "open", 3),
        ("offer_decision", "Tilbud og beslutning", "open", 4),
        ("established", "Etablert", "established", 5),
        ("lost", "Tapt", "lost", 6),
        ("on_hold", "På vent", "on_hold", 7),
    ]


def test_seed_stages_is_idempotent_and_keeps_renamed_stages(session):
    stages = seed(session)
    stages["lost"].name = "Tapt sak"
    session.flush()
    services.seed_stages(session)
    assert _count(session, Stage) == 7
    assert session.get(Stage, stages["lost"].id).name == "Tapt sak"


def test_rename_stage_refuses_empty_and_duplicate_names(session):
    stages = seed(session)
    stage = stages["first_contact"]
    with pytest.raises(DomainError) as error:
        services.rename_stage(session, stage=stage, name="  ", version=stage.version)
    assert error.value.field == "name"
    with pytest.raises(DomainError, match="En annen fase har allerede dette navnet"):
        services.rename_stage(session, stage=stage, name="tapt", version=stage.version)
    services.rename_stage(session, stage=stage, name="Første møte", version=stage.version)
    assert stage.name == "Første møte"
    assert stage.key == "first_contact"


def test_rename_stage_refuses_a_stale_version(session):
    stage = seed(session)["lost"]
    with pytest.raises(StaleObjectError):
        services.rename_stage(session, stage=stage, name="X", version=stage.version - 1)


def test_move_stage_position_swaps_neighbours_and_stops_at_the_ends(session):
    stages = seed(session)
    services.move_stage_position(session, stage=stages["on_hold"], offset=-1)
    order = [s.key for s in session.scalars(select(Stage).order_by(Stage.position))]
    assert order[-2:] == ["on_hold", "lost"]
    services.move_stage_position(session, stage=stages["first_contact"], offset=-1)
    assert stages["first_contact"].position == 1


# --- creating cases -----------------------------------------------------------------------


def test_create_case_for_an_existing_organisation_records_the_first_stage(session):
    stages = seed(session)
    adviser = make_user(session)
    place = make_place(session, name="Berger")
    strategy = make_strategy(session)
    company = make_company(session, name="Pon Equipment")
    case = services.create_case(
        session,
        company_id=company.id,
        kind="expansion",
        opened_on=date(2025, 1, 10),
        source="Telefon",
        premises_type="industry_logistics",
        area_m2=5000,
        expected_jobs=40,
        expected_investment_nok=120_000_000,
        expected_decision_on=date(2025, 6, 1),
        adviser_id=adviser.id,
        next_follow_up_on=date(2025, 2, 1),
        place_ids=[place.id],
        strategy_ids=[strategy.id],
        notes="Trenger mer plass",
        actor_id=adviser.id,
    )
    assert case.company is company
    assert case.stage is stages["first_contact"]
    assert [p.name for p in case.wished_places] == ["Berger"]
    assert case.strategies == [strategy]
    changes = list(session.scalars(select(StageChange)))
    assert len(changes) == 1
    assert changes[0].from_stage_id is None
    assert changes[0].to_stage_id == stages["first_contact"].id
    assert changes[0].changed_by_id == adviser.id


def test_create_case_for_a_prospect_makes_a_company_without_org_number(session):
    seed(session)
    case = make_case(session, prospect_name="Hydrogen Startup AS")
    assert case.company.name == "Hydrogen Startup AS"
    assert case.company.org_number is None
    assert case.company.kind == "company"


def test_create_case_finds_the_organisation_by_org_number_without_javascript(session):
    seed(session)
    company = make_company(session, org_number="974760673")
    case = services.create_case(session, company_text="974 760 673", opened_on=date(2025, 1, 1))
    assert case.company_id == company.id


def test_create_case_refuses_an_unknown_org_number_and_nothing_is_saved(session):
    seed(session)
    with pytest.raises(DomainError) as error:
        services.create_case(session, company_text="923609016", opened_on=date(2025, 1, 1))
    assert error.value.field == "company_search"
    assert _count(session, EstablishmentCase) == 0


@pytest.mark.parametrize(
    "values,field",
    [
        ({}, "company_search"),
        ({"company": True, "prospect_name": "Ny AS"}, "prospect_name"),
        ({"prospect_name": "Ny AS", "area_m2": -1}, "area_m2"),
        ({"prospect_name": "Ny AS", "expected_jobs": -5}, "expected_jobs"),
        ({"prospect_name": "Ny AS", "expected_investment_nok": -1}, "expected_investment_nok"),
        (
            {"prospect_name": "Ny AS", "expected_decision_on": date(2025, 2, 28)},
            "expected_decision_on",
        ),
        ({"prospect_name": "Ny AS", "kind": "merger"}, "kind"),
        ({"prospect_name": "Ny AS", "premises_type": "castle"}, "premises_type"),
        ({"prospect_name": "Ny AS", "place_ids": [999999]}, "place_ids"),
        ({"prospect_name": "Ny AS", "adviser_id": 999999}, "adviser_id"),
    ],
)
def test_create_case_refuses_bad_input_beside_the_field(session, values, field):
    seed(session)
    if values.pop("company", False):
        values["company_id"] = make_company(session).id
    companies_before = _count(session, Company)
    with pytest.raises(DomainError) as error:
        services.create_case(session, opened_on=date(2025, 3, 1), **values)
    assert error.value.field == field
    assert _count(session, EstablishmentCase) == 0
    assert _count(session, Company) == companies_before  # no prospect left behind


def test_create_case_refuses_a_deactivated_adviser(session):
    seed(session)
    gone = make_user(session)
    gone.active = False
    with pytest.raises(DomainError) as error:
        make_case(session, adviser_id=gone.id)
    assert error.value.field == "adviser_id"


def test_create_case_may_not_start_established(session):
    stages = seed(session)
    with pytest.raises(DomainError) as error:
        make_case(session, stage_id=stages["established"].id)
    assert error.value.field == "stage_id"


def test_decision_date_on_the_opening_day_is_allowed(session):
    seed(session)
    case = make_case(session, expected_decision_on=date(2025, 3, 1))
    assert case.expected_decision_on == date(2025, 3, 1)


# --- moving cases -------------------------------------------------------------------------


def test_move_case_keeps_every_change_with_who(session):
    stages = seed(session)
    user = make_user(session)
    case = make_case(session)
    services.move_case(session, case=case, stage_id=stages["needs_clarified"].id, actor_id=user.id)
    services.move_case(session, case=case, stage_id=stages["site_search"].id, actor_id=user.id)
    changes = list(session.scalars(select(StageChange).order_by(StageChange.id)))
    assert [(c.from_stage_id, c.to_stage_id) for c in changes] == [
        (None, stages["first_contact"].id),
        (stages["first_contact"].id, stages["needs_clarified"].id),
        (stages["needs_clarified"].id, stages["site_search"].id),
    ]
    assert changes[-1].changed_by_id == user.id
    assert case.stage is stages["site_search"]


def test_moving_to_the_same_stage_changes_nothing(session):
    stages = seed(session)
    case = make_case(session)
    services.move_case(session, case=case, stage_id=stages["first_contact"].id)
    assert _count(session, StageChange) == 1


@pytest.mark.parametrize(
    "details,field",
    [
        ({}, "established_place_id"),
        ({"place": True}, "established_on"),
        ({"place": True, "established_on": date(2025, 5, 1)}, "actual_jobs"),
        ({"place": True, "established_on": date(2025, 5, 1), "actual_jobs": -3}, "actual_jobs"),
        ({"place": True, "established_on": date(2025, 2, 1), "actual_jobs": 3}, "established_on"),
    ],
)
def test_established_needs_place_date_and_jobs(session, details, field):
    stages = seed(session)
    case = make_case(session)
    if details.pop("place", False):
        details["established_place_id"] = make_place(session).id
    with pytest.raises(DomainError) as error:
        services.move_case(session, case=case, stage_id=stages["established"].id, **details)
    assert error.value.field == field
    assert case.stage is stages["first_contact"]
    assert _count(session, StageChange) == 1


def test_established_with_details_is_saved(session):
    stages = seed(session)
    place = make_place(session, name="Heia", growth_area=True)
    case = make_case(session)
    services.move_case(
        session,
        case=case,
        stage_id=stages["established"].id,
        established_place_id=place.id,
        established_on=date(2025, 9, 1),
        actual_jobs=12,
    )
    assert case.stage.outcome == "established"
    assert (case.established_place, case.established_on, case.actual_jobs) == (
        place,
        date(2025, 9, 1),
        12,
    )


def test_lost_needs_a_reason_and_the_municipality_it_chose(session):
    stages = seed(session)
    case = make_case(session)
    lost = stages["lost"].id
    with pytest.raises(DomainError) as error:
        services.move_case(session, case=case, stage_id=lost)
    assert error.value.field == "lost_reason"
    with pytest.raises(DomainError) as error:
        services.move_case(session, case=case, stage_id=lost, lost_reason="other_municipality")
    assert error.value.field == "lost_to_municipality"
    services.move_case(
        session,
        case=case,
        stage_id=lost,
        lost_reason="other_municipality",
        lost_to_municipality="Ullensaker",
    )
    assert (case.lost_reason, case.lost_to_municipality) == ("other_municipality", "Ullensaker")


def test_lost_for_no_site_needs_no_municipality(session):
    stages = seed(session)
    case = make_case(session)
    services.move_case(session, case=case, stage_id=stages["lost"].id, lost_reason="no_site")
    assert case.stage is stages["lost"]


def test_move_to_an_unknown_stage_is_refused(session):
    seed(session)
    case = make_case(session)
    with pytest.raises(DomainError) as error:
        services.move_case(session, case=case, stage_id=999999)
    assert error.value.field == "stage_id"


# --- editing ------------------------------------------------------------------------------


def _edit_values(case, **overrides):
    values = {
        "kind": case.kind,
        "opened_on": case.opened_on,
        "source": case.source,
        "premises_type": case.premises_type,
        "area_m2": case.area_m2,
        "expected_jobs": case.expected_jobs,
        "expected_investment_nok": case.expected_investment_nok,
        "expected_decision_on": case.expected_decision_on,
        "adviser_id": case.adviser_id,
        "next_follow_up_on": case.next_follow_up_on,
        "place_ids": [],
        "strategy_ids": [],
        "notes": case.notes,
    }
    values.update(overrides)
    return values


def test_update_case_saves_and_refuses_a_stale_version(session):
    seed(session)
    case = make_case(session)
    version = case.version
    services.update_case(session, case=case, version=version, **_edit_values(case, area_m2=800))
    assert case.area_m2 == 800
    with pytest.raises(StaleObjectError):
        services.update_case(session, case=case, version=version, **_edit_values(case))


def test_update_of_an_established_case_cannot_drop_its_place(session):
    stages = seed(session)
    place = make_place(session)
    case = make_case(session)
    services.move_case(
        session,
        case=case,
        stage_id=stages["established"].id,
        established_place_id=place.id,
        established_on=date(2025, 4, 1),
        actual_jobs=3,
    )
    with pytest.raises(DomainError) as error:
        services.update_case(
            session,
            case=case,
            version=case.version,
            **_edit_values(case),
            established_place_id=None,
            established_on=date(2025, 4, 1),
            actual_jobs=3,
        )
    assert error.value.field == "established_place_id"
    assert case.established_place_id == place.id


def test_update_refuses_a_decision_date_before_the_opening(session):
    seed(session)
    case = make_case(session)
    with pytest.raises(DomainError) as error:
        services.update_case(
            session,
            case=case,
            version=case.version,
            **_edit_values(case, expected_decision_on=date(2024, 12, 31)),
        )
    assert error.value.field == "expected_decision_on"


# --- meetings and tasks -------------------------------------------------------------------


def test_link_meeting_only_with_the_case_organisation(session):
    seed(session)
    case = make_case(session)
    own = make_meeting(session, companies=[case.company])
    other = make_meeting(session, companies=[make_company(session)])
    with pytest.raises(DomainError) as error:
        services.link_meeting(session, case=case, meeting_id=other.id)
    assert error.value.field == "meeting_id"
    assert other.establishment_id is None
    services.link_meeting(session, case=case, meeting_id=own.id)
    assert own.establishment_id == case.id


def test_a_meeting_of_another_case_is_not_taken_over(session):
    seed(session)
    company = make_company(session)
    first = make_case(session, company_id=company.id)
    second = make_case(session, company_id=company.id)
    meeting = make_meeting(session, companies=[company], establishment_id=first.id)
    with pytest.raises(DomainError, match="Møtet hører allerede til en annen sak"):
        services.link_meeting(session, case=second, meeting_id=meeting.id)


def test_add_case_task_ties_it_to_case_and_organisation(session):
    seed(session)
    user = make_user(session)
    case = make_case(session)
    task = services.add_case_task(
        session, case=case, title="Send tomtekart", due_on=date(2025, 4, 1), assignee_id=user.id
    )
    assert (task.establishment_id, task.company_id, task.assignee_id) == (
        case.id,
        case.company_id,
        user.id,
    )
    with pytest.raises(DomainError, match="Gi oppgaven en tittel"):
        services.add_case_task(session, case=case, title=" ", due_on=None, assignee_id=None)
    assert _count(session, Task) == 1


# --- flags --------------------------------------------------------------------------------


def test_raise_flag_checks_kind_severity_and_meeting(session):
    company = make_company(session)
    user = make_user(session)
    other_meeting = make_meeting(session, companies=[make_company(session)])
    own_meeting = make_meeting(session, companies=[company])
    base = {"company_id": company.id, "raised_on": date(2025, 5, 1), "raised_by_id": user.id}
    for values, field in [
        ({"severity": "blue", "kind": "other"}, "severity"),
        ({"severity": "red", "kind": "asteroid"}, "kind"),
        ({"severity": "red", "kind": "other", "meeting_id": other_meeting.id}, "meeting_id"),
    ]:
        with pytest.raises(DomainError) as error:
            services.raise_flag(session, **base, **values)
        assert error.value.field == field
    flag = services.raise_flag(
        session, **base, severity="red", kind="moving_or_closing", meeting_id=own_meeting.id
    )
    assert (flag.severity, flag.raised_by_id, flag.meeting_id) == ("red", user.id, own_meeting.id)


def test_raise_flag_on_an_unknown_company_is_refused(session):
    with pytest.raises(DomainError) as error:
        services.raise_flag(
            session, company_id=999999, severity="red", kind="other", raised_on=date(2025, 1, 1)
        )
    assert error.value.field == "company_id"


def test_resolve_flag_needs_date_and_how_and_not_before_raised(session):
    company = make_company(session)
    flag = services.raise_flag(
        session,
        company_id=company.id,
        severity="yellow",
        kind="premises",
        raised_on=date(2025, 5, 1),
    )
    with pytest.raises(DomainError) as error:
        services.resolve_flag(
            session, flag=flag, version=flag.version, resolved_on=date(2025, 4, 1), resolution="x"
        )
    assert error.value.field == "resolved_on"
    with pytest.raises(DomainError) as error:
        services.resolve_flag(
            session, flag=flag, version=flag.version, resolved_on=date(2025, 6, 1), resolution=""
        )
    assert error.value.field == "resolution"
    services.resolve_flag(
        session,
        flag=flag,
        version=flag.version,
        resolved_on=date(2025, 6, 1),
        resolution="Fant lokaler på Kjeller",
    )
    assert flag.resolved_on == date(2025, 6, 1)
    with pytest.raises(DomainError, match="Dette varselet er allerede løst"):
        services.resolve_flag(
            session, flag=flag, version=flag.version, resolved_on=date(2025, 6, 2), resolution="y"
        )
