"""Archive packages: meetings as the archivist files them (Koblingsboks is not the archive).

A package is a ZIP file. For each meeting it holds the notes as a self-contained HTML document
(no scripts, no links to fetch, the styles inside, UTF-8: it prints or converts to PDF/A as it
is), the same facts as JSON, and a metadata file in the spirit of Noark 5's `registrering`
(title, dates, parties, author, exemption ground, and the document's checksum), so an archive
system or an archivist can register it. A `manifest.xml` lists every file with its SHA-256.

It is "in the spirit of" Noark 5 on purpose: the element names follow the standard's metadata
catalogue, but the files are not an arkivuttrekk validated against its schemas; the archive
system that receives them does that registration.
"""

from __future__ import annotations

import hashlib
import io
import json
import xml.etree.ElementTree as ET  # nosec B405 (writes XML only; nothing is parsed)
import zipfile
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.common.dates import local_midnight
from crm.common.models import utcnow
from crm.meetings.models import Meeting

# A package is built in memory; beyond this many meetings the adviser chooses a shorter period.
MAX_MEETINGS = 1000
SYSTEM_NAME = "Koblingsboks"


class TooManyMeetings(Exception):
    """The period holds more meetings than one package may."""

    def __init__(self, count: int) -> None:
        super().__init__(count)
        self.count = count


def meeting_ids_between(session: Session, start: date, end: date) -> list[int]:
    """The meetings held from `start` to `end` (local dates, both included), oldest first."""
    ids = list(
        session.scalars(
            select(Meeting.id)
            .where(
                Meeting.starts_at >= local_midnight(start),
                Meeting.starts_at < local_midnight(date.fromordinal(end.toordinal() + 1)),
            )
            .order_by(Meeting.starts_at, Meeting.id)
            .limit(MAX_MEETINGS + 1)
        )
    )
    if len(ids) > MAX_MEETINGS:
        raise TooManyMeetings(len(ids))
    return ids


def _sub(parent: ET.Element, tag: str, text: Any = None) -> ET.Element:
    element = ET.SubElement(parent, tag)
    if text is not None:
        element.text = str(text)
    return element


def metadata_xml(record: dict[str, Any], *, document: str, checksum: str, size: int) -> bytes:
    """The meeting's metadata, with Noark 5's element names, as UTF-8 XML."""
    root = ET.Element("registrering", {"system": SYSTEM_NAME})
    _sub(root, "systemID", f"koblingsboks-meeting-{record['id']}")
    _sub(root, "tittel", record["title"])
    _sub(root, "moetedato", record["starts_at_local"])
    _sub(root, "opprettetDato", record["created_at"])
    author = record["author"]
    _sub(root, "opprettetAv", author["name"] if author else "")
    _sub(root, "arkivertDato", record["exported_at"])
    parties = record["participants"]
    for organisation in parties["organisations"]:
        party = _sub(root, "korrespondansepart")
        _sub(party, "korrespondanseparttype", "organisasjon")
        _sub(party, "korrespondansepartNavn", organisation["name"])
        if organisation["org_number"]:
            _sub(party, "organisasjonsnummer", organisation["org_number"])
    for person in parties["people"]:
        party = _sub(root, "korrespondansepart")
        _sub(party, "korrespondanseparttype", "person")
        _sub(party, "korrespondansepartNavn", person["name"])
    for staff in parties["staff"]:
        party = _sub(root, "korrespondansepart")
        _sub(party, "korrespondanseparttype", "intern")
        _sub(party, "korrespondansepartNavn", staff["name"])
    if record["exemption"]:
        screening = _sub(root, "skjerming")
        _sub(screening, "tilgangsrestriksjon", "Unntatt offentlighet")
        _sub(screening, "skjermingshjemmel", record["exemption_ground"])
        _sub(screening, "skjermingMetadata", "dokumentinnhold")
    for strategy in record["strategies"]:
        _sub(root, "noekkelord", f"{strategy['number']} {strategy['name']}")
    description = _sub(root, "dokumentbeskrivelse")
    _sub(description, "tittel", record["title"])
    _sub(description, "dokumenttype", "Møtereferat")
    document_object = _sub(description, "dokumentobjekt")
    _sub(document_object, "format", "text/html")
    _sub(document_object, "referanseDokumentfil", document)
    _sub(document_object, "sjekksum", checksum)
    _sub(document_object, "sjekksumAlgoritme", "SHA-256")
    _sub(document_object, "filstoerrelse", size)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def build_package(
    records: Sequence[dict[str, Any]], *, render_document: Callable[[dict[str, Any]], str]
) -> bytes:
    """A ZIP with each meeting's HTML document, JSON and metadata, and a manifest.

    `render_document` turns a record into the HTML document (a template, in the route).
    """
    buffer = io.BytesIO()
    manifest = ET.Element("manifest", {"system": SYSTEM_NAME, "created": utcnow().isoformat()})
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as package:

        def add(name: str, content: bytes) -> str:
            package.writestr(name, content)
            checksum = hashlib.sha256(content).hexdigest()
            ET.SubElement(
                manifest, "file", {"name": name, "sha256": checksum, "size": str(len(content))}
            )
            return checksum

        for record in records:
            stem = f"meeting-{record['id']}"
            html = render_document(record).encode("utf-8")
            checksum = add(f"{stem}.html", html)
            add(f"{stem}.json", json.dumps(record, ensure_ascii=False, indent=2).encode("utf-8"))
            add(
                f"{stem}.xml",
                metadata_xml(record, document=f"{stem}.html", checksum=checksum, size=len(html)),
            )
        ET.indent(manifest)
        listing = ET.tostring(manifest, encoding="utf-8", xml_declaration=True)
        package.writestr("manifest.xml", listing)
    return buffer.getvalue()
