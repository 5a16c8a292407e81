"""The responsible adviser gets new register warnings in the daily digest."""

from __future__ import annotations

from sqlalchemy import select

from crm.companies.models import Company
from tests.factories import make_user
from tests.mail.conftest import BASE_URL
from tests.register.helpers import MAIN, OTHER, import_units, main_unit


def test_a_new_register_warning_goes_to_the_responsible_adviser_once(
    session, runner, mail_on, tmp_path
):
    adviser = make_user(session, name="Kari Rådgiver", email="kari@lillestrom.kommune.no")
    make_user(session, name="Ola Ledig")  # responsible for nothing: no mail
    session.commit()
    import_units(session, tmp_path, "before", [main_unit(), main_unit(OTHER, "HEIA HANDEL AS")])
    company = session.scalar(select(Company).where(Company.org_number == MAIN))
    company.responsible_id = adviser.id
    session.commit()
    import_units(
        session,
        tmp_path,
        "after",
        [main_unit(konkurs=True), main_unit(OTHER, "HEIA HANDEL AS", konkurs=True)],
    )

    result = runner.invoke(args=["crm", "send-reminders"])
    assert result.exit_code == 0, result.output
    [mail] = mail_on.received
    assert mail.rcpt_tos == ["kari@lillestrom.kommune.no"]
    text, html = mail.part("text/plain"), mail.part("text/html")
    assert "Nye varsler fra Enhetsregisteret på dine organisasjoner" in text
    assert "Rødt: KJELLER SOLKRAFT AS: Konkurs" in text and "Aktiv → Konkurs" in text
    assert "HEIA HANDEL" not in text  # nobody's organisation: in no digest
    assert f'href="{BASE_URL}/companies/{company.id}"' in html
    assert "Dette har du til forfall" not in text  # nothing due, only the warning

    runner.invoke(args=["crm", "send-reminders"])
    assert len(mail_on.received) == 1  # once a day
