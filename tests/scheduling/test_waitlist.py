"""The waitlist: a freed time goes to the first matching person, held for them, and only they can take it."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from frontdesk.accounts.roles import Role
from frontdesk.core.errors import Conflict, NotFound, PermissionDenied, TooManyAttempts, ValidationFailed
from frontdesk.ledger.models import LedgerEvent
from frontdesk.scheduling import services, waitlist, waitlist_notices
from frontdesk.scheduling.availability import Need, office_slots
from frontdesk.scheduling.models import (
    OfferStatus,
    Service,
    Status,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistStatus,
)
from frontdesk.scheduling.sms import MemorySmsBackend
from tests.factories import OfficeFactory, person, staff_resource, staff_user

pytestmark = pytest.mark.django_db
NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)
NY = ZoneInfo("America/New_York")
WEEKDAYS = (0, 1, 2, 3, 4)


def at(hour, minute=0, day=15):
    return datetime(2027, 3, day, hour, minute, tzinfo=NY)


@pytest.fixture
def office():
    office = OfficeFactory()
    staff_resource(office, name="Only agent")
    return office


@pytest.fixture
def service():
    return Service.objects.get(code="direct_deposit_change")


def book(office, when, last_name="Rivera", **kwargs):
    fields = {"service": Service.objects.get(code="direct_deposit_change"), "mode": "in_person", "now": NOW}
    return services.appointment_book(
        actor=None, office=office, starts_at=when, person=person(last_name), **(fields | kwargs)
    )


def wishes(**overrides):
    fields = {
        "zip_code": "10007",
        "radius_miles": 25,
        "mode": "in_person",
        "weekdays": WEEKDAYS,
        "earliest": time(8),
        "latest": time(17),
    }
    return waitlist.Wishes(**(fields | overrides))


def join(appointment, now=NOW, **overrides):
    return waitlist.waitlist_join(actor=None, appointment=appointment, wishes=wishes(**overrides), now=now)


def cancel(appointment, capture, now=NOW):
    with capture(execute=True):
        services.appointment_cancel(actor=None, appointment=appointment, now=now)


def test_a_cancelled_time_is_offered_to_the_first_who_asked_and_held_for_them(
    office, service, django_capture_on_commit_callbacks
):
    freed = book(office, at(9))
    first = book(office, at(14, day=26), last_name="Ortiz")
    second = book(office, at(15, day=26), last_name="Nakamura")
    join(first, now=NOW)
    join(second, now=NOW + timedelta(minutes=1))

    cancel(freed, django_capture_on_commit_callbacks)

    offer = WaitlistOffer.objects.get()
    assert offer.entry.appointment == first
    assert offer.starts_at == at(9) and offer.status == OfferStatus.OPEN
    assert offer.expires_at == NOW + waitlist.OFFER_HOLD
    assert WaitlistEntry.objects.get(appointment=second).status == WaitlistStatus.WAITING
    # Held: the public search does not show it and a booking of it is refused.
    need = Need(service=service, mode="in_person")
    day = at(9).date()
    assert at(9) not in {s.starts_at for s in office_slots(office=office, need=need, start=day, end=day, now=NOW)}
    with pytest.raises(Conflict):
        book(office, at(9), last_name="Bot")
    event = LedgerEvent.objects.get(type="scheduling.waitlist.offered")
    assert "Ortiz" not in str(event.event) and event.event["refs"]["reason"] == "cancelled"


def test_the_offer_notice_says_only_that_a_time_waits_and_until_when(
    office, settings, django_capture_on_commit_callbacks
):
    settings.FRONTDESK_SMS_BACKEND = "frontdesk.scheduling.sms.MemorySmsBackend"
    freed = book(office, at(9))
    join(book(office, at(14, day=26), last_name="Ortiz"))
    mail.outbox.clear()
    MemorySmsBackend.outbox.clear()
    cancel(freed, django_capture_on_commit_callbacks)
    offer = WaitlistOffer.objects.get()
    # The office's date, time and zone, written as the reminders write them.
    by = offer.expires_at.astimezone(NY).strftime("%m/%d/%Y %I:%M %p EST")  # March 1st, before DST
    [email] = mail.outbox
    [sms] = MemorySmsBackend.outbox
    for body in (email.body, sms["body"]):
        assert f"take it by {by}" in body and str(offer.public_id) in body
        assert "deposit" not in body.lower() and "Ortiz" not in body
    # A text can be answered, an email cannot: only the text says how.
    assert sms["body"].endswith(" Or reply 1 to take it, 2 to say no.") and "reply 1" not in email.body


def test_claiming_moves_the_booking_in_one_step_and_passes_the_old_time_on(office, django_capture_on_commit_callbacks):
    freed = book(office, at(9))
    first = book(office, at(14, day=17), last_name="Ortiz")
    second = book(office, at(15, day=26), last_name="Nakamura")
    join(first)
    join(second, now=NOW + timedelta(minutes=1))
    cancel(freed, django_capture_on_commit_callbacks)
    offer = WaitlistOffer.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        moved = waitlist.offer_claim(actor=None, offer_id=offer.public_id, appointment=first, now=NOW)

    assert moved.pk == first.pk and moved.starts_at == at(9) and moved.status == Status.BOOKED
    assert moved.code == first.code
    offer.refresh_from_db()
    assert offer.status == OfferStatus.CLAIMED and not offer.holds.filter(active=True).exists()
    assert offer.entry.status == WaitlistStatus.FULFILLED
    # The time Ortiz gave up (the 17th, 14:00) is now offered to the next in line.
    chained = WaitlistOffer.objects.get(entry__appointment=second)
    assert chained.starts_at == at(14, day=17) and chained.reason == "rescheduled"
    assert waitlist_notices.appointments_from_waitlist([first.pk, second.pk]) == {first.pk}
    assert LedgerEvent.objects.filter(type="scheduling.waitlist.offer_claimed").count() == 1


def test_an_offer_cannot_be_taken_by_anyone_else(office, django_capture_on_commit_callbacks):
    freed = book(office, at(9))
    first = book(office, at(14, day=26), last_name="Ortiz")
    stranger = book(office, at(11, day=26), last_name="Bot")
    join(first)
    cancel(freed, django_capture_on_commit_callbacks)
    offer = WaitlistOffer.objects.get()
    assert waitlist_notices.open_offer_for(first.person_id, now=NOW) == offer
    assert waitlist_notices.open_offer_for(stranger.person_id, now=NOW) is None
    with pytest.raises(NotFound):
        waitlist.offer_claim(actor=None, offer_id=offer.public_id, appointment=stranger, now=NOW)
    stranger.refresh_from_db()
    offer.refresh_from_db()
    assert stranger.starts_at == at(11, day=26) and offer.status == OfferStatus.OPEN


def test_a_refused_offer_goes_to_the_next_and_the_first_keeps_their_place(office, django_capture_on_commit_callbacks):
    freed = book(office, at(9))
    first = book(office, at(14, day=26), last_name="Ortiz")
    second = book(office, at(15, day=26), last_name="Nakamura")
    join(first)
    join(second, now=NOW + timedelta(minutes=1))
    cancel(freed, django_capture_on_commit_callbacks)
    offer = WaitlistOffer.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        waitlist.offer_decline(actor=None, offer_id=offer.public_id, appointment=first, now=NOW)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.DECLINED
    nxt = WaitlistOffer.objects.get(status=OfferStatus.OPEN, starts_at=at(9))
    assert nxt.entry.appointment == second and nxt.reason == "declined"
    # Back in line, the first is searched for at once (docs/adr/0041): offered another open time that
    # fits, not the refused one, before the next sweep.
    again = WaitlistOffer.objects.get(status=OfferStatus.OPEN, entry=offer.entry)
    assert again.starts_at != at(9) and again.starts_at < first.starts_at and again.reason == "sweep"
    assert LedgerEvent.objects.filter(type="scheduling.waitlist.offer_declined").count() == 1
    with pytest.raises(Conflict):
        waitlist.offer_claim(actor=None, offer_id=offer.public_id, appointment=first, now=NOW)


def test_an_unanswered_offer_expires_and_goes_to_the_next(office, django_capture_on_commit_callbacks):
    freed = book(office, at(9))
    first = book(office, at(14, day=26), last_name="Ortiz")
    second = book(office, at(15, day=26), last_name="Nakamura")
    join(first)
    join(second, now=NOW + timedelta(minutes=1))
    cancel(freed, django_capture_on_commit_callbacks)
    offer = WaitlistOffer.objects.get()
    later = offer.expires_at
    with pytest.raises(Conflict) as caught, django_capture_on_commit_callbacks(execute=True):
        waitlist.offer_claim(actor=None, offer_id=offer.public_id, appointment=first, now=later)
    assert caught.value.code == "offer_closed"
    offer.refresh_from_db()
    assert offer.status == OfferStatus.EXPIRED
    first.refresh_from_db()
    assert first.starts_at == at(14, day=26)
    assert WaitlistOffer.objects.get(status=OfferStatus.OPEN, starts_at=at(9)).entry.appointment == second
    assert LedgerEvent.objects.filter(type="scheduling.waitlist.offer_expired").count() == 1


def test_the_periodic_job_expires_offers(office, django_capture_on_commit_callbacks):
    freed = book(office, at(9))
    join(book(office, at(14, day=26), last_name="Ortiz"))
    cancel(freed, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        counts = waitlist.waitlist_sweep(now=NOW + waitlist.OFFER_HOLD)
    assert counts["expired"] == 1
    assert WaitlistOffer.objects.get(reason="cancelled").status == OfferStatus.EXPIRED


@pytest.mark.parametrize(
    ("overrides", "why"),
    [
        ({"weekdays": (1, 2)}, "the 15th is a Monday"),
        ({"earliest": time(10)}, "9:00 is before they can come"),
        ({"zip_code": "94103", "radius_miles": 25}, "the office is across the country"),
    ],
)
def test_a_time_that_does_not_fit_the_wishes_is_not_offered(office, overrides, why, django_capture_on_commit_callbacks):
    if "zip_code" in overrides:
        OfficeFactory(zip_code="94103", latitude=37.77, longitude=-122.41)
    freed = book(office, at(9))
    waiting = book(office, at(14, day=26), last_name="Ortiz")
    join(waiting, **overrides)
    cancel(freed, django_capture_on_commit_callbacks)
    assert not WaitlistOffer.objects.exists(), why


def test_a_later_time_than_ones_own_is_not_offered(office, django_capture_on_commit_callbacks):
    freed = book(office, at(15, day=26))
    join(book(office, at(9), last_name="Ortiz"))
    cancel(freed, django_capture_on_commit_callbacks)
    assert not WaitlistOffer.objects.exists()


def test_a_rescheduled_time_is_offered(office, django_capture_on_commit_callbacks):
    moving = book(office, at(9))
    join(book(office, at(14, day=26), last_name="Ortiz"))
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_reschedule(actor=None, appointment=moving, starts_at=at(10), now=NOW)
    offer = WaitlistOffer.objects.get()
    assert offer.starts_at == at(9) and offer.reason == "rescheduled"


def test_one_active_entry_per_person_and_service(office):
    appointment = book(office, at(14, day=26))
    join(appointment)
    with pytest.raises(Conflict) as caught:
        join(appointment, now=NOW + timedelta(minutes=5))
    assert caught.value.code == "already_waiting"
    assert WaitlistEntry.objects.count() == 1
    assert LedgerEvent.objects.filter(type="scheduling.waitlist.joined").count() == 1


@pytest.mark.parametrize(
    "overrides",
    [{"weekdays": ()}, {"earliest": time(17), "latest": time(9)}, {"radius_miles": 0}, {"zip_code": "99999"}],
)
def test_wishes_that_make_no_sense_are_refused_and_nothing_is_written(office, overrides):
    with pytest.raises(ValidationFailed):
        join(book(office, at(14, day=26)), **overrides)
    assert not WaitlistEntry.objects.exists()


def test_a_cancelled_booking_leaves_the_waitlist(office, django_capture_on_commit_callbacks):
    appointment = book(office, at(14, day=26))
    entry = join(appointment)
    cancel(appointment, django_capture_on_commit_callbacks)
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.WITHDRAWN


def test_a_new_staff_member_makes_times_the_sweep_offers(office, django_capture_on_commit_callbacks):
    # The only agent is fully booked on the 15th; a second agent's arrival opens the whole day.
    # Swept on Friday the 12th: the only Monday before the booking on Tuesday the 16th is the 15th.
    friday = at(17, day=12)
    join(book(office, at(14, day=16), last_name="Ortiz"), weekdays=(0,), earliest=time(9), latest=time(10))
    when = at(9)
    while when < at(16):
        book(office, when, last_name="Busy")
        when += timedelta(minutes=15)
    assert waitlist.waitlist_sweep(now=friday)["offered"] == 0
    staff_resource(office, name="New agent")
    with django_capture_on_commit_callbacks(execute=True):
        assert waitlist.waitlist_sweep(now=friday)["offered"] == 1
    offer = WaitlistOffer.objects.get()
    assert offer.starts_at == at(9) and offer.reason == "sweep"


def test_the_hold_is_shorter_when_the_slot_is_soon():
    hour = timedelta(hours=1)
    assert waitlist.offer_hold(starts_at=NOW + timedelta(days=3), now=NOW, lead=hour) == 2 * hour
    # Half the time until the slot stops being bookable: taken at the last moment, it is still bookable.
    assert waitlist.offer_hold(starts_at=NOW + 3 * hour, now=NOW, lead=hour) == hour
    assert waitlist.offer_hold(starts_at=NOW + timedelta(minutes=80), now=NOW, lead=hour) is None


def test_an_offer_taken_at_its_last_moment_is_still_bookable(office, django_capture_on_commit_callbacks):
    freed = book(office, at(9))
    waiting = book(office, at(14, day=26), last_name="Ortiz")
    join(waiting)
    soon = at(9) - timedelta(hours=3)
    cancel(freed, django_capture_on_commit_callbacks, now=soon)
    offer = WaitlistOffer.objects.get()
    assert offer.expires_at == soon + timedelta(hours=1)
    last_moment = offer.expires_at - timedelta(seconds=1)
    assert waitlist.offer_claim(
        actor=None, offer_id=offer.public_id, appointment=waiting, now=last_moment
    ).starts_at == at(9)


def test_a_slot_too_soon_to_hold_is_not_offered(office, django_capture_on_commit_callbacks):
    freed = book(office, at(9))
    join(book(office, at(14, day=26), last_name="Ortiz"))
    cancel(freed, django_capture_on_commit_callbacks, now=at(8, 35))
    assert not WaitlistOffer.objects.exists()


def test_a_clerk_adds_a_caller_at_their_own_office_only(office):
    appointment = book(office, at(14, day=26))
    other = OfficeFactory()
    clerk = staff_user("clerk", Role.COUNTER_CLERK, office=other)
    with pytest.raises(PermissionDenied):
        waitlist.waitlist_join(actor=clerk, appointment=appointment, wishes=wishes(), now=NOW)
    mine = staff_user("mine", Role.COUNTER_CLERK, office=office)
    entry = waitlist.waitlist_join(actor=mine, appointment=appointment, wishes=wishes(), now=NOW)
    assert entry.created_by == mine
    event = LedgerEvent.objects.get(type="scheduling.waitlist.joined")
    assert event.event["purpose"] == "book_for_person"


def test_waitlist_actions_are_limited_per_person(office, settings):
    settings.FRONTDESK_WAITLIST_RATE_PERSON = "1/h"
    appointment = book(office, at(14, day=26))
    join(appointment)
    with pytest.raises(TooManyAttempts):
        waitlist.offer_decline(actor=None, offer_id="00000000-0000-0000-0000-000000000000", appointment=appointment)


def test_an_offer_is_taken_or_refused_by_texting_1_or_2_from_the_number_on_file(
    office, django_capture_on_commit_callbacks
):
    from frontdesk.scheduling import replies

    fields = {"service": Service.objects.get(code="direct_deposit_change"), "mode": "in_person", "now": NOW}
    freed = services.appointment_book(
        actor=None, office=office, starts_at=at(9), person=person("Rivera", phone="2125550111"), **fields
    )
    ortiz = services.appointment_book(
        actor=None, office=office, starts_at=at(14, day=26), person=person("Ortiz", phone="2125550122"), **fields
    )
    join(ortiz)
    cancel(freed, django_capture_on_commit_callbacks)
    offer = WaitlistOffer.objects.get()

    # Another number has no offer, whatever it texts.
    assert replies.sms_reply_handle(sender="+12125550111", body="1", now=NOW) == replies.reply_text("no_offer", "en")
    with django_capture_on_commit_callbacks(execute=True):
        answer = replies.sms_reply_handle(sender="+12125550122", body="1", now=NOW)
    assert answer == replies.reply_text("offer_taken", "en", code=ortiz.code)
    ortiz.refresh_from_db()
    offer.refresh_from_db()
    assert ortiz.starts_at == at(9) and offer.status == OfferStatus.CLAIMED
    # Nothing is open any more: a second "1" changes nothing.
    assert replies.sms_reply_handle(sender="+12125550122", body="1", now=NOW) == replies.reply_text("no_offer", "en")


def test_texting_2_refuses_the_offer_and_keeps_the_booking(office, django_capture_on_commit_callbacks):
    from frontdesk.scheduling import replies

    fields = {"service": Service.objects.get(code="direct_deposit_change"), "mode": "in_person", "now": NOW}
    freed = services.appointment_book(
        actor=None, office=office, starts_at=at(9), person=person("Rivera", phone="2125550111"), **fields
    )
    ortiz = services.appointment_book(
        actor=None, office=office, starts_at=at(14, day=26), person=person("Ortiz", phone="2125550122"), **fields
    )
    join(ortiz)
    cancel(freed, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        answer = replies.sms_reply_handle(sender="+12125550122", body="2", now=NOW)
    assert answer == replies.reply_text("offer_declined", "en")
    ortiz.refresh_from_db()
    assert ortiz.starts_at == at(14, day=26)
    assert WaitlistOffer.objects.get(starts_at=at(9)).status == OfferStatus.DECLINED
