"""A clerk records an outside agency's request; the office manager, the regional privacy officer and
general counsel sign it off; the privacy officer releases it and downloads the packet. In the browser,
with axe-core on every page."""

import pytest

from frontdesk.accounts.actors import SystemActor
from frontdesk.accounts.roles import Role
from frontdesk.disclosures.catalog import catalog_load
from frontdesk.disclosures.engine import forget_engines
from frontdesk.disclosures.models import AccountingEntry, DisclosureRequest
from tests.factories import OfficeFactory, staff_resource, staff_user
from tests.web.auth import current_code, fresh_totp_device

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PASSWORD = "not-used-in-tests-1"
PDF = b"%PDF-1.4\n% a signed letter\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture
def setting(catalog):
    forget_engines()
    catalog_load(actor=SystemActor("tests"))
    office = OfficeFactory(code="A01", region=2, name="Lower Manhattan")
    staff_resource(office, name="Agent One")
    from datetime import UTC, datetime, timedelta

    from frontdesk.scheduling import services
    from frontdesk.scheduling.models import Service
    from tests.factories import person

    start = datetime.now(UTC).replace(hour=15, minute=0, second=0, microsecond=0) + timedelta(days=14)
    while start.weekday() >= 5:
        start += timedelta(days=1)
    services.appointment_book(
        actor=None,
        office=office,
        service=Service.objects.get(code="direct_deposit_change"),
        mode="in_person",
        starts_at=start,
        person=person(),
        now=start - timedelta(days=7),
    )
    users = {
        "clerk": staff_user("clerk", Role.COUNTER_CLERK, office),
        "manager": staff_user("manager", Role.OFFICE_MANAGER, office),
        "rpo": staff_user("rpo", Role.REGIONAL_PRIVACY_OFFICER, region=2),
        "counsel": staff_user("counsel", Role.GENERAL_COUNSEL),
    }
    yield users
    forget_engines()


def sign_in(visit, user) -> None:
    device = fresh_totp_device(user)
    visit.page.context.clear_cookies()
    visit.open("/console/sign-in/")
    visit.type_into("#id_username", user.username)
    visit.type_into("#id_password", PASSWORD)
    visit.press_enter_on("form button[type=submit]")
    visit.type_into("#id_token", current_code(device))
    visit.press_enter_on("form button[type=submit]")


def sign_off(visit, request_id: str, role: str, note: str, name: str) -> None:
    visit.open(f"/console/privacy/requests/{request_id}/")
    visit.check(name)
    visit.choose_radio("role", role)
    visit.type_into("#note", note)
    visit.press_enter_on("button[value=sign]")
    assert "Signed off" in visit.page.content(), visit.page.content()


def test_outside_request_signed_off_three_times_and_released(visit, setting, tmp_path):
    page = visit.page
    sign_in(visit, setting["clerk"])
    visit.open("/console/outside-request/")
    visit.check("console-outside-request")
    visit.choose_option("#id_channel", "^Mail$")
    visit.type_into("#id_requester_agency", "Metro County Sheriff's Office")
    visit.type_into("#id_requester_component", "Major Crimes Unit")
    visit.type_into("#id_requester_official", "Sheriff Dana Cole")
    visit.type_into("#id_requester_title", "Sheriff")
    visit.choose_option("#id_requester_position", "^Head of the agency")
    visit.type_into("#id_requester_contact", "dcole@sheriff.example.gov")
    visit.type_into("#id_requester_address", "1 Justice Plaza, Metro City, NY 10007")
    visit.choose_option("#id_agency_type", "^Law-enforcement")
    visit.choose_option("#id_purpose", "^Criminal law enforcement$")
    visit.type_into("#id_purpose_detail", "Homicide investigation, case 2026-114")
    visit.choose_option("#id_crime_class", "violent")
    visit.choose_option("#id_subject_status", "^Indicted$")
    visit.type_into("#id_authority_cited", "5 U.S.C. 552a(b)(7)")
    visit.tab_to("input[name=categories][value=appointment_schedule]")
    page.keyboard.press("Space")
    visit.type_into("#id_records_from", "2026-01-01")
    visit.type_into("#id_records_to", "2027-12-31")
    visit.type_into("#id_subject_first_name", "Ana")
    visit.type_into("#id_subject_last_name", "Rivera")
    visit.choose_option("#id_subject_dob_month", "^May$")
    visit.type_into("#id_subject_dob_day", "17")
    visit.type_into("#id_subject_dob_year", "1960")
    letter = tmp_path / "letter.pdf"
    letter.write_bytes(PDF)
    visit.choose_option("#id_evidence_kind", "^Written request signed by the agency head")
    page.set_input_files("#id_evidence_file", str(letter))
    visit.choose_option("#id_evidence_kind_2", "^Indictment")
    page.set_input_files("#id_evidence_file_2", str(letter))
    visit.press_enter_on("form button[type=submit]")
    assert "Recorded: request" in page.content()
    visit.check("console-outside-request-recorded")
    # The notice the counter prints for the requester, in English and Spanish.
    visit.open("/records-requests/")
    visit.check("public-records-request-notice")
    visit.open("/es/records-requests/")
    visit.check("public-records-request-notice-es")
    request = DisclosureRequest.objects.get()
    request_id = str(request.public_id)

    sign_in(visit, setting["manager"])
    visit.open("/console/privacy/requests/")
    visit.check("console-privacy-requests")
    # A second official confirms from the letter that the head of the agency signed it.
    visit.open(f"/console/privacy/requests/{request_id}/")
    visit.check("console-privacy-request-unconfirmed")
    visit.press_enter_on("#confirm-position button[type=submit]")
    assert "Position confirmed" in page.content()
    sign_off(visit, request_id, "office_manager", "Letter checked against the indictment.", "console-privacy-request")
    sign_in(visit, setting["rpo"])
    sign_off(visit, request_id, "regional_privacy_officer", "Within (b)(7); schedule only.", "console-privacy-rpo")
    sign_in(visit, setting["counsel"])
    sign_off(visit, request_id, "general_counsel", "No restriction applies.", "console-privacy-counsel")

    sign_in(visit, setting["rpo"])
    visit.open(f"/console/privacy/requests/{request_id}/")
    visit.press_enter_on("form button.usa-button--big")
    assert "Released" in page.locator("#request-status").inner_text()
    visit.check("console-privacy-released")
    assert AccountingEntry.objects.count() == 1
    with page.expect_download() as download:
        visit.tab_to("#packet-pdf")
        page.keyboard.press("Enter")
    assert download.value.suggested_filename.endswith(".pdf")
    visit.open("/console/privacy/alerts/")
    visit.check("console-privacy-alerts")
    visit.open("/console/privacy/transparency/")
    visit.check("console-privacy-transparency")
    sign_in(visit, setting["counsel"])
    visit.open("/console/privacy/restrictions/")
    visit.check("console-privacy-restrictions")
    visit.open("/console/privacy/accounting/?purpose=audit")
    assert "Metro County Sheriff" in page.locator("#accounting").inner_text()
    visit.check("console-privacy-accounting")
