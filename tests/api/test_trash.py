"""DELETE through the API moves a record to the trash, as the web does; an admin restores it."""

from __future__ import annotations

from sqlalchemy import select

from crm.trash.models import TrashItem
from tests.factories import make_cluster, make_company, make_meeting


def _delete(client, url, headers):
    etag = client.get(url, headers=headers).headers["ETag"]
    return client.delete(url, headers={**headers, "If-Match": etag})


def test_deleting_a_meeting_or_cluster_puts_it_in_the_trash(client, session, api_headers):
    headers = api_headers()
    meeting = make_meeting(session, title="Feilregistrert møte", companies=[make_company(session)])
    cluster = make_cluster(session, name="Prøveklyngen")
    session.commit()
    url = f"/api/v1/meetings/{meeting.id}"
    assert client.delete(url, headers=headers).status_code == 428
    assert client.delete(url, headers={**headers, "If-Match": '"999"'}).status_code == 412
    assert _delete(client, url, headers).status_code == 204
    assert client.get(url, headers=headers).status_code == 404
    assert _delete(client, f"/api/v1/clusters/{cluster.id}", headers).status_code == 204
    titles = {item.title for item in session.scalars(select(TrashItem))}
    assert titles == {"Feilregistrert møte", "Prøveklyngen"}


def test_a_read_token_cannot_delete(client, session, api_headers):
    headers = api_headers(role="editor", scope="read")
    company = make_company(session)
    session.commit()
    assert _delete(client, f"/api/v1/organisations/{company.id}", headers).status_code == 403
