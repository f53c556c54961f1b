import pytest
from django.test import Client

from frontdesk.accounts.roles import Role
from tests.factories import OfficeFactory, interpreter, staff_resource, staff_user


@pytest.fixture
def office(db):
    office = OfficeFactory(code="A01", zip_code="10007")
    staff_resource(office, name="Agent One")
    staff_resource(office, name="Agent Two", languages=["en", "es"])
    interpreter(office, "ase")
    return office


@pytest.fixture
def api():
    return Client()


@pytest.fixture
def clerk(office):
    return staff_user("clerk", Role.COUNTER_CLERK, office)


@pytest.fixture
def clerk_api(clerk):
    client = Client()
    client.force_login(clerk)
    return client


def first_slot(api, office_code="A01", service="direct_deposit_change", mode="in_person", **extra):
    response = api.get(
        "/api/v1/availability", {"service": service, "mode": mode, "office": office_code, "limit": 5, **extra}
    )
    assert response.status_code == 200, response.content
    return response.json()[0]


def booking(slot, last_name="Rivera", **extra):
    return {
        "office": slot["office_code"],
        "service": "direct_deposit_change",
        "mode": "in_person",
        "starts_at": slot["starts_at"],
        "person": {
            "first_name": "Ana",
            "last_name": last_name,
            "date_of_birth": "1960-05-17",
            "email": "ana@example.org",
            "phone": "2125550100",
        },
    } | extra
