"""The versions a request's caches are kept under are read in one statement, and read again
after the request writes or its transaction ends (crm.common.triggered_version)."""

from __future__ import annotations

from sqlalchemy import text

from crm.common.reference import REFERENCE
from crm.extensions import db
from crm.network.version import GRAPH
from tests.factories import make_company, make_place


def _version_reads(statements: list[str]) -> list[str]:
    return [s for s in statements if "_version" in s and s.lstrip().upper().startswith("SELECT")]


def test_a_list_reads_its_caches_versions_in_one_statement(client, login, session, count_queries):
    login(role="reader")
    make_company(session, place=make_place(session))
    session.commit()
    client.get("/companies/?page=1")  # fills the caches
    with count_queries() as statements:
        assert client.get("/companies/?page=1").status_code == 200
    reads = _version_reads(statements)
    # The filter choices (reference data) and the total (graph): both tables, one statement.
    assert len(reads) == 1, reads
    assert "reference_version" in reads[0] and "graph_version" in reads[0]


def test_a_write_or_a_transactions_end_reads_the_versions_again(app, session):
    make_company(session)
    session.commit()
    with app.app_context():
        graph, reference = GRAPH.current(db.session), REFERENCE.current(db.session)
        assert graph and reference
        # Kept for the transaction: the same answer without a statement, until it writes.
        db.session.execute(text("UPDATE companies SET name = 'Endret'"))
        after_write = GRAPH.current(db.session)
        if db.engine.dialect.name == "sqlite":
            # The trigger ran at once: this transaction reads its own new version.
            assert after_write not in (None, graph)
        else:
            # Deferred to the commit: the transaction's own rows are not in any version yet.
            assert after_write is None
        db.session.commit()
        # A new transaction: the committed write's version, read again.
        committed = GRAPH.current(db.session)
        assert committed not in (None, graph)
        assert REFERENCE.current(db.session) == reference  # nothing of its tables changed
        db.session.rollback()
        # Another worker writes; this session's next transaction sees its version.
        with db.engine.begin() as other:
            other.execute(text("UPDATE companies SET name = 'Andre'"))
        assert GRAPH.current(db.session) not in (None, committed)
