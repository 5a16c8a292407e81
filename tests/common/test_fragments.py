"""The main menu is rendered once per language, page and role and kept (crm.common.fragments):
what each reader sees must still be their own menu, whoever asked before them."""

import re

from tests.conftest import post_form
from tests.factories import DEFAULT_PASSWORD, make_user


def _menu(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'<nav class="navbar.*?</nav>', html, re.S).group(0)


def test_each_role_language_and_page_gets_its_own_menu(app, session):
    # An administrator first, then an editor and a reader on the same pages: none of them
    # may see the menu kept for another.
    admin, editor, reader = app.test_client(), app.test_client(), app.test_client()
    for client, role in ((admin, "admin"), (editor, "editor"), (reader, "reader")):
        _sign_in(client, session, role)
    admin_menu = _menu(admin, "/companies/")
    assert "Administrasjon" in admin_menu
    editor_menu = _menu(editor, "/companies/")
    assert "Administrasjon" not in editor_menu and "Papirkurv" in editor_menu
    reader_menu = _menu(reader, "/companies/")
    assert "Administrasjon" not in reader_menu and "Papirkurv" not in reader_menu
    # The current page is the one marked, on every page.
    current = r'<a class="nav-link active" aria-current="page"\s+href="([^"]+)"'
    assert re.findall(current, reader_menu) == ["/companies/"]
    assert re.findall(current, _menu(reader, "/contacts/")) == ["/contacts/"]
    assert re.findall(current, _menu(reader, "/")) == ["/"]
    # Another language: the reader's menu in English, the editor's still in bokmål.
    post_form(reader, "/account/language", {"locale": "en", "next": "/"}, form_page="/")
    english = _menu(reader, "/companies/")
    assert "Organisations" in english and "Organisasjoner" not in english
    assert "Organisasjoner" in _menu(editor, "/companies/")


def _sign_in(client, session, role: str) -> None:
    user = make_user(session, role=role)
    session.commit()
    answer = post_form(client, "/auth/login", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert answer.status_code == 302
