"""DELETE on organisations, meetings, clusters and cases: into the trash, as the web does.

The record and what hangs on it go to the trash (crm.trash), from where an admin restores them
in the web UI. A person's DELETE is the erasure (crm/api/people.py), the GDPR right.
"""

from __future__ import annotations

from flask import Response
from flask_login import current_user

from crm.api import bp
from crm.api.common import committing, if_match_version, not_found
from crm.api.spec import operation
from crm.extensions import db
from crm.trash import services


def _to_trash(table_name: str, record_id: int) -> Response:
    not_found(db.session.get(services.TRASHABLE[table_name], record_id))
    version = if_match_version()
    with committing():
        services.move_to_trash(
            db.session,
            table_name=table_name,
            record_id=record_id,
            version=version,
            user_id=current_user.id,
        )
    return Response(status=204)


def _delete(path: str, tag: str, what: str):
    return operation(
        bp,
        path,
        "DELETE",
        mirrors="trash.move",
        summary=f"Move {what} to the trash",
        tag=tag,
        status=204,
        versioned=True,
    )


@_delete("/organisations/<int:company_id>", "organisations", "an organisation")
def delete_organisation(company_id: int):
    """Into the trash with what hangs on it; refused (422) while cases depend on it."""
    return _to_trash("companies", company_id)


@_delete("/meetings/<int:meeting_id>", "meetings", "a meeting")
def delete_meeting(meeting_id: int):
    """Into the trash with its participants, tags and follow-up tasks."""
    return _to_trash("meetings", meeting_id)


@_delete("/clusters/<int:cluster_id>", "clusters", "a cluster")
def delete_cluster(cluster_id: int):
    """Into the trash with its memberships."""
    return _to_trash("clusters", cluster_id)


@_delete("/cases/<int:case_id>", "cases", "an establishment case")
def delete_case(case_id: int):
    """Into the trash with its stage history and checklist answers."""
    return _to_trash("establishment_cases", case_id)
