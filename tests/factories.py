"""Test data builders: offices with hours in a real zone, staff, interpreters, people, a booking."""

from datetime import date, datetime, time

import factory
from django.contrib.auth.models import Group, User

from frontdesk.accounts.models import StaffProfile
from frontdesk.accounts.roles import Role
from frontdesk.offices.models import Office, OfficeHours, Resource, ResourceKind
from frontdesk.scheduling.catalog import SKILLS
from frontdesk.scheduling.models import Appointment, Service
from frontdesk.scheduling.services import PersonDetails, appointment_book


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Office
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"T{n:02d}")
    name = factory.Sequence(lambda n: f"Test Office {n}")
    address_lines = ["100 Main St"]
    city = "Testville"
    state = "NY"
    zip_code = "10007"
    phone = "8005551234"
    latitude = 40.7136
    longitude = -74.0078
    timezone = "America/New_York"
    region = 2

    @factory.post_generation
    def hours(self, create, extracted, **kwargs):
        opens, closes = extracted or (time(9), time(16))
        OfficeHours.objects.bulk_create(
            OfficeHours(office=self, weekday=d, opens=opens, closes=closes) for d in range(5)
        )


def staff_resource(office: Office, name: str = "Agent", skills=None, languages=("en",)) -> Resource:
    return Resource.objects.create(
        office=office, kind=ResourceKind.STAFF, name=name, skills=list(skills or SKILLS), languages=list(languages)
    )


def interpreter(office: Office, language: str = "ase", remote: bool = False, name: str = "Interpreter") -> Resource:
    return Resource.objects.create(
        office=office, kind=ResourceKind.INTERPRETER, name=name, languages=[language], remote=remote
    )


def staff_user(username: str, role: Role, office: Office | None = None, region: int | None = None) -> User:
    user = User.objects.create_user(username=username, password="not-used-in-tests-1")
    group, _ = Group.objects.get_or_create(name=role.value)
    user.groups.add(group)
    StaffProfile.objects.create(
        user=user, office=office, region=region if region else (office.region if office else None)
    )
    return user


def person(last_name: str = "Rivera", **overrides) -> PersonDetails:
    fields = {
        "first_name": "Ana",
        "last_name": last_name,
        "date_of_birth": date(1960, 5, 17),
        "email": "ana@example.org",
        "phone": "2125550100",
    }
    return PersonDetails(**(fields | overrides))


def direct_deposit_booking(
    office: Office, when: datetime, last_name: str = "Rivera", now: datetime | None = None, **details
) -> Appointment:
    """A direct-deposit change in person, booked through the service as a person would (no actor)."""
    return appointment_book(
        actor=None,
        office=office,
        service=Service.objects.get(code="direct_deposit_change"),
        mode="in_person",
        starts_at=when,
        person=person(last_name, **details),
        now=now,
    )
