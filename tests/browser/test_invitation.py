"""The invitation journey in a real browser: the admin invites, the new user opens the link
from the mail the SMTP server received, chooses a password and signs in with it."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, sign_in
from tests.mailbox import smtp_server

EMAIL = "sigrid.nilsen@lillestrom.kommune.no"
CHOSEN = "Solenergiklyngen på Fetsund"


def test_an_invited_user_chooses_a_password_and_signs_in(page, live_server, monkeypatch):
    app = live_server.app
    with smtp_server() as mailbox:
        for name, value in mailbox.settings(live_server.url).items():
            monkeypatch.setitem(app.config, name, value)

        sign_in(page, "admin")
        page.goto("/users/new")
        expect(page.get_by_text("Brukeren får en e-post med en lenke")).to_be_visible()
        page.get_by_label("E-post").fill(EMAIL)
        page.get_by_label("Navn").fill("Sigrid Nilsen")
        page.get_by_label("Rolle").select_option(label="Redigerer")
        page.get_by_role("button", name="Send invitasjon").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Brukere")
        expect(page.get_by_text(f"En invitasjon er sendt til {EMAIL}")).to_be_visible()
        expect(page.get_by_role("cell", name=EMAIL)).to_be_visible()
        page.get_by_role("button", name="Logg ut").click()

        [mail] = mailbox.received
        assert mail.rcpt_tos == [EMAIL]
        [link] = re.findall(r'href="([^"]+)"', mail.part("text/html"))[:1]
        assert link.startswith(f"{live_server.url}/auth/invitation/")

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Velg passord")
    expect(page.get_by_text(f"Velg passordet du skal logge inn med som {EMAIL}")).to_be_visible()
    check_accessibility(page)
    page.get_by_label("Nytt passord").fill("kort")
    page.get_by_label("Gjenta det nye passordet").fill("kort")
    page.get_by_role("button", name="Lagre passordet").click()
    expect(page.get_by_label("Nytt passord")).to_have_attribute("aria-invalid", "true")
    check_accessibility(page)  # the form with its error
    page.get_by_label("Nytt passord").fill(CHOSEN)
    page.get_by_label("Gjenta det nye passordet").fill(CHOSEN)
    page.get_by_role("button", name="Lagre passordet").click()
    expect(page).to_have_url(re.compile(r"/auth/login$"))
    expect(page.get_by_text("Passordet ditt er lagret. Logg inn med det.")).to_be_visible()

    page.get_by_label("E-post").fill(EMAIL)
    page.get_by_label("Passord").fill(CHOSEN)
    page.get_by_label("Passord").press("Enter")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("button", name="Logg ut")).to_be_visible()

    page.goto(link)  # the link worked once
    expect(page.get_by_role("heading", level=1)).to_have_text("Lenken virker ikke")
    expect(page.get_by_text("Lenken er allerede brukt")).to_be_visible()
