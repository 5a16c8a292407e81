"""GDPR art. 18: a restricted person is out of sight everywhere for everyone but admins.

The class, not the instance: the walk opens every GET route of the url_map as an editor, with
real ids in the path and the person's name as the search text, and reads every answer (pages,
JSON, CSV, XLSX, ZIP): the restricted person's name and email appear in none of them. The trash
holds a meeting named after the person and a second restricted person, deleted: neither shows.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

import openpyxl
import pytest
from flask import Flask
from sqlalchemy import select

from crm.companies.models import Company
from crm.contacts import services
from crm.contacts.models import Affiliation, Contact
from crm.extensions import db, limiter
from crm.meetings.models import meeting_contacts
from crm.trash import services as trash
from tests.common.test_route_walk import _real_path_values, seed_every_kind
from tests.conftest import csrf_token, post_form
from tests.factories import DEFAULT_PASSWORD, make_contact, make_meeting, make_user

NAME = "Restriksjon Rødsen"
EMAIL = "begrenset.rodsen@eksempel.no"
# A restricted person in the trash, whose own entry there is titled with their name.
TRASHED_NAME = "Slettet Sperresen"
TRASHED_EMAIL = "slettet.sperresen@eksempel.no"


def _texts(response) -> Iterator[str]:
    """What a person could read in a response, whatever its format."""
    data = response.get_data()
    if data[:2] == b"PK":  # XLSX and ZIP packages
        archive = zipfile.ZipFile(io.BytesIO(data))
        if "xl/workbook.xml" in archive.namelist():
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
            for sheet in book.worksheets:
                for row in sheet.iter_rows(values_only=True):
                    yield " ".join(str(v) for v in row if v is not None)
            return
        for member in archive.namelist():
            yield archive.read(member).decode("utf-8", "replace")
        return
    yield data.decode("utf-8", "replace")


class Walk:
    def __init__(self, app: Flask, client, values: dict[str, list[str]], person_id: int):
        self.app, self.client, self.values, self.person_id = app, client, values, person_id
        self.extra: list[str] = []

    def urls(self) -> Iterator[str]:
        for rule in sorted(self.app.url_map.iter_rules(), key=lambda r: r.rule):
            if "GET" not in rule.methods or rule.endpoint == "static":
                continue
            key = f"{rule.endpoint.split('.')[0]}.{{}}"

            def fill(match: re.Match, key: str = key) -> str:
                name = match.group(1)
                values = self.values.get(key.format(name)) or self.values[name]
                return values[0]

            yield re.sub(r"<(?:[^:<>]+:)?(\w+)>", fill, rule.rule)
        # Pages about records around the person: their organisation's history names its people.
        yield from self.extra


@pytest.fixture(scope="module")
def walk(app: Flask, tmp_path_factory) -> Iterator[Walk]:
    """The demo data with one person restricted, and an editor signed in."""
    folder = tmp_path_factory.mktemp("restriction")
    saved = {key: app.config.get(key) for key in ("NETWORK_CACHE_DIR", "IMPORT_UPLOAD_DIR")}
    app.config.update(
        NETWORK_CACHE_DIR=str(folder / "network-cache"), IMPORT_UPLOAD_DIR=str(folder / "uploads")
    )
    with app.app_context():
        session = db.session
        admin = make_user(session, role="admin")
        editor = make_user(session, role="editor")
        seed_every_kind(session, admin)
        # The person with the most meetings and a current affiliation: the most places to leak.
        person_id = session.scalar(
            select(meeting_contacts.c.contact_id)
            .join(Affiliation, Affiliation.contact_id == meeting_contacts.c.contact_id)
            .group_by(meeting_contacts.c.contact_id)
            .order_by(db.func.count().desc(), meeting_contacts.c.contact_id)
            .limit(1)
        )
        person = session.get(Contact, person_id)
        person.name, person.email = NAME, EMAIL
        session.flush()
        services.restrict_contact(
            session, contact=person, version=person.version, reason="Bestrider", by_id=admin.id
        )
        _trash_what_names_restricted_people(session, person, admin)
        session.commit()
        limiter.reset()
        client = app.test_client()
        post_form(client, "/auth/login", {"email": editor.email, "password": DEFAULT_PASSWORD})
        values = _real_path_values(session, client)
        values["contact_id"] = [str(person_id)]
        session.commit()
        walk = Walk(app, client, values, person_id)
        employer = session.scalar(
            select(Affiliation.company_id).where(Affiliation.contact_id == person_id).limit(1)
        )
        walk.extra = [
            f"/history/companies/{employer}",
            f"/history/contacts/{person_id}",
            f"/companies/{employer}",
        ]
        yield walk
        session.rollback()
        session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
    app.config.update(saved)


def _trash_what_names_restricted_people(session, person: Contact, admin) -> None:
    """A meeting named after the person, and another restricted person, into the trash."""
    meeting = make_meeting(session, title=f"Samtale med {NAME}")
    meeting.contacts.append(person)
    gone = make_contact(session, name=TRASHED_NAME, email=TRASHED_EMAIL)
    session.flush()
    services.restrict_contact(
        session, contact=gone, version=gone.version, reason="Innsigelse", by_id=admin.id
    )
    for record in (meeting, gone):
        trash.move_to_trash(
            session,
            table_name=record.__tablename__,
            record_id=record.id,
            version=record.version,
            user_id=admin.id,
        )


def _shows(text: str) -> bool:
    return any(value in text for value in (NAME, EMAIL, TRASHED_NAME, TRASHED_EMAIL))


def test_no_page_download_or_search_shows_a_restricted_person_to_an_editor(walk):
    leaks, opened = [], 0
    for url in walk.urls():
        # Parts of the name only: a page may echo its query string.
        for query in ({}, {"q": "Restriksjon", "term": "Rødsen"}):
            response = walk.client.get(url, query_string=query)
            opened += response.status_code == 200
            if any(_shows(text) for text in _texts(response)):
                leaks.append(f"{url} {query or ''} -> {response.status_code}")
    assert opened > 100
    assert leaks == [], "the restricted person is shown by:\n" + "\n".join(leaks)


def test_the_restricted_persons_own_page_is_not_found_for_an_editor(walk):
    assert walk.client.get(f"/contacts/{walk.person_id}").status_code == 404
    # Nor is the person found by the address.
    for url in ("/search/", "/contacts/"):
        text = walk.client.get(url, query_string={"q": "begrenset.rodsen"}).get_data(as_text=True)
        assert NAME not in text


def test_an_admin_sees_the_person_marked_and_can_lift_it(walk, app):
    client = _signed_in(app, db.session, "admin")
    listed = client.get("/contacts/", query_string={"q": "Restriksjon"}).get_data(as_text=True)
    assert NAME in listed
    page = client.get(f"/contacts/{walk.person_id}").get_data(as_text=True)
    assert "artikkel 18" in page and "Bestrider" in page
    edit = client.get(f"/contacts/{walk.person_id}/restriction")
    assert edit.status_code == 200
    # The file is streamed after the request: it still reads for the admin, as the list does.
    for fmt in ("csv", "xlsx"):
        exported = client.get(f"/exports/contacts.{fmt}", query_string={"q": "Restriksjon"})
        assert any(NAME in text for text in _texts(exported)), fmt


def test_an_admin_sees_restricted_people_in_the_trash_an_editor_does_not(walk, app):
    admin = _signed_in(app, db.session, "admin").get("/trash/").get_data(as_text=True)
    assert TRASHED_NAME in admin and f"Samtale med {NAME}" in admin
    editor = walk.client.get("/trash/").get_data(as_text=True)
    assert TRASHED_NAME not in editor and NAME not in editor


def test_nothing_about_a_restricted_person_can_be_changed(session, app):
    admin = make_user(session, role="admin")
    person = Contact(name="Lise Låst", email="lise@eksempel.no")
    company = Company(name="Låsen AS")
    session.add_all([person, company])
    session.flush()
    services.restrict_contact(
        session, contact=person, version=person.version, reason="Retting", by_id=admin.id
    )
    with pytest.raises(services.DomainError, match="begrenset"):
        services.update_contact(
            session, contact=person, version=person.version, name="Ny", email=None, phone=None
        )
    with pytest.raises(services.DomainError, match="begrenset"):
        services.add_affiliation(session, contact=person, company_id=company.id)
    # The address stays taken, without naming the person.
    with pytest.raises(services.DuplicateEmailError, match="begrenset") as refused:
        services.create_contact(session, name="Annen", email="LISE@eksempel.no", phone=None)
    assert "Lise" not in str(refused.value.message)
    services.lift_restriction(session, contact=person, version=person.version)
    services.update_contact(
        session, contact=person, version=person.version, name="Lise Løst", email=None, phone=None
    )
    assert person.name == "Lise Løst"


def _signed_in(app: Flask, session, role: str):
    user = make_user(session, role=role)
    session.commit()
    client = app.test_client()
    post_form(client, "/auth/login", {"email": user.email, "password": DEFAULT_PASSWORD})
    return client


def test_restricting_needs_a_reason_and_an_admin(app, session):
    person = Contact(name="Per Prøve")
    session.add(person)
    session.commit()
    url = f"/contacts/{person.id}/restriction"
    assert _signed_in(app, session, "editor").get(url).status_code == 403
    client = _signed_in(app, session, "admin")
    token = csrf_token(client, url)
    refused = client.post(url, data={"csrf_token": token, "version": person.version, "reason": ""})
    assert refused.status_code == 400
    assert "Oppgi hvorfor" in refused.get_data(as_text=True)
    done = client.post(
        url, data={"csrf_token": token, "version": person.version, "reason": "Innsigelse"}
    )
    assert done.status_code == 302
    session.expire_all()
    restricted = session.scalars(
        select(Contact).where(Contact.id == person.id).execution_options(include_restricted=True)
    ).one()
    assert restricted.restriction_note == "Innsigelse"


def test_the_network_leaves_restricted_people_out_even_for_admins(session):
    from crm.network.queries import read_neighbourhood_rows

    admin = make_user(session, role="admin")
    company = Company(name="Nettverk AS")
    shown, hidden = Contact(name="Synlig Sara"), Contact(name="Skjult Sigurd")
    session.add_all([company, shown, hidden])
    session.flush()
    session.add_all(
        [
            Affiliation(contact_id=shown.id, company_id=company.id),
            Affiliation(contact_id=hidden.id, company_id=company.id),
        ]
    )
    services.restrict_contact(
        session, contact=hidden, version=hidden.version, reason="Innsigelse", by_id=admin.id
    )
    session.flush()
    people = {row[1] for row in read_neighbourhood_rows(session, company.id).affiliations}
    assert people == {"Synlig Sara"}
