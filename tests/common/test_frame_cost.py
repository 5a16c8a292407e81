"""What every signed-in page pays before its own work: one statement, the session and its user.

On PostgreSQL each statement is a round trip; the frame (header, menu, user menu, language
switch, flashes) must not add any. The change-password page reads nothing of its own.
"""

from tests.factories import (
    make_affiliation,
    make_company,
    make_contact,
    make_meeting,
    make_task,
)


def test_a_signed_in_page_that_reads_nothing_runs_one_statement(client, login, count_queries):
    login(role="editor")
    client.get("/account/password")  # the first page after sign-in may note last_seen
    with count_queries() as statements:
        response = client.get("/account/password")
    assert response.status_code == 200
    assert "Logg et møte" in response.get_data(as_text=True)  # the frame is there
    assert len(statements) == 1, statements


def test_an_unfiltered_list_builds_no_save_filter_form(client, login, session):
    login(role="editor")
    make_meeting(session, title="Heia-møtet")
    session.commit()
    plain = client.get("/meetings/?page=1").get_data(as_text=True)
    assert "Heia-møtet" in plain
    assert "Lagre dette filteret" not in plain
    filtered = client.get("/meetings/?q=Heia").get_data(as_text=True)
    assert "Lagre dette filteret" in filtered


def _routings_and_includes(app, client, path: str) -> int:
    """How many times rendering `path` asked the router for a URL or loaded a template."""
    assert client.get(path).status_code == 200  # the menu kept for this page, as in use
    calls = [0]
    url_for, get_template = app.url_for, app.jinja_env.get_template

    def counted_url_for(*args, **kwargs):
        calls[0] += 1
        return url_for(*args, **kwargs)

    def counted_get_template(*args, **kwargs):
        calls[0] += 1
        return get_template(*args, **kwargs)

    # Templates hold the app's url_for itself; Python code reaches it through flask.url_for.
    app.url_for = app.jinja_env.globals["url_for"] = counted_url_for
    app.jinja_env.get_template = counted_get_template
    try:
        assert client.get(path).status_code == 200
    finally:
        del app.url_for, app.jinja_env.get_template
        app.jinja_env.globals["url_for"] = app.url_for
    return calls[0]


def test_a_lists_rows_are_routed_and_templated_once_per_page_not_per_row(
    app, client, login, session
):
    # Each row's links, checkbox, due date and done button cost a routing or an include of
    # 5 to 20 µs each; a list routes once per page and fills in the rows' ids (id_url) and
    # draws the repeated cells with macros. Three rows or thirty: the same count.
    me = login(role="editor")
    company = make_company(session, name="Kjeller Innovasjon")
    meeting = make_meeting(session, title="Oppstartsmøte")
    session.commit()

    def add_rows(count: int) -> None:
        for _ in range(count):
            make_task(session, assignee_id=me.id, meeting_id=meeting.id, company_id=company.id)
            make_affiliation(session, contact_id=make_contact(session).id, company_id=company.id)
            make_meeting(session, companies=[company])
            make_company(session)
        session.commit()

    add_rows(3)
    pages = ("/tasks/", "/contacts/", "/meetings/", "/companies/")
    few = {path: _routings_and_includes(app, client, path) for path in pages}
    add_rows(27)
    many = {path: _routings_and_includes(app, client, path) for path in pages}
    assert many == few
