"""Journeys through sign-in, language, accounts and sign-out, in a real browser."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, check_accessibility, sign_in


def test_sign_in_with_the_keyboard_and_sign_out(page):
    page.goto("/account/password")
    expect(page).to_have_url(re.compile(r"/auth/login\?next=%2Faccount%2Fpassword"))
    check_accessibility(page)
    page.keyboard.press("Tab")  # the skip link comes first
    expect(page.locator("a.skip-link")).to_be_focused()
    page.get_by_label("E-post").fill("editor@lillestrom.kommune.no")
    page.get_by_label("Passord").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_be_visible()
    page.get_by_role("button", name="Logg ut").click()
    expect(page.get_by_text("Du er logget ut.")).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/auth/login"))


def test_wrong_password_shows_one_message(page):
    page.goto("/auth/login")
    page.get_by_label("E-post").fill("editor@lillestrom.kommune.no")
    page.get_by_label("Passord").fill("not the password")
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("alert")).to_have_text("Feil e-post eller passord.")
    check_accessibility(page)


def test_switch_language_to_english_and_back(page):
    sign_in(page, "reader")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.get_by_role("button", name="Norsk").click()
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    expect(page.get_by_role("button", name="Logg ut")).to_be_visible()


def test_admin_creates_a_user_and_the_user_must_choose_a_password(page, browser, live_server):
    sign_in(page, "admin")
    page.get_by_role("button", name="Administrasjon").click()
    page.get_by_role("link", name="Brukere").click()
    check_accessibility(page)
    page.get_by_role("link", name="Ny bruker").click()
    check_accessibility(page)
    page.get_by_label("E-post").fill("ny.radgiver@lillestrom.kommune.no")
    page.get_by_label("Navn").fill("Ny Rådgiver")
    page.get_by_label("Rolle").select_option("editor")
    page.get_by_role("button", name="Opprett bruker").click()
    password = page.locator("code.one-time-password").inner_text()
    assert len(password) >= 12

    other = browser.new_context(base_url=live_server.url).new_page()
    other.goto("/auth/login")
    other.get_by_label("E-post").fill("ny.radgiver@lillestrom.kommune.no")
    other.get_by_label("Passord").fill(password)
    other.get_by_role("button", name="Logg inn").click()
    expect(other).to_have_url(re.compile(r"/account/password$"))
    check_accessibility(other)
    other.get_by_label("Nåværende passord").fill(password)
    other.get_by_label("Nytt passord").fill("my own long passphrase")
    other.get_by_label("Gjenta det nye passordet").fill("my own long passphrase")
    other.get_by_role("button", name="Bytt passord").click()
    expect(other.get_by_text("Passordet ditt er byttet.")).to_be_visible()
    other.context.close()


def test_reader_is_refused_the_user_pages(page):
    sign_in(page, "reader")
    response = page.goto("/users/")
    assert response.status == 403
    check_accessibility(page)
