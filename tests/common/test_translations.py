"""Every text in the interface has its bokmål translation, with the same placeholders."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "crm" / "translations" / "nb" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _extracted(tmp_path: Path) -> set[str]:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "--ignore-dirs",
            ".* __pycache__ node_modules",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "--no-location",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as f:
        return {_singular(m.id) for m in read_po(f) if m.id}


def _singular(msgid: str | tuple[str, ...]) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


def _forms(string: str | tuple[str, ...]) -> tuple[str, ...]:
    return (string,) if isinstance(string, str) else string


def test_every_interface_text_is_translated_to_bokmal(tmp_path):
    with CATALOGUE.open("rb") as f:
        # A plural entry is known by its singular, and needs every form translated.
        catalogue = {_singular(m.id): m for m in read_po(f) if m.id}
    missing = sorted(
        msgid
        for msgid in _extracted(tmp_path)
        if msgid not in catalogue
        or not all(_forms(catalogue[msgid].string))
        or catalogue[msgid].fuzzy
    )
    assert missing == [], "Run `make extract-messages` and translate:\n" + "\n".join(missing)


def test_translations_keep_their_placeholders():
    with CATALOGUE.open("rb") as f:
        wrong = [
            m.id
            for m in read_po(f)
            if m.id
            and isinstance(m.string, str)
            and m.string
            and sorted(PLACEHOLDER.findall(m.id)) != sorted(PLACEHOLDER.findall(m.string))
        ]
    assert wrong == []
