"""What people really type: ZIP codes in other digit forms and ZIP+4, names in every script."""

# ruff: noqa: RUF001 (look-alike characters are what these tests are about)

import pytest

from frontdesk.scheduling.models import Person
from frontdesk.scheduling.names import NameProblem, name_check, name_key

from .conftest import booking, first_slot

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "typed", ["10007", "１０００７", " 10007 ", "10007-1234", "10007 1234", "100071234", "10007‑1234"]
)
def test_a_zip_as_people_type_it_finds_the_office(api, office, typed):
    near = api.get("/api/v1/offices/near", {"zip": typed, "radius_miles": 10})
    assert near.status_code == 200, near.content
    assert near.json()[0]["code"] == "A01"
    slots = api.get(
        "/api/v1/availability",
        {"service": "direct_deposit_change", "mode": "in_person", "zip": typed, "radius_miles": 50},
    )
    assert slots.status_code == 200, slots.content


@pytest.mark.parametrize("typed", ["1000", "10007-12", "١٠٠٠٧x", "abcde", "10007-123x", "０"])
def test_a_malformed_zip_is_a_422_saying_what_a_zip_looks_like(api, office, typed):
    for path, extra in (
        ("/api/v1/offices/near", {}),
        ("/api/v1/availability", {"service": "direct_deposit_change", "mode": "in_person"}),
    ):
        answer = api.get(path, {"zip": typed, "radius_miles": 10} | extra)
        assert answer.status_code == 422, (path, typed, answer.content)
        assert "five digits" in answer.json()["message"]


def test_the_public_site_takes_full_width_digits_and_zip_plus_four(api, office):
    for typed in ("１０００７", "10007-1234"):
        page = api.get("/offices/", {"zip": typed})
        assert page.status_code == 200
        text = page.content.decode()
        assert "Enter a ZIP code" not in text and "/offices/A01/" in text
    refused = api.get("/offices/", {"zip": "１０００"}).content.decode()
    assert "Enter a ZIP code with 5 digits" in refused


@pytest.mark.parametrize(
    "first,last",
    [
        ("محمد", "عبد الله"),  # Arabic
        ("Наталья", "Иванова"),  # Cyrillic
        ("美咲", "山田"),  # Han
        ("प्रिया", "शर्मा"),  # Devanagari, with combining vowel signs
        ("Søren", "Kierkegaard"),
        ("Seán", "O’Brien"),
        ("Mary-Jo", "St. John"),
        ("فرزانه", "می\u200cنوش"),  # Persian, with a zero-width non-joiner
    ],
)
def test_names_in_every_script_book_and_find(api, office, first, last):
    body = booking(first_slot(api))
    body["person"] |= {"first_name": first, "last_name": last}
    created = api.post("/api/v1/appointments", body, content_type="application/json")
    assert created.status_code == 201, created.content
    person = Person.objects.get()
    assert person.last_name == last and person.last_name_key == name_key(last) != ""
    found = api.post(
        "/api/v1/appointments/find",
        {"code": created.json()["code"], "last_name": last.upper(), "date_of_birth": "1960-05-17"},
        content_type="application/json",
    )
    assert found.status_code == 200, found.content


@pytest.mark.parametrize(
    "last",
    ["Riv\x00era", "Rivera\u202e", "\u2066Rivera\u2069", "Riv\u200bera", "R1vera", "Rivera<script>", "\x07", "   "],
)
def test_control_bidi_and_non_letters_are_refused_and_nothing_is_written(api, office, last):
    body = booking(first_slot(api))
    body["person"]["last_name"] = last
    answer = api.post("/api/v1/appointments", body, content_type="application/json")
    assert answer.status_code in {400, 422}, answer.content  # NUL is refused before parsing (400)
    assert not Person.objects.exists()


def test_name_keys_ignore_case_accents_and_joiners_but_keep_every_script():
    assert name_key("Ñúñez-O’Brien") == name_key("nunez obrien") == "nunezobrien"
    assert name_key("عَبْد الله") == name_key("عبد الله") == "عبدالله"
    assert name_key("Søren") == "søren"
    assert name_check("  Иванова ") == "Иванова"
    with pytest.raises(NameProblem, match="invisible or control"):
        name_check("Iva\u202enova")
