"""The benchmark dataset and the demo: realistic, never double-booked, reproducible, rerunnable."""

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from io import StringIO
from itertools import pairwise

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from frontdesk.accounts.models import StaffProfile
from frontdesk.accounts.roles import Role
from frontdesk.disclosures.models import AccountingEntry, AuthorityCatalog, DisclosureRequest, Restriction
from frontdesk.ledger.models import LedgerEvent
from frontdesk.offices.models import Absence, Office, Resource, ResourceKind, Shift
from frontdesk.scheduling.availability import Need, office_slots
from frontdesk.scheduling.models import Appointment, Mode, Person, ResourceHold, Service, Status
from frontdesk.scheduling.names import name_key
from frontdesk.scheduling.seeding import SeedOptions, overlapping_holds, seed_offices
from frontdesk.stats.services import appointment_wait_seconds
from tests.factories import OfficeFactory

pytestmark = pytest.mark.django_db

START = date(2027, 3, 8)  # spans the DST change in the United States (2027-03-14)
NOW = datetime(2027, 3, 10, 17, tzinfo=UTC)  # some seeded days are already past


@pytest.fixture
def offices():
    return [
        OfficeFactory(code="S01", state="NY"),
        OfficeFactory(code="S02", state="AZ", zip_code="85007", timezone="America/Phoenix", region=9),
        OfficeFactory(
            code="S03",
            state="PR",
            zip_code="00926",
            timezone="America/Puerto_Rico",
            region=2,
            hours=(time(8), time(15)),
        ),
    ]


def seed(offices, **overrides):
    options = {"start": START, "days": 10, "fill": 0.7, "seed": 7, "now": NOW} | overrides
    return seed_offices(offices, SeedOptions(**options))


def fingerprint() -> dict:
    """What the seed produced, by public identifiers only (database ids may differ between runs)."""
    return {
        "resources": sorted(Resource.objects.values_list("public_id", "office__code", "kind", "name", "languages")),
        "holds": sorted(
            ResourceHold.objects.values_list("resource__public_id", "appointment__code", "starts_at", "active")
        ),
        "appointments": sorted(
            Appointment.objects.values_list("code", "public_id", "status", "mode", "interpreter_language")
        ),
        "persons": sorted(Person.objects.values_list("public_id", "first_name", "last_name", "date_of_birth")),
    }


def wipe() -> None:
    ResourceHold.objects.all().delete()
    Appointment.objects.all().delete()
    Person.objects.all().delete()
    Absence.objects.all().delete()
    Shift.objects.all().delete()
    Resource.objects.all().delete()


def test_no_resource_is_ever_held_twice(offices):
    seed(offices)

    assert overlapping_holds() == 0
    by_resource = defaultdict(list)
    active = ResourceHold.objects.filter(active=True)
    for rid, starts, ends in active.values_list("resource_id", "starts_at", "ends_at"):
        by_resource[rid].append((starts, ends))
    for intervals in by_resource.values():
        intervals.sort()
        assert all(a[1] <= b[0] for a, b in pairwise(intervals))


def test_the_database_refuses_a_seeded_resource_twice():
    # The database refuses a second hold of a held resource, and the one-query check agrees.
    office = OfficeFactory()
    seed([office], days=3)
    hold = ResourceHold.objects.filter(active=True).first()
    with transaction.atomic():
        hold.pk = None
        with pytest.raises(IntegrityError), transaction.atomic():
            hold.save()  # the database refuses it, as it must
    assert overlapping_holds() == 0


def test_about_the_requested_share_of_staff_time_is_booked(offices):
    report = seed(offices)

    assert 0.65 <= report.fill <= 0.75
    staff = set(Resource.objects.filter(kind=ResourceKind.STAFF).values_list("id", flat=True))
    held = sum(
        (h.ends_at - h.starts_at).total_seconds()
        for h in ResourceHold.objects.filter(resource_id__in=staff).exclude(appointment__status=Status.CANCELLED)
    )
    assert held == pytest.approx(report.held_staff_seconds)
    lighter = seed(offices, seed=8, start=date(2027, 4, 5), fill=0.3)
    assert 0.25 <= lighter.fill <= 0.35


def test_every_office_gets_staff_for_every_service_and_some_interpreters(offices):
    seed(offices, days=1)

    for office in offices:
        staff = Resource.objects.filter(office=office, kind=ResourceKind.STAFF)
        assert 8 <= staff.count() <= 20
        skills = {skill for member in staff for skill in member.skills}
        assert skills >= set(Service.objects.values_list("required_skill", flat=True))
    puerto_rico = Resource.objects.filter(office__code="S03", kind=ResourceKind.STAFF)
    assert sum("es" in member.languages for member in puerto_rico) >= 0.8 * puerto_rico.count()


def test_seeded_appointments_look_like_real_ones(offices):
    seed(offices)

    appointments = Appointment.objects.select_related("office", "service", "person")
    assert appointments.count() > 1000
    for appointment in appointments.iterator():
        zone = appointment.office.zone
        local, local_end = appointment.starts_at.astimezone(zone), appointment.ends_at.astimezone(zone)
        hours = appointment.office.hours.get(weekday=local.weekday())
        assert hours.opens <= local.time() and local_end.time() <= hours.closes
        assert local.minute % appointment.office.slot_minutes == 0
        assert local_end - local == timedelta(minutes=appointment.service.duration_minutes)
        assert appointment.mode in appointment.service.modes
        if appointment.ends_at <= NOW:
            assert appointment.status in (Status.COMPLETED, Status.NO_SHOW, Status.CANCELLED)
        # Only someone served in person checked in: before they were served, and close to their time.
        if appointment.checked_in_at is not None:
            assert appointment.status == Status.COMPLETED and appointment.mode == Mode.IN_PERSON
            assert abs(appointment.checked_in_at - appointment.starts_at) <= timedelta(minutes=20)
            assert appointment.checked_in_at < appointment.completed_at <= NOW
        elif appointment.status == Status.COMPLETED:
            assert appointment.mode == Mode.PHONE
    # The wait in the office: from the booked time (or a late arrival) to being served, less the service.
    served = appointments.filter(checked_in_at__isnull=False)
    waits = sorted(appointment_wait_seconds(a) for a in served)
    assert len(waits) > 100 and 3 * 60 <= waits[len(waits) // 2] <= 10 * 60
    assert not appointments.filter(starts_at__date=date(2027, 3, 13)).exists()  # a Saturday
    persons = Person.objects.all()
    assert persons.filter(ssn_hash__isnull=True, ssn_encrypted="").count() == persons.count()
    assert all(p.last_name_key == name_key(p.last_name) for p in persons.iterator())
    assert LedgerEvent.objects.count() == 0  # a bulk load of history, not bookings made by people


def test_availability_sees_the_seeded_load(offices):
    seed(offices)
    office = Office.objects.get(code="S01")
    need = Need(service=Service.objects.get(code="direct_deposit_change"), mode="in_person")

    slots = office_slots(office=office, need=need, start=date(2027, 3, 11), end=date(2027, 3, 17), limit=500, now=NOW)

    assert slots  # 30% of staff time is free
    for slot in slots:
        # An offered slot has some staff member who can do it and is free at that time.
        busy = ResourceHold.objects.filter(
            resource__office=office, active=True, starts_at__lt=slot.ends_at, ends_at__gt=slot.starts_at
        ).values_list("resource_id", flat=True)
        free = Resource.objects.filter(office=office, kind=ResourceKind.STAFF).exclude(id__in=busy)
        assert any("post_entitlement" in member.skills for member in free)


def test_the_same_seed_gives_the_same_rows_and_another_seed_does_not(offices):
    seed(offices, days=5)
    first = fingerprint()
    wipe()
    seed(offices, days=5)
    assert fingerprint() == first
    wipe()
    seed(offices, days=5, seed=8)
    assert fingerprint()["holds"] != first["holds"]


def test_rerunning_adds_nothing_once_the_target_is_reached(offices):
    first = seed(offices)
    again = seed(offices)

    assert first.appointments > 1000
    assert again.resources == 0
    assert again.appointments <= first.appointments * 0.01
    assert overlapping_holds() == 0


def test_the_seed_command_reports_its_speed(offices):
    out = StringIO()
    call_command("seed", "--days", "3", "--start", "2027-03-08", "--seed", "3", "--verify", stdout=out)

    text = out.getvalue()
    assert "seeded 3 offices" in text and "rows/s" in text
    assert "overlapping active holds: 0" in text


def test_demo_staffs_every_office_holds_outside_requests_and_keeps_its_sign_ins(tmp_path):
    call_command("import_offices", stdout=StringIO(), stderr=StringIO())
    signins = tmp_path / "demo-signins.txt"
    out = StringIO()

    call_command("demo", "--signins", str(signins), stdout=out)

    assert not Office.objects.filter(resources__isnull=True).exists()
    assert Appointment.objects.filter(office__code="001").exists()
    # Four weeks of history, served and missed, for the manager's dashboards.
    weeks_ago = timezone.now() - timedelta(days=7)
    past = Appointment.objects.filter(office__code="001", starts_at__lt=weeks_ago)
    assert past.filter(status=Status.COMPLETED).exists() and past.filter(status=Status.NO_SHOW).exists()
    lines = signins.read_text().splitlines()
    assert lines[0] == "username\trole\toffice\tpassword" and len(lines) == 13
    assert oct(signins.stat().st_mode & 0o777) == "0o600"
    passwords = {line.split("\t")[0]: line.split("\t")[3] for line in lines[1:]}
    for username, password in passwords.items():
        assert password in out.getvalue()
        assert User.objects.get(username=username).check_password(password)
    clerk = User.objects.get(username="clerk.001")
    assert list(clerk.groups.values_list("name", flat=True)) == [Role.COUNTER_CLERK.value]
    assert clerk.staff_profile.office.code == "001"
    privacy = StaffProfile.objects.get(user__username="privacy.region1")
    assert privacy.office is None and privacy.region == 1
    # The privacy office has a catalog in force and requests in every state, made through the services.
    assert AuthorityCatalog.objects.exists() and "authority catalog" in out.getvalue()
    statuses = sorted(DisclosureRequest.objects.values_list("status", flat=True))
    assert statuses == ["awaiting_signoff", "denied", "refused", "rejected", "released"]
    assert DisclosureRequest.objects.get(status="refused").closed_reason == "informal_request"
    released = DisclosureRequest.objects.get(status="released")
    assert released.position_confirmed_by.username == "privacy.region1"
    assert released.release and AccountingEntry.objects.filter(release__request=released).exists()
    roles = {"office_manager", "regional_privacy_officer", "general_counsel"}
    assert {s.role for s in released.sign_offs.all()} == roles
    assert len({s.signer_id for s in released.sign_offs.all()} | {released.intake_by_id}) == 4
    restriction = Restriction.objects.get(kind="court_order")
    restricted = DisclosureRequest.objects.get(agency_type="immigration")
    assert restricted.status == "denied" and restriction.code in str(restricted.decision)
    assert LedgerEvent.objects.filter(type="disclosures.request.released").count() == 1
    counts = (
        User.objects.count(),
        Appointment.objects.count(),
        Resource.objects.count(),
        DisclosureRequest.objects.count(),
        Restriction.objects.count(),
    )

    # An administrator's change in the console outlives a rerun of the demo.
    clerk.groups.clear()
    call_command("demo", "--signins", str(signins), stdout=StringIO())

    assert not clerk.groups.exists()
    assert (
        User.objects.count(),
        Appointment.objects.count(),
        Resource.objects.count(),
        DisclosureRequest.objects.count(),
        Restriction.objects.count(),
    ) == counts
    assert signins.read_text().splitlines() == lines
