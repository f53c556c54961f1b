"""The demo's answered reminders and waiting list, so that a clerk's day shows them from the first start.

Run once after the demo's bookings (`frontdesk seed_answers`, by `make run`), through the services a
person's request or reply goes through, so that the ledger entries, the offers and their messages are
the product's own:

- at each office, a few people booked 8 to 28 days ahead ask for an earlier time there (their booking's
  mode, the office's weekdays and hours), one after another;
- of the appointments whose reminder is out (starting between `reminders.LAST_CALL` and a day from now),
  about four in ten were confirmed by reply and one in twenty cancelled by reply, by text or by the
  email's link; each cancelled time is offered to the waiting list at once, as in the product;
- about half of the offers made were taken (those rows show "From waitlist" on the clerk's day); the rest
  stay open, in the outbox, for someone trying the demo to answer.

An answered appointment gets its reminder rows too, so the worker does not ask again someone who answered.
An office where anyone has answered or waits already is left as it is.
"""

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from frontdesk.core.errors import DomainError
from frontdesk.offices.models import Office

from ..models import Appointment, OfferStatus, Reminder, ReminderReply, Status, WaitlistEntry, WaitlistOffer
from ..reminders import LAST_CALL
from ..replies import appointment_cancel_by_reply, appointment_confirm_by_reply
from ..sms import address_key
from ..waitlist import Wishes, offer_claim, waitlist_join

WAITING_PER_OFFICE = 10
CONFIRMED_SHARE = 0.4
CANCELLED_SHARE = 0.05
CLAIMED_SHARE = 0.5
WAIT_FROM, WAIT_TO = timedelta(days=8), timedelta(days=28)


@dataclass
class Answers:
    waiting: int = 0
    confirmed: int = 0
    cancelled: int = 0
    offers: int = 0
    claimed: int = 0


def answers_seed(offices: Iterable[Office], *, seed: int, now: datetime | None = None) -> Answers:
    now = now or datetime.now(UTC)
    done = Answers()
    for office in offices:
        if _answered_before(office):
            continue
        rng = random.Random(f"{seed}:answers:{office.code}")
        done.waiting += _join_waiting(office, rng, now)
        reminded = list(
            Appointment.objects.select_related("person")
            .filter(
                office=office,
                status=Status.BOOKED,
                starts_at__gte=now + LAST_CALL,
                starts_at__lt=now + timedelta(days=1),
            )
            .order_by("starts_at", "pk")
        )
        for appointment in reminded:
            draw = rng.random()
            if draw >= CONFIRMED_SHARE + CANCELLED_SHARE or not _reminded(appointment):
                continue
            channel = "sms" if appointment.person.contact_phone() and rng.random() < 0.6 else "link"
            try:
                if draw < CANCELLED_SHARE:
                    appointment_cancel_by_reply(appointment=appointment, channel=channel, now=now)
                    done.cancelled += 1
                else:
                    appointment_confirm_by_reply(appointment=appointment, channel=channel, now=now)
                    done.confirmed += 1
            except DomainError:
                continue  # the product refused it (too late to cancel by self-service): so would a person
        offers = WaitlistOffer.objects.filter(office=office, status=OfferStatus.OPEN).select_related("entry")
        for offer in list(offers.order_by("created_at", "pk")):
            done.offers += 1
            if rng.random() < CLAIMED_SHARE and offer.entry.appointment is not None:
                try:
                    offer_claim(actor=None, offer_id=offer.public_id, appointment=offer.entry.appointment, now=now)
                except DomainError:
                    continue
                done.claimed += 1
    return done


def _answered_before(office: Office) -> bool:
    return (
        WaitlistEntry.objects.filter(appointment__office=office).exists()
        or ReminderReply.objects.filter(appointment__office=office).exists()
    )


def _join_waiting(office: Office, rng: random.Random, now: datetime) -> int:
    hours = list(office.hours.all())
    if not hours or not office.zip_code:
        return 0
    wishes_hours = (min(h.opens for h in hours), max(h.closes for h in hours))
    weekdays = tuple(sorted({h.weekday for h in hours}))
    later = list(
        Appointment.objects.filter(
            office=office, status=Status.BOOKED, starts_at__gte=now + WAIT_FROM, starts_at__lt=now + WAIT_TO
        )
        .exclude(person__email_hash="", person__phone_hash="")
        .order_by("starts_at", "pk")
    )
    rng.shuffle(later)
    joined: set[tuple[int, int]] = set()
    for appointment in later:
        if len(joined) >= WAITING_PER_OFFICE:
            break
        if (appointment.person_id, appointment.service_id) in joined:
            continue
        wishes = Wishes(
            zip_code=office.zip_code,
            radius_miles=10,
            mode=appointment.mode,
            weekdays=weekdays,
            earliest=_hour(wishes_hours[0]),
            latest=_hour(wishes_hours[1]),
        )
        try:
            waitlist_join(actor=None, appointment=appointment, wishes=wishes, now=now)
        except DomainError:
            continue
        joined.add((appointment.person_id, appointment.service_id))
    return len(joined)


def _hour(moment: time) -> time:
    return moment.replace(minute=0, second=0, microsecond=0)


def _reminded(appointment: Appointment) -> bool:
    """Write the reminder this person answered (sent a day before, as the worker would have); False when
    the person has no contact on file, so had no reminder to answer."""
    contacts = [
        (channel, address)
        for channel, address in (
            ("email", appointment.person.contact_email()),
            ("sms", appointment.person.contact_phone()),
        )
        if address
    ]
    Reminder.objects.bulk_create(
        [
            Reminder(
                appointment=appointment,
                channel=channel,
                for_starts_at=appointment.starts_at,
                address_key=address_key(channel, address),
            )
            for channel, address in contacts
        ],
        ignore_conflicts=True,
    )
    return bool(contacts)
