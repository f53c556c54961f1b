"""Office names and addresses read as the agency writes them; the directory's own values are kept."""

import pytest
from django.core.management import call_command

from frontdesk.offices.directory import bundled_text, read_rows
from frontdesk.offices.models import Office
from frontdesk.offices.presentation import address_lines, office_name, words

ROWS = read_rows(bundled_text())


@pytest.mark.parametrize(
    "source,state,shown",
    [
        ("NY MIDTOWN NY", "NY", "New York Midtown"),
        ("HOBOKEN NJ", "NJ", "Hoboken"),
        ("SAN PATRICIO PR", "PR", "San Patricio"),
        ("PHILA-DOWNTOWN", "PA", "Philadelphia Downtown"),
        ("DC DOWNTOWN", "DC", "DC Downtown"),
        ("MCALLEN TX", "TX", "McAllen"),
        ("WILKES-BARRE PA", "PA", "Wilkes Barre"),
    ],
)
def test_names(source, state, shown):
    assert office_name(source, state) == shown


def test_addresses_put_the_street_first_and_spell_out_units():
    assert address_lines(["SOCIAL SECURITY", "5TH FL", "237 W 48TH ST"]) == ["237 W 48th St", "5th Floor"]
    assert address_lines(["SOCIAL SECURITY", "STE 2000A", "1500 JFK BLVD"]) == ["1500 JFK Blvd", "Suite 2000A"]
    assert address_lines(["SOCIAL SECURITY", "RM 304", "2900 4TH AVE N"]) == ["2900 4th Ave N", "Room 304"]
    assert words("O'BRIEN PL NE") == "O'Brien Pl NE"


def test_every_office_in_the_directory_reads_cleanly():
    for row in ROWS:
        name = office_name(row["office_name"], row["state"])
        lines = address_lines([row.get(k, "") for k in ("address_line_1", "address_line_2", "address_line_3")])
        assert name and not name.endswith(f" {row['state']}"), row["office_name"]
        assert lines and "Social Security" not in lines, row["office_code"]
        shouting = [w for w in " ".join([name, *lines]).split() if len(w) > 4 and w.isalpha() and w.isupper()]
        assert not shouting, (row["office_code"], shouting)


@pytest.mark.django_db
def test_the_import_keeps_the_source_values():
    call_command("import_offices")
    midtown = Office.objects.get(source_name="NY MIDTOWN NY")
    assert midtown.name == "New York Midtown"
    assert midtown.address_lines == ["237 W 48th St", "5th Floor"]
    assert midtown.source_address_lines == ["SOCIAL SECURITY", "5TH FL", "237 W 48TH ST"]
