"""Every count a template puts into a sentence goes through the `number` filter, so 1 234 reads
as the reader's language writes it ("1 234" in bokmål, "1,234" in English), not "1234".

Walks every template: a translated sentence's argument that is a length or is named as a count
(count, total, shown, answered, num) must end in `| number`.
"""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# An argument of _("…"): `name=expression` up to the next top-level comma or the closing ")".
ARGUMENT = re.compile(r"\b(count|total|shown|answered|num)\s*=\s*([^,()]*(?:\([^()]*\)[^,()]*)*)")
SENTENCE = re.compile(r"_\(\s*\"[^\"]*%\([a-z_]+\)s[^\"]*\"(?P<args>(?:[^()]|\([^()]*\))*)\)")


def test_every_count_in_a_sentence_is_formatted_for_the_reader():
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for sentence in SENTENCE.finditer(text):
            for name, expression in ARGUMENT.findall(sentence.group("args")):
                if not re.search(r"\|\s*number\s*$", expression.strip()):
                    line = text.count("\n", 0, sentence.start()) + 1
                    offenders.append(f"{path.relative_to(TEMPLATES)}:{line}: {name}={expression}")
    assert offenders == [], "\n".join(offenders)
