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

RegisterFormat = Literal["json", "csv"]

SNIFF_BYTES: Final = 64 * 1024

# Magic bytes of files people download by mistake, and what to tell them.
_NOT_REGISTER_FILES: Final = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx workbook is one)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel (.xls) or Word document"),
    (b"\x1f\x8b", "a file compressed twice with gzip"),
)


class RegisterFileError(Exception):
    """The file cannot be read as a register file; the message says why, in plain English."""


SAVE_AS_UTF8 = (
    "It looks like Latin-1 or Windows-1252 (often from Excel); export it as UTF-8 "
    '("CSV UTF-8") or download the register\'s file again.'
)


def open_register_file(path: str | os.PathLike[str]) -> tuple[RegisterFormat, BinaryIO]:
    """Tell the file's format from its content and open it for reading (unpacked if gzip)."""
    fmt = _sniff(path)
    return fmt, _open_binary(path)


def _sniff(path: str | os.PathLike[str]) -> RegisterFormat:
    head, complete = _read_head(path)
    if not head.strip():
        raise RegisterFileError("The file is empty.")
    for magic, what in _NOT_REGISTER_FILES:
        if head.startswith(magic):
            raise RegisterFileError(
                f"This is {what}, not a register file. Download the register's CSV or JSON "
                "file (…/lastned/csv or …/lastned) instead."
            )
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise RegisterFileError(f"The file is UTF-16 text, not UTF-8. {SAVE_AS_UTF8}")
    if _looks_binary(head):
        raise RegisterFileError(
            "The file holds binary data, not text: it is not a register CSV or JSON file."
        )
    try:
        text = codecs.getincrementaldecoder("utf-8-sig")("strict").decode(head, final=complete)
    except UnicodeDecodeError as exc:
        line = head.count(b"\n", 0, exc.start) + 1
        raise RegisterFileError(
            f"The file is not UTF-8 text: line {line} has a byte (0x{head[exc.start]:02X}) "
            f"that UTF-8 does not allow. {SAVE_AS_UTF8}"
        ) from exc
    text = text.lstrip()
    if text[:1] in ("[", "{"):
        return "json"
    header = text.split("\n", 1)[0]
    if "organisasjonsnummer" not in header.lower():
        raise RegisterFileError(
            "This does not look like a register file: it is not JSON, and its first line has "
            f"no 'organisasjonsnummer' column. The first line reads: {header[:120]!r}"
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
        raise RegisterFileError(f"The file {os.fspath(path)!r} does not exist.") from exc
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise RegisterFileError(
            f"The compressed (gzip) file is cut short or damaged ({exc}). Download it again."
        ) from exc
    except OSError as exc:
        raise RegisterFileError(f"The file cannot be read: {exc.strerror or exc}.") from exc
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
