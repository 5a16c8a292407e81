"""`flask crm send-reminders`: each adviser's digest of what is due, once a day, by real SMTP."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from crm.common.dates import local_today
from crm.common.models import utcnow
from crm.extensions import db
from crm.mail import services as mail_services
from crm.mail.models import SentDigest
from crm.mail.smtp import mail_settings
from tests.conftest import post_form
from tests.establishments.helpers import make_case, seed
from tests.factories import DEFAULT_PASSWORD, make_company, make_task, make_user
from tests.mail.conftest import BASE_URL
from tests.mailbox import SENDER


def _links(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', html)


def _adviser_with_work(session):
    seed(session)
    today = local_today()
    adviser = make_user(session, name="Kari Rådgiver", email="kari@lillestrom.kommune.no")
    company = make_company(session, name="Infinitum AS")
    make_task(
        session,
        title="Send tilbud om tomt på Heia",
        assignee_id=adviser.id,
        company_id=company.id,
        due_on=today,
    )
    make_task(
        session, title="Ring NILU om labplass", assignee_id=adviser.id, due_on=today - timedelta(3)
    )
    make_task(session, title="Neste uke", assignee_id=adviser.id, due_on=today + timedelta(1))
    make_task(session, title="Ferdig", assignee_id=adviser.id, due_on=today, done=True)
    case = make_case(session, adviser_id=adviser.id, next_follow_up_on=today - timedelta(1))
    make_user(session, name="Ola Ledig")  # nothing due: no mail
    session.commit()
    return adviser, case


def test_each_adviser_gets_one_digest_a_day_however_often_it_runs(
    app, session, runner, mail_on, client
):
    adviser, case = _adviser_with_work(session)
    result = runner.invoke(args=["crm", "send-reminders"])
    assert result.exit_code == 0, result.output
    assert "1 sent, 0 sent earlier today, 1 with nothing due, 0 failed" in result.output
    assert "sent: kari@lillestrom.kommune.no" in result.output

    [mail] = mail_on.received
    assert mail.rcpt_tos == ["kari@lillestrom.kommune.no"]
    assert mail.message["To"].addresses[0].display_name == "Kari Rådgiver"
    assert mail.message["From"] == SENDER
    assert mail.message["Subject"].startswith("Forfall i Koblingsboks")
    text, html = mail.part("text/plain"), mail.part("text/html")
    # Overdue first (the call three days late, then the case a day late), then what is due today.
    overdue_at, today_at = text.index("Forfalt"), text.index("Forfaller i dag")
    assert overdue_at < text.index("Ring NILU om labplass") < today_at
    assert overdue_at < text.index("Følg opp saken") < today_at
    assert today_at < text.index("Send tilbud om tomt på Heia (Infinitum AS)")
    assert "Neste uke" not in text and "Ferdig" not in text
    assert "Ring NILU om labplass</a>" in html and 'lang="nb"' in html

    # Every link is absolute, starts with BASE_URL, and opens a page for the adviser.
    links = _links(html)
    assert f"{BASE_URL}/establishments/{case.id}" in links
    assert all(link.startswith(BASE_URL + "/") for link in links)
    post_form(client, "/auth/login", {"email": adviser.email, "password": DEFAULT_PASSWORD})
    for link in links:
        assert client.get(urlsplit(link).path).status_code == 200, link
    for link in _links(html):
        assert link in text  # the plain-text part carries the same links

    again = runner.invoke(args=["crm", "send-reminders"])
    assert again.exit_code == 0
    assert "0 sent, 1 sent earlier today, 1 with nothing due" in again.output
    assert len(mail_on.received) == 1
    assert session.scalar(select(func.count()).select_from(SentDigest)) == 1


def test_a_digest_the_server_refused_is_not_recorded_and_goes_out_next_run(
    session, runner, mail_on
):
    _adviser_with_work(session)
    mail_on.refuse = True
    result = runner.invoke(args=["crm", "send-reminders"])
    assert result.exit_code == 1
    assert "0 sent" in result.output and "1 failed" in result.output
    assert "failed: kari@lillestrom.kommune.no" in result.output
    assert session.scalar(select(func.count()).select_from(SentDigest)) == 0

    mail_on.refuse = False
    result = runner.invoke(args=["crm", "send-reminders"])
    assert "1 sent" in result.output
    assert [m.rcpt_tos for m in mail_on.received] == [["kari@lillestrom.kommune.no"]]


def test_the_digest_speaks_the_advisers_language(session, runner, mail_on):
    adviser, _case = _adviser_with_work(session)
    adviser.locale = "en"
    session.commit()
    runner.invoke(args=["crm", "send-reminders"])
    [mail] = mail_on.received
    assert mail.message["Subject"].startswith("Due in Koblingsboks")
    assert mail.message["Content-Language"] == "en"
    text = mail.part("text/plain")
    assert "Overdue" in text and "Due today" in text and "Forfalt" not in text


def test_titles_are_escaped_in_html_and_kept_in_plain_text(session, runner, mail_on):
    adviser, _case = _adviser_with_work(session)
    make_task(session, title="R&D-avtale <b>Ahus</b>", assignee_id=adviser.id, due_on=local_today())
    session.commit()
    runner.invoke(args=["crm", "send-reminders"])
    [mail] = mail_on.received
    assert "R&amp;D-avtale &lt;b&gt;Ahus&lt;/b&gt;" in mail.part("text/html")
    assert "R&D-avtale <b>Ahus</b>" in mail.part("text/plain")


def test_nothing_is_sent_when_mail_is_off(session, runner, mailbox):
    _adviser_with_work(session)
    result = runner.invoke(args=["crm", "send-reminders"])
    assert result.exit_code == 0
    assert "Mail is off (MAIL_SERVER is not set): no reminders were sent." in result.output
    assert mailbox.received == []
    assert session.scalar(select(func.count()).select_from(SentDigest)) == 0


def test_a_run_that_meets_another_runs_record_sends_nothing(app, session, mail_on):
    adviser, _case = _adviser_with_work(session)
    settings = mail_settings(app.config)
    today = local_today()
    [digest], _already, _nothing = mail_services.pending_digests(session, settings, today=today)
    # Another run claims the day for the adviser between this run's reading and its sending.
    with db.engine.begin() as connection:
        connection.execute(
            SentDigest.__table__.insert().values(
                user_id=adviser.id, day=today, items=1, sent_at=utcnow()
            )
        )
    with pytest.raises(mail_services.DigestAlreadySent):
        mail_services.send_digest(session, settings, digest=digest, today=today)
    session.rollback()
    assert mail_on.received == []
