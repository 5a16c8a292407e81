"""Tell a register bulk file from what it is not, before a unit is read.

The format (JSON or CSV) comes from the content, not the name, gzip-compressed or not; files
people download by mistake (images, PDFs, Excel workbooks, UTF-16 or Latin-1 text) are refused
with a message that names what the file is and what to download instead.
"""

from __future__ import annotations

import codecs
import gzip
import os
import zlib
from typing import BinaryIO, Final, Literal

from crm.common.messages import N_, Message, message

RegisterFormat = Literal["json", "csv"]

SNIFF_BYTES: Final = 64 * 1024

# Magic bytes of files people download by mistake, and what to tell them.
_NOT_REGISTER_FILES: Final = (
    (b"\x89PNG\r\n\x1a\n", message(N_("a PNG image"))),
    (b"\xff\xd8\xff", message(N_("a JPEG image"))),
    (b"GIF8", message(N_("a GIF image"))),
    (b"%PDF", message(N_("a PDF document"))),
    (b"PK\x03\x04", message(N_("a ZIP archive (an Excel .xlsx workbook is one)"))),
    (b"\xd0\xcf\x11\xe0", message(N_("an old Excel (.xls) or Word document"))),
    (b"\x1f\x8b", message(N_("a file compressed twice with gzip"))),
)


class RegisterFileError(Exception):
    """The file cannot be read as a register file; `message` says why, to be translated."""

    def __init__(self, template: str, **values: object) -> None:
        self.message = Message(template, values)
        super().__init__(str(self.message))


SAVE_AS_UTF8 = message(
    N_(
        "It looks like Latin-1 or Windows-1252 (often from Excel); export it as UTF-8 "
        '("CSV UTF-8") or download the register\'s file again.'
    )
)


def open_register_file(path: str | os.PathLike[str]) -> tuple[RegisterFormat, BinaryIO]:
    """Tell the file's format from its content and open it for reading (unpacked if gzip)."""
    fmt = _sniff(path)
    return fmt, _open_binary(path)


def _sniff(path: str | os.PathLike[str]) -> RegisterFormat:
    head, complete = _read_head(path)
    if not head.strip():
        raise RegisterFileError(N_("The file is empty."))
    for magic, what in _NOT_REGISTER_FILES:
        if head.startswith(magic):
            raise RegisterFileError(
                N_(
                    "This is %(what)s, not a register file. Download the register's CSV or "
                    "JSON file (…/lastned/csv or …/lastned) instead."
                ),
                what=what,
            )
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise RegisterFileError(
            N_("The file is UTF-16 text, not UTF-8. %(advice)s"), advice=SAVE_AS_UTF8
        )
    if _looks_binary(head):
        raise RegisterFileError(
            N_("The file holds binary data, not text: it is not a register CSV or JSON file.")
        )
    try:
        text = codecs.getincrementaldecoder("utf-8-sig")("strict").decode(head, final=complete)
    except UnicodeDecodeError as exc:
        line = head.count(b"\n", 0, exc.start) + 1
        raise RegisterFileError(
            N_(
                "The file is not UTF-8 text: line %(line)s has a byte (%(byte)s) that UTF-8 "
                "does not allow. %(advice)s"
            ),
            line=line,
            byte=f"0x{head[exc.start]:02X}",
            advice=SAVE_AS_UTF8,
        ) from exc
    text = text.lstrip()
    if text[:1] in ("[", "{"):
        return "json"
    header = text.split("\n", 1)[0]
    if "organisasjonsnummer" not in header.lower():
        raise RegisterFileError(
            N_(
                "This does not look like a register file: it is not JSON, and its first line "
                "has no 'organisasjonsnummer' column. The first line reads: %(line)r"
            ),
            line=header[:120],
        )
    return "csv"


def _read_head(path: str | os.PathLike[str]) -> tuple[bytes, bool]:
    try:
        with open(path, "rb") as raw:
            compressed = raw.read(2) == b"\x1f\x8b"
        opener = gzip.open if compressed else open
        with opener(path, "rb") as stream:
            head = stream.read(SNIFF_BYTES)
            complete = len(head) < SNIFF_BYTES
    except FileNotFoundError as exc:
        raise RegisterFileError(
            N_("The file %(path)r does not exist."), path=os.fspath(path)
        ) from exc
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise RegisterFileError(
            N_(
                "The compressed (gzip) file is cut short or damaged (%(reason)s). "
                "Download it again."
            ),
            reason=str(exc),
        ) from exc
    except OSError as exc:
        raise RegisterFileError(
            N_("The file cannot be read: %(reason)s."), reason=str(exc.strerror or exc)
        ) from exc
    return head, complete


def _looks_binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    controls = sum(head.count(bytes([c])) for c in range(32) if c not in (9, 10, 13))
    return controls > len(head) // 100


def _open_binary(path: str | os.PathLike[str]) -> BinaryIO:
    with open(path, "rb") as raw:
        compressed = raw.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if compressed else open(path, "rb")
