from datetime import UTC, date, datetime, timedelta

import pytest

from frontdesk.accounts.roles import Role
from frontdesk.scheduling.codes import new_code
from frontdesk.scheduling.models import Appointment, Person, Service
from tests.factories import OfficeFactory, staff_resource, staff_user


@pytest.fixture
def office(db):
    office = OfficeFactory(code="F01", name="Floor Office")
    staff_resource(office, name="Agent One")
    return office


@pytest.fixture
def clerk(office):
    return staff_user("clerk", Role.COUNTER_CLERK, office)


@pytest.fixture
def service(db) -> Service:
    return next(s for s in Service.objects.filter(active=True).order_by("code") if "in_person" in s.modes)


@pytest.fixture
def make_appointment(office, service):
    def make(starts_in: timedelta = timedelta(minutes=20), last_name: str = "Rivera", mode: str = "in_person"):
        person = Person(
            first_name="Ana", last_name=last_name, last_name_key=last_name.lower(), date_of_birth=date(1960, 5, 17)
        )
        person.set_contact(phone="2125550100")
        person.save()
        starts = datetime.now(UTC).replace(microsecond=0) + starts_in
        return Appointment.objects.create(
            code=new_code(),
            person=person,
            office=office,
            service=service,
            mode=mode,
            starts_at=starts,
            ends_at=starts + timedelta(minutes=service.duration_minutes),
        )

    return make
