"""Eight guessers at once on one code, as in the issue (8 threads): the lock still comes at the fifth
failure, once, with one notice. Real transactions and one connection per thread, so the database's
row lock (PostgreSQL) or its serialized writes (SQLite) decide, as in production."""

from collections import Counter
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from frontdesk.core.errors import NotFound
from frontdesk.ledger.models import LedgerEvent
from frontdesk.scheduling import services
from frontdesk.scheduling.catalog import SERVICES
from frontdesk.scheduling.lookup_guard import LookupLocked
from frontdesk.scheduling.models import LookupGuard, Service
from frontdesk.scheduling.selectors import appointment_find
from tests.factories import OfficeFactory, person, staff_resource
from tests.threads import run_together

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NY = ZoneInfo("America/New_York")


@pytest.fixture(autouse=True)
def _catalog():
    """Transactional tests empty every table afterwards, the migration's service catalog included."""
    for entry in SERVICES:
        Service.objects.update_or_create(code=entry["code"], defaults={k: v for k, v in entry.items() if k != "code"})


def test_concurrent_wrong_birth_dates_lock_the_code_once(settings):
    settings.FRONTDESK_LOOKUP_RATE_CODE = "1000/10m"
    office = OfficeFactory()
    staff_resource(office)
    appointment = services.appointment_book(
        actor=None,
        office=office,
        service=Service.objects.get(code="direct_deposit_change"),
        mode="in_person",
        starts_at=datetime(2027, 3, 15, 10, tzinfo=NY),
        person=person(),
        now=datetime(2027, 3, 1, 12, tzinfo=NY),
    )

    def guess(i: int) -> str:
        try:
            appointment_find(code=appointment.code, last_name="Rivera", date_of_birth=date(1961, 1, i + 1))
        except (NotFound, LookupLocked) as error:
            return error.code
        return "shown"

    results = run_together(8, guess)
    assert Counter(results) == {"appointment_not_found": 4, "lookup_locked": 4}, results
    guard = LookupGuard.objects.get()
    assert guard.failures == 5 and guard.locked_at is not None
    assert LedgerEvent.objects.filter(type="scheduling.lookup.locked").count() == 1
    assert len(mail.outbox) == 1
