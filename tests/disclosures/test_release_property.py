"""Property: whatever is asked, signed and restricted, no released field belongs to a category that no
valid authority covers for that recipient, purpose, date, evidence and sign-offs, or that a restriction
forbids; and every release is accounted for in the same transaction (invariants 2 and 3, docs/architecture.md).

The expectation is computed here straight from the catalog file, independently of the engine."""

import datetime as dt

import pytest
import yaml
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from frontdesk.core.errors import DomainError
from frontdesk.disclosures.catalog import DEFAULT_PATH
from frontdesk.disclosures.categories import RELEASABLE, SERVICE_REVEALS, categories_of
from frontdesk.disclosures.inputs import EvidenceUpload, RequestDetails, RestrictionDetails, SubjectDetails
from frontdesk.disclosures.intake import request_receive
from frontdesk.disclosures.models import AccountingEntry
from frontdesk.disclosures.packet import RECORD_FIELDS, packet_body
from frontdesk.disclosures.policy import agency_key
from frontdesk.disclosures.release import request_release
from frontdesk.disclosures.restrictions import restriction_save
from frontdesk.disclosures.signer_position import request_position_confirm
from frontdesk.disclosures.signing import request_sign_off
from frontdesk.disclosures.vocabulary import (
    RECORDED_EVIDENCE,
    AgencyType,
    CrimeClass,
    EvidenceKind,
    Purpose,
    SubjectStatus,
)
from frontdesk.floor.models import Ticket
from frontdesk.scheduling.models import Service

from .conftest import book

pytestmark = pytest.mark.django_db

CATALOG = yaml.safe_load(DEFAULT_PATH.read_text())
SYSTEM = CATALOG["system_of_records"]
AUTHORITIES = [a for a in CATALOG["authorities"] if a.get("applies_to_system", SYSTEM) == SYSTEM]
AGENCIES = ["Metro County Sheriff", "U.S. Immigration and Customs Enforcement", "State Medicaid Agency", "ICE"]
ROLE_SIGNERS = {"office_manager": "manager", "regional_privacy_officer": "rpo", "general_counsel": "counsel"}
POSITIONS = {p["code"]: set(p["agency_types"]) for p in CATALOG["requesting_positions"]}
UPLOADABLE = sorted(set(EvidenceKind.values) - RECORDED_EVIDENCE)


SUBJECT = SubjectDetails(last_name="Rivera", first_name="Ana", date_of_birth=dt.date(1960, 5, 17))


class Rollback(Exception):
    pass


def _covers(entry, value, key):
    wanted = entry.get(key, "any")
    return wanted == "any" or value in wanted


def _in_force(entry, today):
    start = max(entry["effective_from"], CATALOG["effective_from"])
    if entry.get("published_on"):  # 5 U.S.C. 552a(e)(11): 30 days after the Federal Register notice
        start = max(start, entry["published_on"] + dt.timedelta(days=30))
    end = entry.get("effective_until")
    return start <= today and (end is None or today <= end)


def _request_facts(request):
    """The request-shape facts, from the law's words: a particular portion, a listed signer."""
    blanket = set(request["categories"]) >= RELEASABLE or not (request["records_from"] and request["records_to"])
    position = request["requester_position"]
    listed = position in POSITIONS and request["agency_type"] in POSITIONS[position]
    return {
        "portion": "blanket" if blanket else "particular",
        "signer_position": "none" if not position else "listed" if listed else "unlisted",
    }


def allowed_categories(request, evidence, signed_roles, restriction, today):
    """Categories some authority covers for this request, minus those any restriction forbids."""
    covered = set()
    if not evidence - RECORDED_EVIDENCE:
        return covered  # no document and no authority cited: refused as informal at intake
    shape = _request_facts(request)
    for a in AUTHORITIES:
        facts = a.get("facts", {})
        if (
            all(shape[name] in facts.get(name, [shape[name]]) for name in shape)
            and _covers(a, request["agency_type"], "recipients")
            and _covers(a, request["purpose"], "purposes")
            and request["crime_class"] in facts.get("crime_class", [request["crime_class"]])
            and request["subject_status"] in facts.get("subject_status", [request["subject_status"]])
            and _in_force(a, today)
            and set(a["evidence"]) <= evidence
            and set(a["signoff_roles"]) <= signed_roles
        ):
            covered |= set(a["categories"])
    forbidden = set()
    restrictions = [
        {**r, "agencies": [agency_key(x) for x in r.get("agencies", [])]} for r in CATALOG.get("restrictions", [])
    ]
    if restriction:
        restrictions.append(restriction)
    for r in restrictions:
        binds = (
            r.get("recipients", "any") in ("any", None)
            or request["agency_type"] in r["recipients"]
            or agency_key(request["requester_agency"]) in r.get("agencies", [])
        )
        if binds and _in_force(r, today):
            forbidden |= set(r["categories"])
    return covered - forbidden


@st.composite
def scenarios(draw):
    template = draw(st.sampled_from([None, *AUTHORITIES]))

    def pick(key, choices):
        values = template.get(key, "any") if template else "any"
        pool = choices if values == "any" or (draw(st.booleans()) and draw(st.booleans())) else values
        return draw(st.sampled_from(sorted(pool)))

    facts = template.get("facts", {}) if template else {}
    evidence = set(template["evidence"]) if template else set()
    evidence = {e for e in evidence if draw(st.integers(0, 9)) > 1} | draw(
        st.sets(st.sampled_from(UPLOADABLE), max_size=2)
    )
    roles = set(template["signoff_roles"]) if template else set()
    roles = {r for r in roles if draw(st.integers(0, 9)) > 1} | draw(st.sets(st.sampled_from(list(ROLE_SIGNERS))))
    base = sorted(template["categories"]) if template else []
    categories = sorted(
        set(draw(st.lists(st.sampled_from(base), max_size=3)) if base else [])
        | draw(st.sets(st.sampled_from(sorted(RELEASABLE)), max_size=2))
    ) or ["appointment_schedule"]
    restriction = None
    if draw(st.integers(0, 9)) < 4:
        restriction = {
            "recipients": draw(st.none() | st.lists(st.sampled_from(AgencyType.values), min_size=1, max_size=2)),
            "agencies": [],
            "categories": draw(st.lists(st.sampled_from(sorted(RELEASABLE)), min_size=1, max_size=3, unique=True)),
            "effective_from": dt.date(2020, 1, 1),
        }
    return {
        "request": {
            "agency_type": pick("recipients", AgencyType.values),
            "purpose": pick("purposes", Purpose.values),
            "crime_class": draw(st.sampled_from(facts.get("crime_class", CrimeClass.values))),
            "subject_status": draw(st.sampled_from(facts.get("subject_status", SubjectStatus.values))),
            "requester_agency": draw(st.sampled_from(AGENCIES)),
            "categories": categories,
            "requester_position": draw(st.sampled_from(["", "other", *sorted(POSITIONS)])),
            "records_from": draw(st.none() | st.just(dt.date(2027, 1, 1))),
            "records_to": draw(st.sampled_from([dt.date(2027, 12, 31), None])),
        },
        "evidence": evidence,
        "roles": roles,
        "restriction": restriction,
    }


@pytest.fixture
def people(office):
    review = book(office, service="noncitizen_eligibility_review", ssn="123-45-6789", day=15, hour=10)
    book(office, ssn="123-45-6789", day=16, hour=11)
    Ticket.objects.create(  # a walk-in the clerk recorded as theirs
        office=office,
        kind="walk_in",
        service=Service.objects.get(code="medicare_enrollment"),
        local_date=dt.date(2027, 3, 17),
        number=1,
        person=review.person,
        at_counter=True,
        issued_at=dt.datetime(2027, 3, 17, 14, tzinfo=dt.UTC),
    )
    book(office, last_name="Okafor", first_name="Chidi", date_of_birth=dt.date(1975, 2, 3), day=15, hour=13)
    return review.person


def _field_categories(record, key, value):
    spec = next(s for s in RECORD_FIELDS[record] if s.key == key)
    categories = categories_of(spec.model, spec.field)
    if spec.field == "service":
        categories |= SERVICE_REVEALS.get(value["code"], frozenset({"benefit_information"}))
    return categories


@settings(
    max_examples=45,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenario=scenarios())
def test_no_released_field_lies_outside_what_a_valid_authority_allows(catalog, staff, people, scenario):
    request_fields = scenario["request"]
    today = timezone.localdate()
    try:
        with transaction.atomic():
            if scenario["restriction"]:
                r = scenario["restriction"]
                restriction_save(
                    actor=staff["counsel"],
                    details=RestrictionDetails(
                        kind="court_order",
                        title="Generated order",
                        citation="No. 0",
                        categories=tuple(r["categories"]),
                        effective_from=r["effective_from"],
                        recipients=None if r["recipients"] is None else tuple(r["recipients"]),
                    ),
                )
            request = request_receive(
                actor=staff["clerk"],
                details=RequestDetails(
                    channel="mail",
                    requester_official="Director",
                    requester_contact="director@example.gov",
                    requester_address="1 Main St",
                    **{**request_fields, "categories": tuple(request_fields["categories"])},
                ),
                subjects=[SUBJECT],
                evidence=[
                    EvidenceUpload(kind=k, filename="doc.txt", content_type="text/plain", content=k.encode())
                    for k in sorted(scenario["evidence"] - RECORDED_EVIDENCE)
                ],
            )
            evidence = set(scenario["evidence"]) - RECORDED_EVIDENCE
            if "requester_position_confirmed" in scenario["evidence"]:
                try:  # a second official confirms the signer from the letter, when the rules allow it
                    request_position_confirm(
                        actor=staff["counsel"], request=request, position=request.requester_position
                    )
                    evidence.add("requester_position_confirmed")
                except DomainError:
                    pass
            signed = set()
            for role in sorted(scenario["roles"]):
                try:
                    request_sign_off(actor=staff[ROLE_SIGNERS[role]], request=request, role=role)
                    signed.add(role)
                except DomainError:
                    pass
            try:
                release = request_release(actor=staff["rpo"], request=request)
            except DomainError:
                release = None
            allowed = allowed_categories(request_fields, evidence, signed, scenario["restriction"], today) & set(
                request_fields["categories"]
            )
            event("released" if release else "nothing released")
            if release is None:
                assert not allowed, f"{sorted(allowed)} should have been releasable"
                raise Rollback
            assert set(release.categories) == allowed
            packet = packet_body(release)
            for subject in packet["subjects"]:
                for record in subject["records"]:
                    for key, value in record["fields"].items():
                        assert _field_categories(record["record"], key, value) <= allowed, (record["record"], key)
            entries = AccountingEntry.objects.filter(release=release)
            assert [e.person_id for e in entries] == [people.id]
            assert "Okafor" not in str(packet)
            raise Rollback
    except Rollback:
        pass
