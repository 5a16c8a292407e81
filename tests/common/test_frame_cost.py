"""What every signed-in page pays before its own work: one statement, the session and its user.

On PostgreSQL each statement is a round trip; the frame (header, menu, user menu, language
switch, flashes) must not add any. The change-password page reads nothing of its own.
"""

from tests.factories import make_meeting


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
