"""The real office directory loads with zones from ZIPs; the publisher's own layout loads too."""

import hashlib
from datetime import time

import pytest
from django.core.management import CommandError, call_command

from frontdesk.offices import directory
from frontdesk.offices.directory import BUNDLED_DIRECTORY, BUNDLED_SHA256, offices_import
from frontdesk.offices.models import Office, OfficeHours

pytestmark = pytest.mark.django_db

PUBLISHER_LAYOUT = """Field Office Addresses and Business Hours,,,,
Last Updated 6/10/2022,,,,
,,,,
Office Code,Office Name,Address Line 1,Address Line 2,Address Line 3,City,State,Zip Code,Phone,Business Fax,\
Monday Open Time,Monday Close Time,Tuesday Open Time,Tuesday Close Time,Wednesday Open Time,Wednesday Close Time,\
Thursday Open Time,Thursday Close Time,Friday Open Time,Friday Close Time
B01,HONOLULU HI,SOCIAL SECURITY,RM 1-114,300 ALA MOANA BLVD,HONOLULU,HI,96850,8663311449,8339506088,\
8:30 AM,3:30 PM,8:30 AM,3:30 PM,8:30 AM,3:30 PM,8:30 AM,3:30 PM,8:30 AM,3:30 PM
ZZZ,NOWHERE,SOCIAL SECURITY,,1 MAIN ST,NOWHERE,NY,00000,8000000000,8000000000,9:00,16:00,,,,,,,,
"""


def test_the_real_directory_loads_every_office_with_its_zone():
    call_command("import_offices")
    assert Office.objects.count() == 1193
    zones = dict(Office.objects.values_list("code", "timezone"))
    assert zones["001"] == "America/New_York"
    assert sum(1 for z in zones.values() if z == "America/Phoenix") == 14
    assert Office.objects.get(code="996").hours.get(weekday=0).opens == time(11, 30)  # Juneau
    assert OfficeHours.objects.filter(office__code="260", weekday=2).get().closes == time(15)
    assert {o.state for o in Office.objects.filter(timezone__in=["Pacific/Guam", "Pacific/Pago_Pago"])} == {"GU", "AS"}
    call_command("import_offices", str(BUNDLED_DIRECTORY))  # rerun is safe, and a path loads too
    assert Office.objects.count() == 1193


def test_the_publishers_layout_with_title_rows_and_am_pm_times():
    result = offices_import(text=PUBLISHER_LAYOUT)
    assert result.created == 1 and result.skipped and result.skipped[0].startswith("ZZZ")
    office = Office.objects.get(code="B01")
    assert office.timezone == "Pacific/Honolulu" and office.region == 9
    assert office.hours.get(weekday=4).closes == time(15, 30)


def test_a_missing_file_is_a_clear_error_and_writes_nothing(tmp_path):
    with pytest.raises(CommandError, match="No office directory"):
        call_command("import_offices", str(tmp_path / "missing.csv"))
    not_a_directory = tmp_path / "x.csv"
    not_a_directory.write_text("a,b\n1,2\n")
    with pytest.raises(CommandError, match="Office Code"):
        call_command("import_offices", str(not_a_directory))
    assert Office.objects.count() == 0


def test_the_shipped_directory_is_the_recorded_copy():
    """The repository carries the publisher's data with its checksum, so a checkout needs nothing else."""
    assert hashlib.sha256(BUNDLED_DIRECTORY.read_bytes()).hexdigest() == BUNDLED_SHA256
    assert BUNDLED_SHA256 in (BUNDLED_DIRECTORY.parent / "PROVENANCE.md").read_text()


def test_a_changed_shipped_copy_is_refused_and_writes_nothing(tmp_path, monkeypatch):
    edited = tmp_path / "edited.csv"
    edited.write_bytes(BUNDLED_DIRECTORY.read_bytes().replace(b"PORTLAND ME", b"PORTLAND XX", 1))
    monkeypatch.setattr(directory, "BUNDLED_DIRECTORY", edited)
    with pytest.raises(CommandError, match="restore it from git"):
        call_command("import_offices")
    assert Office.objects.count() == 0
