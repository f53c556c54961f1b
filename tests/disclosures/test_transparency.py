"""The transparency report for any finished quarter, from the command line; its suppression holds for
every dataset (hypothesis), and on real counts written to the database."""

import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from frontdesk.disclosures.transparency import OUTCOME_LABELS, Counted, quarter_bounds, tables_of
from frontdesk.disclosures.vocabulary import AgencyType

from .test_reports_and_alerts import _make_requests

PARTITIONS = ("by_agency_type", "by_outcome")  # tables whose cells add up to the total
AUTHORITIES = ("b1", "b3_routine_use", "b7", "b11", "none")

requests = st.lists(
    st.builds(
        Counted,
        agency_type=st.sampled_from(AgencyType.values),
        outcome=st.sampled_from(sorted(OUTCOME_LABELS)),
        authorities=st.sets(st.sampled_from(AUTHORITIES), min_size=1, max_size=3).map(lambda s: tuple(sorted(s))),
    ),
    max_size=120,
)


def _true_counts(counted: list[Counted], table: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for request in counted:
        keys = {
            "by_agency_type": (request.agency_type,),
            "by_outcome": (request.outcome,),
            "by_authority": request.authorities,
        }[table]
        for key in keys:
            counts[key] = counts.get(key, 0) + 1
    return counts


@settings(max_examples=300, deadline=None)
@given(counted=requests, limit=st.integers(min_value=2, max_value=20))
def test_no_published_count_and_no_difference_is_small(counted, limit):
    total, tables = tables_of(counted, limit)
    published = [total.count] + [c.count for cells in tables.values() for c in cells]
    assert all(n is None or n >= limit for n in published)
    for name, cells in tables.items():
        truth = _true_counts(counted, name)
        # Every shown number is the true one; no category is left out or invented.
        assert {c.key for c in cells} == set(truth)
        assert all(c.count in (None, truth[c.key]) for c in cells)
        hidden = [truth[c.key] for c in cells if c.count is None]
        if name in PARTITIONS and total.count is not None and hidden:
            # What subtraction from the total reveals is never one cell, nor a small sum.
            assert len(hidden) >= 2
            assert sum(hidden) >= limit or len(hidden) == len(cells)


@settings(max_examples=200, deadline=None)
@given(counted=requests)
def test_at_the_published_threshold_nothing_from_1_to_9_is_shown(counted):
    total, tables = tables_of(counted, 10)
    shown = [total.display] + [c.display for cells in tables.values() for c in cells]
    assert not {str(n) for n in range(1, 10)} & set(shown)


def test_the_cells_two_small_categories_add_up_to_are_not_given_away():
    counted = (
        [Counted("court", "denied", ("none",))] * 3
        + [Counted("congress", "denied", ("none",))] * 4
        + [Counted("law_enforcement", "denied", ("none",))] * 12
        + [Counted("immigration", "denied", ("none",))] * 15
    )
    total, tables = tables_of(counted, 10)
    assert total.count == 34
    shown = {c.key: c.display for c in tables["by_agency_type"]}
    # 3 and 4 are hidden, but 34 - 12 - 15 would say "7 between them": 12 is hidden as well.
    assert shown == {
        "immigration": "15",
        "law_enforcement": "suppressed",
        "congress": "fewer than 10",
        "court": "fewer than 10",
    }


def _last_closed_quarter() -> tuple[int, int]:
    today = timezone.localdate()
    current = (today.month - 1) // 3 + 1
    return (today.year, current - 1) if current > 1 else (today.year - 1, 4)


@pytest.mark.django_db
def test_the_command_reports_real_counts_for_a_closed_quarter(catalog, staff, tmp_path, capsys):
    year, quarter = _last_closed_quarter()
    start, end = quarter_bounds(year, quarter)
    inside = dt.datetime.combine(start + dt.timedelta(days=3), dt.time(15), dt.UTC)
    _make_requests(staff, 14, agency_type="law_enforcement", status="denied", received=inside)
    _make_requests(staff, 11, agency_type="court", status="denied", received=inside)
    _make_requests(staff, 2, agency_type="congress", status="rejected", received=inside)
    # Outside the quarter: three days after it ends, and a week before it starts.
    _make_requests(staff, 5, agency_type="congress", status="denied", received=inside + (end - start))
    _make_requests(staff, 5, agency_type="court", status="denied", received=inside - dt.timedelta(days=10))

    call_command("transparency_report", "--quarter", f"{year}Q{quarter}", "--format", "json")
    data = json.loads(capsys.readouterr().out)
    assert (data["year"], data["quarter"]) == (year, quarter)
    assert data["period_start"] == start.isoformat()
    assert data["period_end"] == (end - dt.timedelta(days=1)).isoformat()
    assert data["total"]["count"] == 27
    types = {c["key"]: c["display"] for c in data["by_agency_type"]}
    assert types == {"law_enforcement": "14", "court": "suppressed", "congress": "fewer than 10"}
    outcomes = {c["key"]: c["display"] for c in data["by_outcome"]}
    assert outcomes == {"denied": "suppressed", "rejected": "fewer than 10"}

    target = tmp_path / "report.csv"
    call_command("transparency_report", "--quarter", f"{year}-q{quarter}", "--format", "csv", "--output", str(target))
    lines = target.read_text().splitlines()
    assert lines[0] == "year,quarter,table,key,label,count"
    assert f"{year},{quarter},total,total,All requests,27" in lines
    assert f'{year},{quarter},by_agency_type,congress,"{AgencyType.CONGRESS.label}",fewer than 10' in lines


@pytest.mark.django_db
def test_the_command_refuses_a_quarter_that_has_not_ended():
    today = timezone.localdate()
    current = (today.month - 1) // 3 + 1
    with pytest.raises(CommandError, match=rf"{today.year}Q{current} has not ended \(its last day is"):
        call_command("transparency_report", "--quarter", f"{today.year}Q{current}")
    with pytest.raises(CommandError, match="has not ended"):
        call_command("transparency_report", "--quarter", f"{today.year + 1}Q1")
    with pytest.raises(CommandError, match="for example 2026Q3"):
        call_command("transparency_report", "--quarter", "2026-Q5")
