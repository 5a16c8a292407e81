"""The migration that adds trash_people indexes the snapshots already in the trash."""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask_migrate import upgrade

from config import TestingConfig
from crm import create_app
from crm.extensions import db

BEFORE = "36d6278cc34e"

ROWS = [
    {"table": "meetings", "values": {"id": 7, "title": "Lunsj"}},
    {"table": "meeting_contacts", "values": {"meeting_id": 7, "contact_id": 41}},
    {"table": "meeting_contacts", "values": {"meeting_id": 7, "contact_id": 42}},
]
OWN = [{"table": "contacts", "values": {"id": 43, "name": "X", "restricted_at": "2026-01-01"}}]


def test_the_snapshots_in_the_trash_are_indexed_by_the_people_they_hold(tmp_path):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.sqlite'}")
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as connection:
            for title, rows in (("Lunsj", ROWS), ("X", OWN), ("Tom", [])):
                connection.execute(
                    sa.text(
                        "INSERT INTO trash (table_name, record_id, title, deleted_at, rows, "
                        "pointers) VALUES ('meetings', 1, :title, CURRENT_TIMESTAMP, :rows, '[]')"
                    ),
                    {"title": title, "rows": json.dumps(rows)},
                )
        upgrade()
        with db.engine.connect() as connection:
            found = connection.execute(
                sa.text(
                    "SELECT t.title, p.contact_id, p.restricted FROM trash_people p "
                    "JOIN trash t ON t.id = p.trash_id ORDER BY p.contact_id"
                )
            ).all()
        db.engine.dispose()
    assert [tuple(row) for row in found] == [("Lunsj", 41, 0), ("Lunsj", 42, 0), ("X", 43, 1)]
