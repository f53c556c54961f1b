"""Outside requests for the demo, each taken through the real services to a different state.

So that a newcomer who signs in after `make run` sees the whole process: a written (b)(7) request
naming a records period, its signer's position confirmed by the privacy officer, released after three
sign-offs (and accounted), one awaiting its last sign-offs, an officer's question at the counter that
cites nothing and files nothing (refused at once as informal, ADR 0014), one an official rejected,
and an immigration agency's request that a court order recorded by general counsel forbids. The
people named are people with upcoming appointments at the demo office, so the release matches real
records.

Nothing here bypasses a rule: every step is the service a staff member's click calls, with the
demo user who holds the role, and every step is on the ledger.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from frontdesk.accounts.actors import SystemActor
from frontdesk.scheduling.models import ACTIVE_STATUSES, Appointment

from . import intake, release, restrictions, signer_position, signing
from .catalog import catalog_latest, catalog_load
from .inputs import EvidenceUpload, RequestDetails, RestrictionDetails, SubjectDetails
from .models import DisclosureRequest, Restriction

# The demo's office and the usernames `frontdesk demo` gives its staff (see its command).
OFFICE = "001"
CLERK, MANAGER, PRIVACY, COUNSEL = "clerk.001", "manager.001", "privacy.region1", "counsel"
COURT_ORDER_CITATION = "Doe v. Agency, No. 2:26-cv-00417 (D. Me.), protective order (demo)"


@dataclass(frozen=True)
class DemoRequests:
    created: int
    catalog_version: str


def _letter(title: str, lines: list[str]) -> EvidenceUpload:
    """A plain-text stand-in for a scanned, signed letter (text/plain is an accepted evidence type)."""
    text = "\n".join([title, "", *lines, "", "(Demo document: not a real request.)", ""])
    return EvidenceUpload(
        kind="written_request_agency_head",
        filename="written-request.txt",
        content_type="text/plain",
        content=text.encode(),
        description=title,
    )


def _indictment(docket: str) -> EvidenceUpload:
    text = f"Indictment, {docket}\n\nA true bill returned by the grand jury.\n\n(Demo document.)\n"
    return EvidenceUpload(
        kind="indictment_or_conviction",
        filename="indictment.txt",
        content_type="text/plain",
        content=text.encode(),
        description=f"Indictment {docket}",
    )


def people_with_appointments(count: int) -> list[SubjectDetails]:
    """The people behind the demo office's next appointments: a release then matches real records."""
    people = []
    seen = set()
    upcoming = (
        Appointment.objects.filter(office__code=OFFICE, status__in=ACTIVE_STATUSES, starts_at__gte=timezone.now())
        .select_related("person")
        .order_by("starts_at", "id")
    )
    for appointment in upcoming[: count * 5]:
        person = appointment.person
        if person.pk in seen:
            continue
        seen.add(person.pk)
        people.append(
            SubjectDetails(first_name=person.first_name, last_name=person.last_name, date_of_birth=person.date_of_birth)
        )
        if len(people) == count:
            break
    return people


def _b7_details(agency: str, official: str, case: str, today: dt.date) -> RequestDetails:
    """A (b)(7) request to the letter: the head of the agency signs, and it names the particular portion
    (one category, and the records of a stated period)."""
    return RequestDetails(
        channel="mail",
        requester_agency=agency,
        requester_component="Criminal Investigation Division",
        requester_official=official,
        requester_title="Sheriff" if "Sheriff" in agency else "Colonel",
        requester_contact="records@example.gov",
        requester_address="25 Pearl Street, Portland, ME 04101",
        agency_type="law_enforcement",
        purpose="criminal_law_enforcement",
        purpose_detail=f"Homicide investigation, case {case}",
        crime_class="violent",
        subject_status="indicted",
        authority_cited="5 U.S.C. 552a(b)(7); 20 CFR 401.155(b)",
        categories=("appointment_schedule",),
        records_from=today - dt.timedelta(days=30),
        records_to=today + dt.timedelta(days=180),
        requester_position="agency_head",
    )


def demo_release(
    *, users: tuple[Any, ...], agency: tuple[str, str], case: str, subject: SubjectDetails, now: dt.datetime
) -> DisclosureRequest:
    """A written (b)(7) request about an indicted person, from intake to release: the position
    confirmed, three sign-offs, then the release (also what the failover drill releases under load)."""
    clerk, manager, privacy, counsel = users
    released = intake.request_receive(
        actor=clerk,
        details=_b7_details(*agency, case, timezone.localdate(now)),
        subjects=[subject],
        evidence=[
            _letter("Request for records under 5 U.S.C. 552a(b)(7)", [f"Signed: {agency[1]}"]),
            _indictment(f"CR-{case}"),
        ],
        now=now - dt.timedelta(hours=9),
    )
    signer_position.request_position_confirm(
        actor=privacy, request=released, position="agency_head", now=now - dt.timedelta(hours=8, minutes=30)
    )
    for user, role in ((manager, "office_manager"), (privacy, "regional_privacy_officer")):
        signing.request_sign_off(actor=user, request=released, role=role, now=now - dt.timedelta(hours=8))
    signing.request_sign_off(actor=counsel, request=released, role="general_counsel", now=now - dt.timedelta(hours=7))
    release.request_release(actor=privacy, request=released, now=now - dt.timedelta(hours=6))
    return released


def demo_requests_ensure(*, now: dt.datetime | None = None) -> DemoRequests:
    """Put the authority catalog in force if none is, then add the demo requests once."""
    now = now or timezone.now()
    catalog = catalog_latest()
    if catalog is None:
        catalog = catalog_load(actor=SystemActor("demo"))
    if DisclosureRequest.objects.exists():
        return DemoRequests(created=0, catalog_version=catalog.version)
    users = {u.username: u for u in get_user_model().objects.filter(username__in=[CLERK, MANAGER, PRIVACY, COUNSEL])}
    missing = sorted({CLERK, MANAGER, PRIVACY, COUNSEL} - set(users))
    if missing:
        raise ValueError(f"The demo staff {', '.join(missing)} are missing: run `frontdesk demo` first.")
    subjects = people_with_appointments(3)
    if len(subjects) < 3:
        raise ValueError(f"Office {OFFICE} has fewer than three people with upcoming appointments.")
    clerk, manager, privacy, counsel = (users[name] for name in (CLERK, MANAGER, PRIVACY, COUNSEL))
    today = timezone.localdate(now)

    with transaction.atomic():
        # 1. Released: a written (b)(7) request about an indicted person, three sign-offs, then release.
        demo_release(
            users=(clerk, manager, privacy, counsel),
            agency=("Cumberland County Sheriff's Office", "Sheriff Kevin Joyce"),
            case="2026-0311",
            subject=subjects[0],
            now=now,
        )

        # 2. Awaiting sign-off: the office manager has signed; the privacy officer and counsel have not.
        waiting = intake.request_receive(
            actor=clerk,
            details=_b7_details("Maine State Police", "Col. Rebecca Perkins", "MSP-26-1187", today),
            subjects=[subjects[1]],
            evidence=[
                _letter("Request for records under 5 U.S.C. 552a(b)(7)", ["Signed: the Chief of the State Police"]),
                _indictment("MSP-26-1187"),
            ],
            now=now - dt.timedelta(hours=8),
        )
        signer_position.request_position_confirm(
            actor=privacy, request=waiting, position="agency_head", now=now - dt.timedelta(hours=7)
        )
        signing.request_sign_off(actor=manager, request=waiting, role="office_manager", now=now - dt.timedelta(hours=6))

        # 3. Refused as informal: an officer at the counter asks when someone's appointment is, citing no
        # authority and filing nothing. The rules close it at intake; the clerk hands over the notice.
        intake.request_receive(
            actor=clerk,
            details=RequestDetails(
                channel="in_person",
                requester_agency="Portland Police Department",
                requester_official="Officer J. Park",
                requester_title="Patrol officer",
                requester_contact="Badge 4471",
                requester_address="109 Middle Street, Portland, ME 04101",
                agency_type="law_enforcement",
                purpose="locate_person",
                purpose_detail="Asked at the counter when a person's next appointment is",
                categories=("appointment_schedule",),
            ),
            subjects=[subjects[2]],
            now=now - dt.timedelta(hours=5),
        )

        # 4. Rejected: a program-fraud request the general counsel refused.
        fraud = intake.request_receive(
            actor=clerk,
            details=RequestDetails(
                channel="email",
                requester_agency="Maine Department of Health and Human Services",
                requester_component="Office of Program Integrity",
                requester_official="Director of Program Integrity",
                requester_contact="integrity@example.gov",
                requester_address="221 State Street, Augusta, ME 04333",
                agency_type="state_local",
                purpose="program_fraud_investigation",
                purpose_detail="Review of a benefit case",
                crime_class="program_fraud",
                authority_cited="20 CFR 401.155(c)",
                categories=("benefit_information",),
            ),
            subjects=[subjects[2]],
            evidence=[_letter("Request for records, program integrity review", ["Signed: the Director"])],
            now=now - dt.timedelta(hours=7),
        )
        signing.request_reject(
            actor=counsel,
            request=fraud,
            role="general_counsel",
            reason="The letter is not signed by the head of the agency or a delegate not below section chief.",
            now=now - dt.timedelta(hours=4),
        )

        # 5. Restricted: general counsel records a court order; an immigration agency's request meets it.
        if not Restriction.objects.filter(citation=COURT_ORDER_CITATION).exists():
            restrictions.restriction_save(
                actor=counsel,
                details=RestrictionDetails(
                    kind="court_order",
                    title="Protective order: no appointment or address information to immigration enforcement",
                    citation=COURT_ORDER_CITATION,
                    summary="Demo order: no appointment schedules or addresses to immigration agencies.",
                    categories=("appointment_schedule", "address"),
                    recipients=("immigration",),
                    effective_from=timezone.localdate(now) - dt.timedelta(days=30),
                ),
                now=now - dt.timedelta(hours=3),
            )
        intake.request_receive(
            actor=clerk,
            details=RequestDetails(
                channel="fax",
                requester_agency="U.S. Immigration and Customs Enforcement",
                requester_component="Enforcement and Removal Operations",
                requester_official="Field Office Director",
                requester_contact="ero-boston@example.gov",
                requester_address="1000 District Avenue, Burlington, MA 01803",
                agency_type="immigration",
                purpose="immigration_enforcement",
                purpose_detail="Asks for the next appointment and home address",
                categories=("appointment_schedule", "address"),
            ),
            subjects=[subjects[1]],
            evidence=[_letter("Request for information", ["Signed: Field Office Director"])],
            now=now - dt.timedelta(hours=2),
        )
    return DemoRequests(created=5, catalog_version=catalog.version)
