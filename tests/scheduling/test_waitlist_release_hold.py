"""A freed time that matched nobody waiting is kept from general booking for a short, jittered delay
(docs/adr/0036); every surface reads the same availability, and the waitlist may still offer it."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from frontdesk.scheduling import services, waitlist
from frontdesk.scheduling.availability import Need, office_slots
from frontdesk.scheduling.catalog import SERVICES
from frontdesk.scheduling.models import OfferStatus, ReleaseHold, Service, WaitlistOffer
from tests.factories import OfficeFactory, direct_deposit_booking, staff_resource

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)
NY = ZoneInfo("America/New_York")
FREED = datetime(2027, 3, 15, 9, tzinfo=NY)
WISHES = waitlist.Wishes(
    zip_code="10007", radius_miles=25, mode="in_person", weekdays=(0, 1, 2, 3, 4), earliest=time(8), latest=time(17)
)


@pytest.fixture(autouse=True)
def _catalog():
    for entry in SERVICES:
        Service.objects.update_or_create(code=entry["code"], defaults={k: v for k, v in entry.items() if k != "code"})


@pytest.fixture
def office():
    office = OfficeFactory()
    staff_resource(office, name="Only agent")
    return office


def book(office, when, last_name):
    return direct_deposit_booking(office, when, last_name, now=NOW)


def ortiz_holds_another_offer(office):
    """Ortiz joins the line and is offered an open time at once; then two fitting times free (9:00 on the
    16th, then FREED): while Ortiz holds that first offer, FREED matches nobody free to take it and is held.
    Returns Ortiz's appointment and the first offer."""
    freed = book(office, FREED, "Early")
    held_by_offer = book(office, datetime(2027, 3, 16, 9, tzinfo=NY), "Other")
    waiting = book(office, datetime(2027, 3, 26, 14, tzinfo=NY), "Ortiz")
    waitlist.waitlist_join(actor=None, appointment=waiting, wishes=WISHES, now=NOW)
    first = WaitlistOffer.objects.get()
    services.appointment_cancel(actor=None, appointment=held_by_offer, now=NOW)
    services.appointment_cancel(actor=None, appointment=freed, now=NOW)
    return waiting, first


def open_at(office, when, now) -> bool:
    need = Need(service=Service.objects.get(code="direct_deposit_change"), mode="in_person")
    day = when.astimezone(office.zone).date()
    return any(s.starts_at == when for s in office_slots(office=office, need=need, start=day, end=day, now=now))


@override_settings(FRONTDESK_WAITLIST_RELEASE_DELAY_MINUTES=10, FRONTDESK_WAITLIST_RELEASE_JITTER_MINUTES=5)
def test_a_freed_time_nobody_waits_for_is_released_after_the_delay_and_jitter(office):
    freed = book(office, FREED, "Early")
    services.appointment_cancel(actor=None, appointment=freed, now=NOW)
    hold = ReleaseHold.objects.get()
    assert timedelta(minutes=10) <= hold.release_at - NOW <= timedelta(minutes=15)
    assert not open_at(office, FREED, NOW)
    assert not open_at(office, FREED, hold.release_at - timedelta(seconds=1))
    assert open_at(office, FREED, hold.release_at)


@override_settings(FRONTDESK_WAITLIST_RELEASE_DELAY_MINUTES=10, FRONTDESK_WAITLIST_RELEASE_JITTER_MINUTES=5)
def test_jitter_spreads_the_release(office):
    releases = set()
    for hour in range(9, 15):
        freed = book(office, FREED.replace(hour=hour), f"Early{chr(97 + hour)}")
        services.appointment_cancel(actor=None, appointment=freed, now=NOW)
    releases = {h.release_at for h in ReleaseHold.objects.all()}
    assert len(releases) > 1


@override_settings(FRONTDESK_WAITLIST_RELEASE_DELAY_MINUTES=10, FRONTDESK_WAITLIST_RELEASE_JITTER_MINUTES=5)
def test_an_entry_that_waits_again_during_the_hold_is_offered_the_held_time(office):
    freed = book(office, FREED, "Early")
    held_by_offer = book(office, datetime(2027, 3, 16, 9, tzinfo=NY), "Other")
    waiting = book(office, datetime(2027, 3, 26, 14, tzinfo=NY), "Ortiz")
    # Ortiz has an open offer elsewhere when 9:00 frees: the time matches nobody waiting and is held.
    waitlist.waitlist_join(actor=None, appointment=waiting, wishes=WISHES, now=NOW)
    services.appointment_cancel(actor=None, appointment=held_by_offer, now=NOW)
    first = WaitlistOffer.objects.get()
    services.appointment_cancel(actor=None, appointment=freed, now=NOW)
    assert ReleaseHold.objects.filter(starts_at=FREED).exists()
    assert WaitlistOffer.objects.count() == 1
    # Ortiz refuses the first offer during the hold: the held 9:00 is offered to Ortiz at once.
    waitlist.offer_decline(actor=None, offer_id=first.public_id, appointment=waiting, now=NOW + timedelta(minutes=2))
    second = WaitlistOffer.objects.get(status=OfferStatus.OPEN)
    assert second.starts_at == FREED
    assert not ReleaseHold.objects.filter(starts_at=FREED).exists()
    moved = waitlist.offer_claim(
        actor=None, offer_id=second.public_id, appointment=waiting, now=NOW + timedelta(minutes=3)
    )
    assert moved.starts_at == FREED


@override_settings(FRONTDESK_WAITLIST_RELEASE_DELAY_MINUTES=0, FRONTDESK_WAITLIST_RELEASE_JITTER_MINUTES=0)
def test_a_zero_delay_turns_the_hold_off(office):
    freed = book(office, FREED, "Early")
    services.appointment_cancel(actor=None, appointment=freed, now=NOW)
    assert not ReleaseHold.objects.exists()
    assert open_at(office, FREED, NOW)


@override_settings(FRONTDESK_WAITLIST_RELEASE_DELAY_MINUTES=10, FRONTDESK_WAITLIST_RELEASE_JITTER_MINUTES=5)
def test_a_freed_time_stays_held_until_the_waitlist_has_been_offered_it(office, monkeypatch):
    # The hand-off after commit dies (a worker killed in the instant): the hold, made in the cancelling
    # transaction itself, keeps the time from the public past its release delay, until a sweep offers it.
    monkeypatch.setattr(waitlist, "_freed_later", lambda *args, **kwargs: None)
    freed = book(office, FREED, "Early")
    services.appointment_cancel(actor=None, appointment=freed, now=NOW)
    hold = ReleaseHold.objects.get()
    assert hold.swept_at is None
    past_delay = hold.release_at + timedelta(minutes=1)
    assert not open_at(office, FREED, past_delay)
    waitlist.waitlist_sweep(now=past_delay)
    assert ReleaseHold.objects.get().swept_at == past_delay
    assert open_at(office, FREED, past_delay)


@override_settings(FRONTDESK_WAITLIST_RELEASE_DELAY_MINUTES=10, FRONTDESK_WAITLIST_RELEASE_JITTER_MINUTES=5)
def test_a_hold_no_sweep_ever_offered_lapses_after_the_limit(office, monkeypatch):
    from frontdesk.scheduling.availability import RELEASE_HOLD_LIMIT

    monkeypatch.setattr(waitlist, "_freed_later", lambda *args, **kwargs: None)
    freed = book(office, FREED, "Early")
    services.appointment_cancel(actor=None, appointment=freed, now=NOW)
    assert not open_at(office, FREED, NOW + RELEASE_HOLD_LIMIT - timedelta(seconds=1))
    assert open_at(office, FREED, NOW + RELEASE_HOLD_LIMIT)


@override_settings(FRONTDESK_WAITLIST_RELEASE_DELAY_MINUTES=10, FRONTDESK_WAITLIST_RELEASE_JITTER_MINUTES=5)
def test_a_new_entry_is_offered_a_held_time_at_once(office):
    freed = book(office, FREED, "Early")
    services.appointment_cancel(actor=None, appointment=freed, now=NOW)
    waiting = book(office, datetime(2027, 3, 26, 14, tzinfo=NY), "Ortiz")
    # Only Mondays at 9:00 to 9:30: the freed 9:00 of the 15th is the only fitting time not yet booked...
    for day in (1, 8, 22):
        book(office, datetime(2027, 3, day, 9, tzinfo=NY), f"Other{chr(96 + day % 26)}")
    wishes = waitlist.Wishes(
        zip_code="10007", radius_miles=25, mode="in_person", weekdays=(0,), earliest=time(9), latest=time(9, 30)
    )
    waitlist.waitlist_join(actor=None, appointment=waiting, wishes=wishes, now=NOW + timedelta(minutes=1))
    # ...and it is offered on joining, not at the next sweep.
    offer = WaitlistOffer.objects.get()
    assert offer.starts_at == FREED and offer.status == OfferStatus.OPEN
    assert not ReleaseHold.objects.filter(starts_at=FREED).exists()


def test_the_sweep_searches_once_per_office_and_need(office):
    for hour in (13, 14, 15):
        appointment = book(office, datetime(2027, 3, 26, hour, tzinfo=NY), f"Late{chr(96 + hour)}")
        waitlist.waitlist_join(actor=None, appointment=appointment, wishes=WISHES, now=NOW)
    waitlist.WaitlistOffer.objects.all().delete()
    waitlist.WaitlistEntry.objects.update(status="waiting")
    counts = waitlist.waitlist_sweep(now=NOW)
    # Three entries, one office, one need: one search, and each gets a different open time.
    assert counts["searches"] == 1
    assert counts["offered"] == 3
    assert WaitlistOffer.objects.values("starts_at").distinct().count() == 3


@override_settings(FRONTDESK_WAITLIST_RELEASE_DELAY_MINUTES=10, FRONTDESK_WAITLIST_RELEASE_JITTER_MINUTES=5)
def test_a_freed_time_stays_held_while_someone_it_fits_holds_another_offer(office):
    waiting, first = ortiz_holds_another_offer(office)
    hold = ReleaseHold.objects.get(starts_at=FREED)
    # Ortiz, who fits 9:00 and was never offered it, has not answered: past the release delay, and past
    # sweeps, the time is still not public (a bot polling cannot take it from ahead of Ortiz).
    later = hold.release_at + timedelta(minutes=5)
    waitlist.waitlist_sweep(now=later)
    assert not open_at(office, FREED, later)
    # Ortiz takes the first offer: nobody in line wants 9:00 any more, and the next sweep lets it go.
    waitlist.offer_claim(actor=None, offer_id=first.public_id, appointment=waiting, now=later)
    waitlist.waitlist_sweep(now=later + timedelta(minutes=1))
    assert open_at(office, FREED, later + timedelta(minutes=1))


@override_settings(FRONTDESK_WAITLIST_RELEASE_DELAY_MINUTES=10, FRONTDESK_WAITLIST_RELEASE_JITTER_MINUTES=5)
def test_the_sweep_looks_again_at_a_held_time_only_when_someone_it_fits_changed(office, monkeypatch):
    waiting, first = ortiz_holds_another_offer(office)
    # Someone who can only make Fridays joins and refuses what they are offered: nothing Ortiz or 9:00 on
    # Monday the 15th depends on changed, so the sweeps leave that hold as it was.
    friday = book(office, datetime(2027, 3, 26, 15, tzinfo=NY), "Friday")
    fridays = waitlist.Wishes(
        zip_code="10007", radius_miles=25, mode="in_person", weekdays=(4,), earliest=time(8), latest=time(17)
    )
    waitlist.waitlist_join(actor=None, appointment=friday, wishes=fridays, now=NOW)
    waitlist.waitlist_sweep(now=NOW + timedelta(minutes=1))
    assert ReleaseHold.objects.get(starts_at=FREED).checked_at == NOW + timedelta(minutes=1)
    friday_offer = WaitlistOffer.objects.get(entry__appointment=friday)
    waitlist.offer_decline(
        actor=None, offer_id=friday_offer.public_id, appointment=friday, now=NOW + timedelta(minutes=2)
    )
    for minute in (3, 4, 5):
        waitlist.waitlist_sweep(now=NOW + timedelta(minutes=minute))
    hold = ReleaseHold.objects.get(starts_at=FREED)
    assert hold.checked_at == NOW + timedelta(minutes=1) and hold.swept_at is None
    assert not open_at(office, FREED, NOW + timedelta(minutes=25))
    # A held time is looked at again at least every HELD_LOOK_AGAIN, so it never lapses while Ortiz decides.
    again = NOW + timedelta(minutes=1) + waitlist.HELD_LOOK_AGAIN
    waitlist.waitlist_sweep(now=again)
    assert ReleaseHold.objects.get(starts_at=FREED).checked_at == again
    # Ortiz refuses (and the search after it never runs): Ortiz changed, so the next sweep looks at 9:00
    # at once and offers Ortiz, back in line, a held time
    monkeypatch.setattr(waitlist, "_search_later", lambda *args, **kwargs: None)
    waitlist.offer_decline(actor=None, offer_id=first.public_id, appointment=waiting, now=again)
    assert not WaitlistOffer.objects.filter(entry=first.entry, status=OfferStatus.OPEN).exists()
    waitlist.waitlist_sweep(now=again + timedelta(minutes=1))
    # (the earliest held time that fits Ortiz is the Friday 9:00 the other person refused), and 9:00 on the
    # 15th, looked at in the same sweep, stays held: Ortiz, holding that offer, still fits it.
    assert WaitlistOffer.objects.get(entry=first.entry, status=OfferStatus.OPEN).reason == "held"
    assert ReleaseHold.objects.get(starts_at=FREED).checked_at == again + timedelta(minutes=1)


@override_settings(FRONTDESK_WAITLIST_RELEASE_DELAY_MINUTES=10, FRONTDESK_WAITLIST_RELEASE_JITTER_MINUTES=5)
def test_a_held_time_is_released_at_the_first_sweep_after_the_one_who_wanted_it_answers(office, monkeypatch):
    waiting, first = ortiz_holds_another_offer(office)
    later = ReleaseHold.objects.get(starts_at=FREED).release_at + timedelta(minutes=1)
    waitlist.waitlist_sweep(now=later)
    # Ortiz's answer reaches no hand-off for 9:00 (the search after it fails): the sweep still sees Ortiz
    # changed, looks at 9:00 again and lets it go.
    monkeypatch.setattr(waitlist, "_search_later", lambda *args, **kwargs: None)
    waitlist.offer_claim(actor=None, offer_id=first.public_id, appointment=waiting, now=later)
    assert not open_at(office, FREED, later)
    waitlist.waitlist_sweep(now=later + timedelta(minutes=1))
    assert ReleaseHold.objects.get(starts_at=FREED).swept_at == later + timedelta(minutes=1)
    assert open_at(office, FREED, later + timedelta(minutes=1))
