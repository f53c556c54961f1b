from datetime import timedelta

import pytest
from django.test import Client

from frontdesk.accounts.roles import Role
from frontdesk.offices.calendar import local_today
from frontdesk.scheduling.availability import Need, office_slots
from frontdesk.scheduling.models import Service
from tests.factories import OfficeFactory, interpreter, staff_resource, staff_user
from tests.web.auth import verified_login


@pytest.fixture
def office(db):
    office = OfficeFactory(code="A01", zip_code="10007", name="Lower Manhattan")
    staff_resource(office, name="Agent One")
    staff_resource(office, name="Agent Two", languages=["en", "es"])
    interpreter(office, "ase")
    return office


@pytest.fixture
def web():
    return Client()


@pytest.fixture
def clerk(office):
    return staff_user("clerk", Role.COUNTER_CLERK, office)


@pytest.fixture
def manager(office):
    return staff_user("manager", Role.OFFICE_MANAGER, office)


@pytest.fixture
def auditor(db):
    return staff_user("auditor", Role.AUDITOR)


@pytest.fixture
def clerk_web(clerk):
    return verified_login(Client(), clerk)


@pytest.fixture
def manager_web(manager):
    return verified_login(Client(), manager)


@pytest.fixture
def auditor_web(auditor):
    return verified_login(Client(), auditor)


@pytest.fixture
def times(office):
    """Open times of the direct deposit change at the office, from two days on: what the waitlist tests
    book, cancel and offer."""
    need = Need(service=Service.objects.get(code="direct_deposit_change"), mode="in_person")
    today = local_today(office)
    slots = office_slots(
        office=office, need=need, start=today + timedelta(days=2), end=today + timedelta(days=40), limit=400
    )
    return [s.starts_at for s in slots]
