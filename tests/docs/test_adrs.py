"""Every decision record has the same parts, and the index lists every record."""

import re
from pathlib import Path

import pytest

ADR_DIR = Path(__file__).resolve().parents[2] / "docs" / "adr"
RECORDS = sorted(ADR_DIR.glob("[0-9][0-9][0-9][0-9]-*.md"))
SECTIONS = ("## Context", "## Decision", "## Alternatives considered", "## Consequences")


def test_there_are_records():
    assert len(RECORDS) >= 24


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: p.name[:4])
def test_record_has_status_date_and_every_section(path):
    text = path.read_text()
    head = text.split("## Context")[0]
    assert re.search(r"^- Status: (proposed|accepted|superseded|amended|deprecated)\b", head, re.M), path.name
    assert re.search(r"^- Date: \d{4}-\d{2}-\d{2}$", head, re.M), path.name
    positions = [text.find(f"\n{section}") for section in SECTIONS]
    assert all(p > 0 for p in positions), (path.name, dict(zip(SECTIONS, positions, strict=True)))
    assert positions == sorted(positions), f"{path.name}: sections out of order"


def test_index_lists_every_record():
    index = (ADR_DIR / "README.md").read_text()
    for path in RECORDS:
        assert f"]({path.name})" in index, f"docs/adr/README.md does not list {path.name}"
