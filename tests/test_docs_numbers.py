"""The findings prose of docs/model.md quotes only numbers its generated tables hold.

The prose is written by hand around tables that ``hmlsim.scenarios._performative_report``
generates from a committed run; a number typed into the prose, or left there from an
older run, has no cell to match and fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

MODEL_DOC = Path(__file__).parent.parent / "docs" / "model.md"
PAIR = re.compile(r"[-+−]?\d+\.\d+ ± \d+\.\d+")
GENERATED = re.compile(
    r"<!-- BEGIN generated findings(?: \(([^)]*)\))? -->(.*?)<!-- END generated findings", re.S
)


def plain(number: str) -> str:
    return number.lstrip("+-−")  # "0.18 ± 0.05 below the human" quotes the cell -0.18 ± 0.05


def test_every_mean_and_se_quoted_in_the_findings_is_a_generated_cell():
    text = MODEL_DOC.read_text()
    findings = text[text.index("## Findings") :]
    generated = " ".join(body for _, body in GENERATED.findall(findings))
    assert generated, "docs/model.md has no generated findings"
    prose = GENERATED.sub("", findings)
    cells = {plain(p) for p in PAIR.findall(generated)}
    quoted = [p for p in PAIR.findall(prose) if plain(p) not in cells]
    assert quoted == [], f"numbers in the prose that no generated table holds: {quoted}"
