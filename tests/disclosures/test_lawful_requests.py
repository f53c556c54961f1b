"""ADR 0014: a (b)(7) request to the letter (particular portion, a listed signer confirmed by a second
official), informal requests refused, and routine uses in force only 30 days after publication."""

import datetime as dt

import pytest
from django.utils import timezone

from frontdesk.accounts.actors import SystemActor
from frontdesk.disclosures.catalog import CatalogError, catalog_load, catalog_parse, rules_from_entries
from frontdesk.disclosures.categories import RELEASABLE
from frontdesk.disclosures.engine import engine_in_force, forget_engines
from frontdesk.disclosures.expiry import evidence_wait, requests_refuse_without_evidence
from frontdesk.disclosures.models import DisclosureRequest, Release
from frontdesk.disclosures.policy import Facts, day_number
from frontdesk.ledger.models import LedgerEvent

from .conftest import confirm_position, evidence, post, release, request_body, sign, take_in

pytestmark = pytest.mark.django_db

B7 = "5 U.S.C. 552a(b)(7); 20 CFR 401.155"
SCHEDULER = SystemActor("scheduler")


def events(kind: str) -> list[LedgerEvent]:
    return list(LedgerEvent.objects.filter(type=kind).order_by("id"))


# --- (b)(7): the particular portion --------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"categories": sorted(RELEASABLE)},  # every category: "all records"
        {"records_from": None, "records_to": None},  # no period
        {"records_to": None},  # a period with no end
    ],
    ids=["every-category", "no-period", "open-ended"],
)
def test_a_blanket_b7_request_is_recorded_and_refused_with_the_citation(catalog, clients, appointment, change):
    received = take_in(clients["clerk"], **change)
    assert DisclosureRequest.objects.filter(public_id=received["id"]).exists()  # recorded: a refusal is evidence
    assert received["decision"]["status"] == "denied"
    # Refused as a whole, with the citation: not released in part under another heading.
    for category in received["decision"]["categories"]:
        assert category["outcome"] == "denied", category
        if category["category"] in ("appointment_schedule", "identity", "contact_details", "address"):
            assert category["unmet_requirements"] == ["portion"]
            assert B7 in category["reason"] and "particular portion" in category["reason"]
    # Three sign-offs cannot change it: nothing awaits sign-off, nothing is released.
    assert sign(clients["manager"], received["id"], "office_manager").status_code == 409
    refused = release(clients["rpo"], received["id"])
    assert refused.status_code == 409 and refused.json()["code"] == "not_approved"
    assert not Release.objects.exists()


def test_narrowing_a_blanket_request_lets_it_be_decided_again(catalog, clients, appointment):
    received = take_in(clients["clerk"], records_from=None, records_to=None)
    assert received["decision"]["status"] == "denied"
    patched = clients["clerk"].patch(
        f"/api/v1/disclosures/requests/{received['id']}",
        {"records_from": "2027-03-01", "records_to": "2027-03-31"},
        content_type="application/json",
    )
    assert patched.status_code == 200 and patched.json()["decision"]["status"] == "awaiting_signoff"


# --- (b)(7): who signed ----------------------------------------------------------------------------


def test_a_detectives_letter_is_refused_whatever_its_evidence_label(catalog, clients, appointment):
    received = take_in(
        clients["clerk"],
        requester_official="Det. Sam Ortiz",
        requester_title="Detective",
        requester_position="other",
    )
    [schedule] = received["decision"]["categories"]
    assert schedule["outcome"] == "denied" and schedule["unmet_requirements"] == ["signer_position"]
    assert "section chief" in schedule["reason"] and "552a(b)(7)" in schedule["reason"]
    refused = confirm_position(received["id"], "other")
    assert refused.status_code == 409 and refused.json()["code"] == "position_not_listed"
    [event] = events("disclosures.request.position_confirm.refused")
    assert event.event["refs"]["reason"] == "position_not_listed"


def test_a_position_listed_for_another_kind_of_agency_does_not_count(catalog, clients, appointment):
    received = take_in(
        clients["clerk"],
        requester_agency="Maine Department of Health and Human Services",
        agency_type="state_local",
        purpose="program_fraud_investigation",
        crime_class="program_fraud",
        subject_status="none",
        categories=["benefit_information"],
        requester_position="special_agent_in_charge",  # listed for federal agencies only
        evidence=[evidence("written_request_agency_head")],
        confirm=False,
    )
    [benefits] = received["decision"]["categories"]
    assert benefits["outcome"] == "denied" and benefits["unmet_requirements"] == ["signer_position"]


def test_a_listed_position_waits_for_a_second_officials_confirmation(catalog, clients, staff, appointment):
    received = take_in(clients["clerk"], confirm=False)
    [schedule] = received["decision"]["categories"]
    assert schedule["outcome"] == "needs_evidence"
    assert schedule["missing_evidence"] == ["requester_position_confirmed"]
    assert received["requester"]["position"] == "agency_head"
    assert received["requester"]["position_confirmation"] is None
    assert sign(clients["manager"], received["id"], "office_manager").status_code == 409

    # The intake clerk cannot confirm what they typed in; a second clerk holds no sign-off role.
    mine = confirm_position(received["id"], by="clerk")
    assert mine.status_code == 403 and mine.json()["code"] == "intake_clerk_cannot_confirm"
    assert confirm_position(received["id"], by="clerk2").status_code in (403, 404)  # not theirs to see
    stale = confirm_position(received["id"], "deputy_agency_head", by="manager")
    assert stale.status_code == 409 and stale.json()["code"] == "position_changed"
    assert len(events("disclosures.request.position_confirm.refused")) >= 2
    assert not events("disclosures.request.position_confirmed")

    confirmed = confirm_position(received["id"], by="manager")
    assert confirmed.status_code == 200, confirmed.content
    body = confirmed.json()
    assert body["decision"]["status"] == "awaiting_signoff"
    assert body["requester"]["position_confirmation"]["confirmed_by"] == "manager"
    [event] = events("disclosures.request.position_confirmed")
    assert event.event["actor"] == "staff:manager" and event.event["refs"]["position"] == "agency_head"
    assert "Rivera" not in event.canonical
    again = confirm_position(received["id"], by="rpo")
    assert again.status_code == 409 and again.json()["code"] == "already_confirmed"


def test_changing_the_requester_or_filing_a_new_letter_ends_the_confirmation(catalog, clients, appointment):
    received = take_in(clients["clerk"])
    assert received["decision"]["status"] == "awaiting_signoff"
    path = f"/api/v1/disclosures/requests/{received['id']}"
    edited = clients["clerk"].patch(path, {"requester_official": "Lt. Someone Else"}, content_type="application/json")
    assert edited.json()["requester"]["position_confirmation"] is None
    assert edited.json()["decision"]["status"] == "needs_evidence"
    [gone] = events("disclosures.request.position_unconfirmed")
    assert gone.event["refs"]["because"] == "requester_edited"

    assert confirm_position(received["id"]).status_code == 200
    letter = post(clients["clerk"], f"/requests/{received['id']}/evidence", evidence("written_request_agency_head"))
    assert letter.status_code == 201
    detail = clients["rpo"].get(path).json()
    assert detail["requester"]["position_confirmation"] is None
    assert detail["decision"]["status"] == "needs_evidence"


def test_the_confirmation_cannot_be_uploaded_as_a_document(catalog, clients, appointment):
    body = request_body(evidence=[evidence("written_request_agency_head"), evidence("requester_position_confirmed")])
    response = post(clients["clerk"], "/requests", body)
    assert response.status_code == 422
    assert not DisclosureRequest.objects.exists()


def test_the_catalog_lists_the_positions_and_marks_the_unverified(catalog, clients):
    listed = clients["clerk"].get("/api/v1/disclosures/catalog").json()["requesting_positions"]
    by_code = {p["code"]: p for p in listed}
    assert by_code["agency_head"]["illustrative"] is False
    assert all(p["illustrative"] for code, p in by_code.items() if code != "agency_head")
    assert "detective" not in str(listed).lower()


# --- Informal requests -------------------------------------------------------------------------------


def test_a_request_citing_an_authority_waits_for_its_documents_then_is_refused(catalog, clients, appointment, settings):
    settings.FRONTDESK_EVIDENCE_WAIT_DAYS = 30
    waiting = take_in(clients["clerk"], evidence=[])  # cites (b)(7): not informal, but nothing on file
    with_letter = take_in(clients["clerk"])
    assert waiting["status"] == "needs_evidence" and waiting["closed_reason"] == ""
    received_at = DisclosureRequest.objects.get(public_id=waiting["id"]).received_at

    assert requests_refuse_without_evidence(actor=SCHEDULER, now=received_at + dt.timedelta(days=29)) == 0
    assert requests_refuse_without_evidence(actor=SCHEDULER, now=received_at + dt.timedelta(days=30)) == 1
    closed = DisclosureRequest.objects.get(public_id=waiting["id"])
    assert closed.status == "refused" and closed.closed_reason == "evidence_not_received"
    assert DisclosureRequest.objects.get(public_id=with_letter["id"]).status == "awaiting_signoff"
    [event] = events("disclosures.request.refused")
    assert event.event["refs"]["reason"] == "evidence_not_received"
    assert event.event["actor"].endswith("system:scheduler")
    # Closed means closed: no document, sign-off or release afterwards.
    late = post(clients["clerk"], f"/requests/{waiting['id']}/evidence", evidence("written_request_agency_head"))
    assert late.status_code == 409
    assert requests_refuse_without_evidence(actor=SCHEDULER, now=received_at + dt.timedelta(days=60)) == 0


def test_the_evidence_wait_is_a_setting(catalog, clients, appointment, settings):
    settings.FRONTDESK_EVIDENCE_WAIT_DAYS = 5
    waiting = take_in(clients["clerk"], evidence=[])
    received_at = DisclosureRequest.objects.get(public_id=waiting["id"]).received_at
    assert requests_refuse_without_evidence(actor=SCHEDULER, now=received_at + dt.timedelta(days=5)) == 1


def test_the_scheduler_runs_the_refusal(catalog, clients, appointment):
    from frontdesk.jobs.schedule import JOBS_BY_NAME, job_run

    waiting = take_in(clients["clerk"], evidence=[])
    later = timezone.now() + evidence_wait() + dt.timedelta(hours=1)
    run = job_run(JOBS_BY_NAME["requests_refuse_without_evidence"], now=later)
    assert run.outcome == "succeeded" and run.counts == {"refused": 1}
    assert DisclosureRequest.objects.get(public_id=waiting["id"]).status == "refused"


# --- Routine uses: (e)(11) ------------------------------------------------------------------------------

ROUTINE_USE = """
catalog: test
version: "test-ru-{version}"
effective_from: 2020-01-01
system_of_records: "60-0350"
authorities:
  - id: RU-TEST-NEW-USE
    title: "Invented routine use, published on 2026-08-20"
    kind: routine_use
    provenance: illustrative
    illustrative: true
    citation: "none: a test fixture"
    summary: "Benefit information to a state program."
    recipients: [state_local]
    purposes: [benefit_eligibility]
    categories: [benefit_information]
    evidence: [program_agreement]
    signoff_roles: [office_manager, regional_privacy_officer]
    accounting: {{required: true, subject_may_see: true}}
    published_on: 2026-08-20
    effective_from: {effective}
restrictions: []
"""
FACTS = Facts(
    agency_type="state_local",
    agency="state medicaid",
    purpose="benefit_eligibility",
    evidence=frozenset({"program_agreement"}),
    signed_roles=frozenset({"office_manager", "regional_privacy_officer"}),
)


def test_the_loader_refuses_a_routine_use_in_force_before_its_thirty_days():
    # Published 20 August: day 1 is 21 August, day 30 is 19 September (1 CFR 18.17; SSA, 90 FR 40687).
    with pytest.raises(CatalogError, match=r"in force from 2026-09-19 at the earliest"):
        catalog_parse(ROUTINE_USE.format(version=1, effective="2026-09-18"))
    catalog_parse(ROUTINE_USE.format(version=2, effective="2026-09-19"))
    without_date = ROUTINE_USE.format(version=3, effective="2026-09-19").replace("    published_on: 2026-08-20\n", "")
    with pytest.raises(CatalogError, match="published_on"):
        catalog_parse(without_date)


def test_a_routine_use_decides_from_day_thirty_after_publication_not_day_twenty_nine():
    forget_engines()
    catalog_load(actor=SystemActor("tests"), text=ROUTINE_USE.format(version=4, effective="2026-09-19"))
    engine = engine_in_force()
    published = dt.date(2026, 8, 20)
    day_29 = FACTS.__class__(**{**FACTS.__dict__, "today": day_number(published + dt.timedelta(days=29))})
    day_30 = FACTS.__class__(**{**FACTS.__dict__, "today": day_number(published + dt.timedelta(days=30))})
    assert not engine.evaluate(day_29, "benefit_information").allowed
    assert engine.evaluate(day_30, "benefit_information").allowed


def test_the_engine_applies_the_thirty_days_whatever_the_stored_date_says():
    parsed = catalog_parse(ROUTINE_USE.format(version=5, effective="2026-09-19"))
    [entry] = parsed.entries
    early = {**entry, "effective_from": dt.date(2026, 8, 20)}  # as if stored without the loader's check
    rules = rules_from_entries([early], label="stored")
    [rule] = rules.permits
    assert rule.valid_from == day_number(dt.date(2026, 9, 19))


def test_the_confirm_button_is_the_services_answer(catalog, clients, staff, appointment):
    from frontdesk.disclosures.models import DisclosureRequest
    from frontdesk.disclosures.signer_position import position_confirm_refusal

    # A manager who took the request in may sign others off, but never confirm what they typed in; the
    # page used to offer them the button anyway.
    received = take_in(clients["manager"], confirm=False)
    found = DisclosureRequest.objects.get(public_id=received["id"])
    for who, expected in (("manager", "intake_clerk_cannot_confirm"), ("manager2", None), ("rpo", None)):
        refusal = position_confirm_refusal(staff[who], found, found.requester_position)
        assert (refusal.code if refusal else None) == expected, who
        assert position_confirm_refusal(staff[who], found, "deputy_agency_head") is not None
