"""A fair waitlist: an earlier time, when one frees, goes to the first person who asked for it.

A person who holds a booking asks for an earlier time (online, or by phone through a clerk): offices
within a radius, the days and hours they can make, in person or by phone. Their interpreter language
and companion come with the booking. When a time frees (a cancellation, a reschedule, a refused or
expired offer) or appears (a new shift or interpreter, found by the periodic sweep), it is offered to
the first matching entry in order of request and kept for that person for a while: the resources it
needs are held (`OfferHold`), so no one else can book it meanwhile. Only that person can take it, after
the same verification as any look-up (code, last name, birth date); taking it moves their booking in one
transaction. Every offer, claim, refusal and expiry is on the ledger under the person's pseudonym.
See docs/adr/0023-fair-waitlist.md.
"""

import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django_ratelimit.core import get_usage

from frontdesk.accounts.actors import Actor, staff_user
from frontdesk.core.errors import Conflict, DomainError, NotFound, PermissionDenied, TooManyAttempts, ValidationFailed
from frontdesk.ledger.services import event_append
from frontdesk.offices.calendar import local_today
from frontdesk.offices.geo import offices_near
from frontdesk.offices.models import Office

from . import policies
from .availability import (
    MAX_RADIUS_MILES,
    MAX_RANGE_DAYS,
    RELEASE_HOLD_LIMIT,
    Need,
    Slot,
    booking_window_end,
    office_slots,
    resources_for_slot,
)
from .models import (
    WAITLIST_ACTIVE,
    Appointment,
    OfferHold,
    OfferStatus,
    Person,
    ReleaseHold,
    ResourceHold,
    Service,
    Status,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistStatus,
)
from .one_time_codes import (
    CODE_TTL,
    MAX_ATTEMPTS,
    Message,
    code_digest,
    code_matches,
    contact_address,
    deliver,
    new_code,
)
from .services import PersonDetails, appointment_book, appointment_reschedule, person_resolve, subject_of
from .waitlist_notices import offer_notify

logger = logging.getLogger(__name__)

# An offer is kept this long, or half the time left until the slot stops being bookable (its start less
# the service's lead time) when that is shorter, so that a taken offer is always still bookable and the
# next person still has time; never less than the shortest hold: a slot too soon for that is not
# offered (the office fills it with a walk-in).
OFFER_HOLD = timedelta(hours=2)
SHORTEST_HOLD = timedelta(minutes=15)
MAX_OFFICES = 10
SWEEP_ENTRIES = 200
# Open times searched per office and need in a sweep (shared by every entry with that need), and for one
# entry searched on its own when it joins or waits again.
SHARED_SLOTS = 400
ENTRY_SLOTS = 40
PERSON_GROUP = "waitlist.person"
# A freed time that matched nobody waiting is kept from general booking this long, plus a random part
# up to the jitter, so that a script cannot time its release (docs/adr/0036).
RELEASE_DELAY = timedelta(minutes=10)
RELEASE_JITTER = timedelta(minutes=10)
_random = secrets.SystemRandom()


def release_delay() -> timedelta:
    """How long this freed time stays out of general booking: the configured delay
    (`FRONTDESK_WAITLIST_RELEASE_DELAY_MINUTES`) plus a uniform random part up to
    `FRONTDESK_WAITLIST_RELEASE_JITTER_MINUTES`. A zero delay and jitter turns the hold off."""
    delay = getattr(settings, "FRONTDESK_WAITLIST_RELEASE_DELAY_MINUTES", None)
    jitter = getattr(settings, "FRONTDESK_WAITLIST_RELEASE_JITTER_MINUTES", None)
    base = RELEASE_DELAY if delay is None else timedelta(minutes=float(delay))
    spread = RELEASE_JITTER if jitter is None else timedelta(minutes=float(jitter))
    return base + spread * _random.random()


def offer_hold(*, starts_at: datetime, now: datetime, lead: timedelta = timedelta(0)) -> timedelta | None:
    """How long an offer for a slot starting at `starts_at` (bookable until `lead` before it) is kept for
    its person, or None when it is too soon to offer."""
    hold = min(OFFER_HOLD, (starts_at - lead - now) / 2)
    return hold if hold >= SHORTEST_HOLD else None


def person_rate() -> str:
    return getattr(settings, "FRONTDESK_WAITLIST_RATE_PERSON", "20/h")


def person_throttle(person_id: int) -> None:
    """Count one waitlist action (join, claim, refusal) of one person, from any client; 429 past the limit
    (`FRONTDESK_WAITLIST_RATE_PERSON`). The per-client limit is the look-up middleware's (ADR 0018)."""
    from frontdesk.core.crypto import keyed_digest

    key = keyed_digest("waitlist-person", str(person_id))
    usage = get_usage(None, group=PERSON_GROUP, key=lambda _g, _r: key, rate=person_rate(), increment=True)
    if usage is None or usage["should_limit"]:
        wait = max(int(usage["time_left"]), 1) if usage else 60
        minutes = -(-wait // 60)
        raise TooManyAttempts(
            f"Too many tries. Try again in {minutes} minute{'s' if minutes != 1 else ''}.", retry_after=wait
        )


def _purpose(actor: Actor) -> str:
    return "book_for_person" if getattr(actor, "is_authenticated", False) else "self_service"


@dataclass(frozen=True)
class Wishes:
    """What a person can make: offices within a radius of a ZIP, a mode, weekdays and local hours."""

    zip_code: str
    radius_miles: int
    mode: str
    weekdays: tuple[int, ...]
    earliest: time
    latest: time

    def check(self) -> None:
        if not 1 <= self.radius_miles <= MAX_RADIUS_MILES:
            raise ValidationFailed(f"Choose a radius between 1 and {MAX_RADIUS_MILES} miles.", field="radius_miles")
        if not self.weekdays or any(d not in range(7) for d in self.weekdays):
            raise ValidationFailed("Choose at least one day of the week.", field="weekdays")
        if self.earliest >= self.latest:
            raise ValidationFailed("The earliest time must be before the latest time.", field="latest")


def waitlist_join(
    *, actor: Actor, appointment: Appointment, wishes: Wishes, now: datetime | None = None
) -> WaitlistEntry:
    """Put the holder of a booked appointment on the waitlist for an earlier time of the same service.

    The person (after a verified look-up) or a clerk of the appointment's office (on the phone with the
    person) may do it. One active entry per person and service (a database constraint): a second
    request is refused with 409 `already_waiting`, it does not jump the queue.
    """
    now = now or datetime.now(UTC)
    if getattr(actor, "is_authenticated", False) and not policies.can_run_office_day(actor, appointment.office):
        raise PermissionDenied("You can add to the waitlist only callers booked at your own office.")
    wishes.check()
    appointment = Appointment.objects.select_related("office", "service", "person").get(pk=appointment.pk)
    if appointment.status != Status.BOOKED or appointment.starts_at <= now:
        raise Conflict(
            "Only a booked appointment that has not started can wait for an earlier time.", code="not_waitable"
        )
    # Validates the mode against the service (a service that must be done in person, an interpreter...).
    Need(service=appointment.service, mode=wishes.mode, interpreter_language=appointment.interpreter_language)
    nearby = [oid for oid, _miles in offices_near(wishes.zip_code, wishes.radius_miles)][:MAX_OFFICES]
    if not nearby:
        raise ValidationFailed(f"No office is within {wishes.radius_miles} miles of that ZIP code.", field="zip")
    person_throttle(appointment.person_id)
    try:
        with transaction.atomic():
            entry = WaitlistEntry.objects.create(
                person=appointment.person,
                service=appointment.service,
                appointment=appointment,
                interpreter_language=appointment.interpreter_language,
                companion_needed=appointment.companion_id is not None,
                office_ids=nearby,
                radius_miles=wishes.radius_miles,
                mode=wishes.mode,
                weekdays=sorted(set(wishes.weekdays)),
                earliest_time=wishes.earliest,
                latest_time=wishes.latest,
                created_by=staff_user(actor),
                created_at=now,
            )
            event_append(
                type="scheduling.waitlist.joined",
                actor=actor,
                purpose=_purpose(actor),
                subjects=[subject_of(appointment.person)],
                refs={"entry": str(entry.public_id), "service": appointment.service.code, "offices": len(nearby)},
            )
            transaction.on_commit(lambda: _search_later(entry.pk, now))
    except IntegrityError:
        raise Conflict(
            "You are already on the waitlist for this service. You keep your place.", code="already_waiting"
        ) from None
    return entry


def waitlist_active_for(appointment: Appointment) -> WaitlistEntry | None:
    return WaitlistEntry.objects.filter(appointment=appointment, status__in=WAITLIST_ACTIVE).first()


def waitlist_withdraw(
    *, actor: Actor, entry: WaitlistEntry, now: datetime | None = None, why: str = "withdrawn"
) -> None:
    """Take an entry off the waitlist; an open offer it had is withdrawn and its time passed on."""
    now = now or datetime.now(UTC)
    with transaction.atomic():
        entry = WaitlistEntry.objects.select_for_update().select_related("person").get(pk=entry.pk)
        if entry.status not in WAITLIST_ACTIVE:
            return
        for offer in WaitlistOffer.objects.select_for_update().filter(entry=entry, status=OfferStatus.OPEN):
            _close(offer, OfferStatus.WITHDRAWN, now)
            _pass_on_commit(offer, "withdrawn", now)
        entry.status = WaitlistStatus.WITHDRAWN
        entry.ended_at = now
        entry.save(update_fields=["status", "ended_at"])
        event_append(
            type="scheduling.waitlist.withdrawn",
            actor=actor,
            purpose=_purpose(actor),
            subjects=[subject_of(entry.person)],
            refs={"entry": str(entry.public_id), "why": why},
        )


# --- Offers ----------------------------------------------------------------------------------------


def _fits(entry: WaitlistEntry, office: Office, starts_at: datetime, ends_at: datetime) -> bool:
    return _fits_wishes(entry, office, starts_at, ends_at) and (
        # Without a booking any fitting time will do; with one, only an earlier time of it.
        entry.appointment is None
        or (entry.appointment.status == Status.BOOKED and starts_at < entry.appointment.starts_at)
    )


def _fits_wishes(entry: WaitlistEntry, office: Office, starts_at: datetime, ends_at: datetime) -> bool:
    """The offices, days and hours the entry asked for, whatever its booking (`_fits` adds that)."""
    local_start, local_end = starts_at.astimezone(office.zone), ends_at.astimezone(office.zone)
    return (
        office.id in entry.office_ids
        and local_start.weekday() in entry.weekdays
        and entry.earliest_time <= local_start.time()
        and local_end.time() <= entry.latest_time
        and local_end.date() == local_start.date()
    )


def _make_offer(
    entry: WaitlistEntry, office: Office, starts_at: datetime, *, reason: str, now: datetime
) -> WaitlistOffer | None:
    """Offer one slot to one entry, holding its resources, when it is still open for the entry's need."""
    hold = offer_hold(starts_at=starts_at, now=now, lead=timedelta(minutes=entry.service.min_lead_minutes))
    if hold is None:
        return None
    need = Need(service=entry.service, mode=entry.mode, interpreter_language=entry.interpreter_language)
    resources = resources_for_slot(office=office, need=need, starts_at=starts_at, now=now, for_waitlist=True)
    if resources is None:
        return None
    ends_at = starts_at + timedelta(minutes=entry.service.duration_minutes)
    # The offer's own hold replaces any release hold on these resources.
    ReleaseHold.objects.filter(resource_id__in=resources, starts_at__lt=ends_at, ends_at__gt=starts_at).delete()
    offer = WaitlistOffer.objects.create(
        entry=entry,
        office=office,
        mode=entry.mode,
        starts_at=starts_at,
        ends_at=ends_at,
        expires_at=now + hold,
        reason=reason,
        created_at=now,
    )
    OfferHold.objects.bulk_create(
        OfferHold(offer=offer, resource_id=rid, starts_at=starts_at, ends_at=ends_at) for rid in resources
    )
    entry.status = WaitlistStatus.OFFERED
    entry.save(update_fields=["status"])
    event_append(
        type="scheduling.waitlist.offered",
        actor=None,
        purpose="run_schedule",
        subjects=[subject_of(entry.person)],
        refs={
            "entry": str(entry.public_id),
            "offer": str(offer.public_id),
            "office": office.code,
            "reason": reason,
            "expires_at": offer.expires_at.isoformat(),
        },
    )
    transaction.on_commit(lambda: offer_notify(offer.pk), robust=True)
    return offer


def _waiting() -> list[WaitlistEntry]:
    return list(
        WaitlistEntry.objects.select_for_update(of=("self",))
        .filter(status=WaitlistStatus.WAITING)
        .select_related("appointment", "service", "person")
        .order_by("created_at", "id")
    )


FreedResources = list[tuple[int, datetime]]  # (resource id, end of the freed time)


def time_freed(*, office: Office, starts_at: datetime, reason: str, now: datetime | None = None) -> list[WaitlistOffer]:
    """Offer a time that just became free at an office to the first matching waiting entries, in order
    of request, one offer per entry, for as many as its resources can serve. An entry that already had an
    offer for this very time (refused or let expire) is passed over.

    The freed resources no offer took are already kept from general booking (`_hold_freed`, in the
    transaction that freed them); this marks their holds swept: the waitlist has had its turn, and the
    time goes public once the hold's short, jittered `release_at` has passed (docs/adr/0041)."""
    now = now or datetime.now(UTC)
    with transaction.atomic():
        return _offer_time(_Line.read([(office.id, starts_at)]), office, starts_at, reason, now)


class _Line:
    """Who is in line, read once for all the freed times one hand-off or sweep looks at: the waiting
    entries (locked, in order of request), the entries holding an open offer, and who was offered each of
    those times before. Offers made while looking move their entry from the one list to the other."""

    def __init__(self, waiting: list[WaitlistEntry], offered: list[WaitlistEntry], had: dict) -> None:
        self.waiting = waiting
        self.offered = offered
        self.had: dict[tuple[int, datetime], set[int]] = had

    @classmethod
    def read(cls, times: list[tuple[int, datetime]]) -> "_Line":
        had: dict[tuple[int, datetime], set[int]] = {key: set() for key in times}
        if times:
            from django.db.models import Q

            at = Q()
            for office_id, starts_at in times:
                at |= Q(office_id=office_id, starts_at=starts_at)
            for office_id, starts_at, entry_id in WaitlistOffer.objects.filter(at).values_list(
                "office_id", "starts_at", "entry_id"
            ):
                had.setdefault((office_id, starts_at), set()).add(entry_id)
        offered = list(
            WaitlistEntry.objects.filter(status=WaitlistStatus.OFFERED).select_related("appointment", "service")
        )
        return cls(_waiting(), offered, had)


def _offer_time(
    line: _Line, office: Office, starts_at: datetime, reason: str, now: datetime, only: set[int] | None = None
) -> list[WaitlistOffer]:
    """`time_freed` for one time against a line already read: offers to the waiting entries it fits (`only`
    those that changed since the last look, when the sweep knows the rest were tried then), then the holds
    on it swept, or only marked looked at while someone it fits holds another offer."""
    made: list[WaitlistOffer] = []
    had = line.had.setdefault((office.id, starts_at), set())
    # A need the time cannot serve (too soon, no free staff or interpreter for it) is not tried again for
    # the next entry with the same need.
    cannot: set[tuple[int, str, str]] = set()
    for entry in line.waiting:
        need = (entry.service_id, entry.mode, entry.interpreter_language)
        if entry.status != WaitlistStatus.WAITING or entry.id in had or need in cannot:
            continue
        if only is not None and entry.id not in only:
            continue
        ends_at = starts_at + timedelta(minutes=entry.service.duration_minutes)
        if not _fits(entry, office, starts_at, ends_at):
            continue
        offer = _make_offer(entry, office, starts_at, reason=reason, now=now)
        if offer is not None:
            made.append(offer)
            had.add(entry.id)
            line.offered.append(entry)
        else:
            cannot.add(need)
    holds = ReleaseHold.objects.filter(office=office, starts_at=starts_at)
    if not _still_wanted(line, office, starts_at):
        holds.filter(swept_at__isnull=True).update(swept_at=now)
    # The look itself, on swept holds too: the sweep looks again only when something changed since.
    holds.update(checked_at=now)
    return made


def _still_wanted(line: _Line, office: Office, starts_at: datetime) -> bool:
    """Whether someone in line could still want this time once they answer: an entry holding an open offer
    of another time, whose wishes fit this one and who was never offered it. One offer at a time is the
    rule, so such a person is ahead of the public: the time stays held until they answer (or their offer
    lapses), and then it is offered to them (`_search_later`). docs/adr/0041."""
    had = line.had.get((office.id, starts_at), set())
    for entry in line.offered:
        ends_at = starts_at + timedelta(minutes=entry.service.duration_minutes)
        if entry.id not in had and _fits(entry, office, starts_at, ends_at):
            return True
    return False


def _hold_freed(office_id: int, starts_at: datetime, resources: FreedResources, now: datetime) -> None:
    """Keep freed resources from general booking, in the transaction that frees them, so that no one
    polling the public availability sees the time before the waitlist has been offered it. Resources
    booked or offered again meanwhile are not held."""
    if starts_at <= now or not resources:
        return
    delay = release_delay()
    if delay <= timedelta(0):
        return
    rows = []
    for resource_id, ends_at in resources:
        overlapping = {"resource_id": resource_id, "active": True, "starts_at__lt": ends_at, "ends_at__gt": starts_at}
        if ResourceHold.objects.filter(**overlapping).exists() or OfferHold.objects.filter(**overlapping).exists():
            continue
        rows.append(
            ReleaseHold(
                office_id=office_id,
                resource_id=resource_id,
                starts_at=starts_at,
                ends_at=ends_at,
                release_at=now + delay,
                created_at=now,
            )
        )
    ReleaseHold.objects.bulk_create(rows)


def _holding(now: datetime) -> "QuerySet[ReleaseHold]":
    """Release holds still in force at `now` (availability.busy_intervals' rule)."""
    from django.db.models import Q
    from django.db.models.functions import Coalesce

    return (
        ReleaseHold.objects.annotate(looked=Coalesce("checked_at", "created_at"))
        .filter(Q(release_at__gt=now) | Q(swept_at__isnull=True, looked__gt=now - RELEASE_HOLD_LIMIT))
        .filter(starts_at__gt=now)
    )


# A held time nobody in line has changed for is still looked at again this often, so that what no
# entry's answer announces (staff or an interpreter freed for a need that could not be served before)
# is caught; well inside `RELEASE_HOLD_LIMIT`, so that a hold the sweep keeps looking at never lapses.
HELD_LOOK_AGAIN = timedelta(minutes=10)


def _offer_held(now: datetime) -> int:
    """Offer the freed times still kept from general booking to entries that wait (again): one that joined,
    or whose offer was refused or lapsed, after the time was freed; sweep the holds nobody in line wants
    any more. Only the times something could have changed for are looked at (`_held_due`): the line is
    read once for all of them. Makes no new release hold."""
    due = _held_due(now)
    if not due:
        return 0
    made = 0
    offices = Office.objects.in_bulk({office_id for (office_id, _), _only in due})
    with transaction.atomic():
        line = _Line.read([key for key, _only in due])
        for (office_id, starts_at), only in due:
            made += len(_offer_time(line, offices[office_id], starts_at, "held", now, only))
    return made


def _held_due(now: datetime) -> list[tuple[tuple[int, datetime], set[int] | None]]:
    """The held freed times (office, start), in order of start, whose answer could differ from the last
    look at them (`checked_at`), each with the waiting entries to try (None: all): never looked at (the
    hand-off after the freeing did not run) or last looked at `HELD_LOOK_AGAIN` ago or more (all), or an
    entry whose wishes could fit the time changed since then (joined, confirmed, answered or let its offer
    lapse, ended, or its booking changed: those entries; the others waiting were tried at the last look).
    A held time's answer depends only on the entries that fit it, so the rest are skipped without reading
    the line."""
    last: dict[tuple[int, datetime], datetime | None] = {}
    for office_id, starts_at, checked_at in (
        _holding(now).values_list("office_id", "starts_at", "checked_at").order_by("starts_at")
    ):
        key = (office_id, starts_at)
        before = last.get(key, checked_at)
        # The time's last look is its least recent hold's; a hold never looked at makes it never looked at.
        last[key] = None if before is None or checked_at is None else min(before, checked_at)
    if not last:
        return []
    due: dict[tuple[int, datetime], set[int] | None] = {
        key: None for key, looked in last.items() if looked is None or looked <= now - HELD_LOOK_AGAIN
    }
    looked_at = [looked for key, looked in last.items() if key not in due and looked is not None]
    if looked_at:
        changed = _changed_since(min(looked_at))
        if changed:
            offices = Office.objects.in_bulk({office_id for office_id, _ in last})
            for key, looked in last.items():
                if key in due or looked is None:
                    continue
                office, starts_at = offices[key[0]], key[1]
                fitting = {
                    entry.id
                    for entry, moment in changed
                    if moment >= looked
                    and _fits_wishes(
                        entry, office, starts_at, starts_at + timedelta(minutes=entry.service.duration_minutes)
                    )
                }
                if fitting:
                    due[key] = fitting
    return sorted(due.items(), key=lambda item: (item[0][1], item[0][0]))


def _changed_since(since: datetime) -> list[tuple[WaitlistEntry, datetime]]:
    """Entries that changed at or after `since`, each with the moment of its latest change: joined or
    confirmed (`created_at`), ended, an offer answered, lapsed or withdrawn (`decided_at`: the entry waits
    again or has ended), or its booking changed."""
    from django.db.models import Max, Q

    entries = (
        WaitlistEntry.objects.filter(
            Q(created_at__gte=since)
            | Q(ended_at__gte=since)
            | Q(offers__decided_at__gte=since)
            | Q(appointment__updated_at__gte=since)
        )
        .annotate(decided=Max("offers__decided_at"))
        .select_related("appointment", "service")
    )
    changed: list[tuple[WaitlistEntry, datetime]] = []
    for entry in entries:
        moments = [entry.created_at, entry.ended_at, entry.decided]
        if entry.appointment is not None:
            moments.append(entry.appointment.updated_at)
        changed.append((entry, max(m for m in moments if m is not None)))
    return changed


def _offer_held_to(entry: WaitlistEntry, now: datetime) -> WaitlistOffer | None:
    """Offer one waiting entry the earliest held freed time that fits it and it was never offered. Held
    times fitting anyone ahead of it in line who waits were offered to them when freed or swept."""
    had = set(entry.offers.values_list("office_id", "starts_at"))
    held = _holding(now).values_list("office_id", "starts_at").distinct().order_by("starts_at")
    offices = Office.objects.in_bulk(entry.office_ids)
    ends = timedelta(minutes=entry.service.duration_minutes)
    for office_id, starts_at in held:
        office = offices.get(office_id)
        if office is None or (office_id, starts_at) in had or not _fits(entry, office, starts_at, starts_at + ends):
            continue
        offer = _make_offer(entry, office, starts_at, reason="held", now=now)
        if offer is not None:
            return offer
    return None


def _search_later(entry_pk: int, now: datetime) -> None:
    """An entry that joins, is confirmed or waits again is searched for at once, not at the next sweep:
    first the held freed times (offered to every waiting entry in order of request), then, if this entry
    still waits, every open time that fits it."""
    try:
        with transaction.atomic():
            entry = (
                WaitlistEntry.objects.select_for_update(of=("self",))
                .select_related("appointment", "service", "person")
                .filter(pk=entry_pk, status=WaitlistStatus.WAITING)
                .first()
            )
            if entry is not None and _offer_held_to(entry, now) is None:
                _sweep_entry(entry, now)
    except Exception:
        # The entry is in line; the every-minute sweep searches for it if this failed.
        logger.exception("Searching for a waitlist entry failed.")


def _freed_later(office_id: int, starts_at: datetime, reason: str, now: datetime) -> None:
    try:
        time_freed(office=Office.objects.get(pk=office_id), starts_at=starts_at, reason=reason, now=now)
    except Exception:
        # The cancellation is committed and its time held; the every-minute sweep offers it if this failed.
        logger.exception("Offering a freed time to the waitlist failed.")


def _pass_on_commit(offer: WaitlistOffer, reason: str, now: datetime) -> None:
    office_id, starts_at = offer.office_id, offer.starts_at
    _hold_freed(
        office_id, starts_at, list(OfferHold.objects.filter(offer=offer).values_list("resource_id", "ends_at")), now
    )
    transaction.on_commit(lambda: _freed_later(office_id, starts_at, reason, now))


def appointment_time_freed(
    appointment: Appointment, *, starts_at: datetime, office_id: int, reason: str, now: datetime
) -> None:
    """Called by the scheduling services inside their transaction when a booking lets a time go: after
    commit, the time is offered to the waitlist. A cancelled booking also leaves the waitlist."""
    if appointment.status == Status.CANCELLED:
        entry = waitlist_active_for(appointment)
        if entry is not None:
            waitlist_withdraw(actor=None, entry=entry, why="cancelled", now=now)
    resources = list(
        ResourceHold.objects.filter(appointment=appointment, starts_at=starts_at, active=False).values_list(
            "resource_id", "ends_at"
        )
    )
    _hold_freed(office_id, starts_at, resources, now)
    transaction.on_commit(lambda: _freed_later(office_id, starts_at, reason, now))


def _close(offer: WaitlistOffer, status: str, now: datetime) -> None:
    offer.status = status
    offer.decided_at = now
    offer.save(update_fields=["status", "decided_at"])
    OfferHold.objects.filter(offer=offer, active=True).update(active=False)


def _person_id(appointment: Appointment | None, person: Person | None) -> int:
    if appointment is not None:
        return appointment.person_id
    if person is None:
        raise NotFound("We found no such offer for you.", code="offer_not_found")
    return person.id


def _offer_for(offer_id: UUID | str, person_id: int) -> WaitlistOffer:
    """The offer, locked, when it belongs to the person whose booking (or one-time code) was verified; else
    404, the same answer for a made-up offer and for someone else's (an offer cannot be passed on)."""
    offer = (
        WaitlistOffer.objects.select_for_update(of=("self",))
        .select_related("entry", "entry__person", "entry__appointment", "office")
        .filter(public_id=offer_id)
        .first()
    )
    if offer is None or offer.entry.person_id != person_id:
        raise NotFound("We found no such offer for you.", code="offer_not_found")
    return offer


@contextmanager
def _verified_offer(
    offer_id: UUID | str, *, appointment: Appointment | None, person: Person | None, now: datetime
) -> Iterator[WaitlistOffer]:
    """The open offer being answered, locked, in a transaction: closed first if its time is up (so a late
    answer is 409 `offer_closed`), counted against its person's limit, and the same 404 when it belongs to
    anyone but the verified `appointment`'s person or `person`. Shared by claim and refusal."""
    _expire_if_due(offer_id, now)
    person_id = _person_id(appointment, person)
    person_throttle(person_id)
    with transaction.atomic():
        offer = _offer_for(offer_id, person_id)
        if offer.status != OfferStatus.OPEN:
            raise Conflict("This offer is no longer open.", code="offer_closed")
        yield offer


def _expire_if_due(offer_id: UUID | str, now: datetime) -> None:
    # Lazy expiry: an offer past its time is closed on read too, not only by the periodic job.
    due = WaitlistOffer.objects.filter(public_id=offer_id, status=OfferStatus.OPEN, expires_at__lte=now).first()
    if due is not None:
        offers_expire(now=now, only=due.pk)


def offer_claim(
    *,
    actor: Actor,
    offer_id: UUID | str,
    appointment: Appointment | None = None,
    person: Person | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Take an offered time: the person's booking moves to it, in one transaction with the offer's close.

    `appointment` must come from a verified look-up (`selectors.appointment_find`) or from staff of its
    office; the offer must be this person's, open and unexpired. Two claims at once: the offer row is
    locked, the second sees it taken (409 `offer_closed`). If someone else's booking got the resources
    first (possible only in the instant the offer was made), 409 `slot_taken` and the entry waits again.

    An entry without a booking is claimed with its `person` (verified by a one-time code to the contact
    on file, `offer_code_check`, or on the phone with staff): the claim then books the offered time for
    that very person (`appointment_book(subject=...)`), with the entry's interpreter language.
    """
    now = now or datetime.now(UTC)
    try:
        with _verified_offer(offer_id, appointment=appointment, person=person, now=now) as offer:
            entry = offer.entry
            _close(offer, OfferStatus.CLAIMED, now)
            if entry.appointment is None:
                subject = entry.person
                moved = appointment_book(
                    actor=actor,
                    office=offer.office,
                    service=entry.service,
                    mode=offer.mode,
                    starts_at=offer.starts_at,
                    person=PersonDetails(
                        first_name=subject.first_name,
                        last_name=subject.last_name,
                        date_of_birth=subject.date_of_birth,
                        preferred_language=subject.preferred_language,
                    ),
                    subject=subject,
                    interpreter_language=entry.interpreter_language,
                    now=now,
                )
                entry.appointment = moved
            else:
                moved = appointment_reschedule(
                    actor=actor,
                    appointment=entry.appointment,
                    starts_at=offer.starts_at,
                    office=offer.office,
                    mode=offer.mode,
                    now=now,
                )
            entry.status = WaitlistStatus.FULFILLED
            entry.ended_at = now
            entry.save(update_fields=["status", "ended_at", "appointment"])
            event_append(
                type="scheduling.waitlist.offer_claimed",
                actor=actor,
                purpose=_purpose(actor),
                subjects=[subject_of(entry.person)],
                refs={
                    "entry": str(entry.public_id),
                    "offer": str(offer.public_id),
                    "appointment": str(moved.public_id),
                    "office": offer.office.code,
                },
            )
    except Conflict as error:
        if error.code == "slot_taken":
            _offer_lost(offer_id, now)
        raise
    return moved


def _offer_lost(offer_id: UUID | str, now: datetime) -> None:
    with transaction.atomic():
        offer = (
            WaitlistOffer.objects.select_for_update().select_related("entry", "entry__person").get(public_id=offer_id)
        )
        if offer.status != OfferStatus.OPEN:
            return
        _close(offer, OfferStatus.WITHDRAWN, now)
        _back_in_line(offer.entry, now)
        event_append(
            type="scheduling.waitlist.offer_withdrawn",
            actor=None,
            purpose="run_schedule",
            subjects=[subject_of(offer.entry.person)],
            refs={"entry": str(offer.entry.public_id), "offer": str(offer.public_id), "why": "slot_taken"},
        )


def _back_in_line(entry: WaitlistEntry, now: datetime) -> None:
    """After a refused or expired offer the entry waits again, in its original place."""
    if entry.status == WaitlistStatus.OFFERED:
        entry.status = WaitlistStatus.WAITING
        entry.save(update_fields=["status"])
        transaction.on_commit(lambda: _search_later(entry.pk, now))


def offer_decline(
    *,
    actor: Actor,
    offer_id: UUID | str,
    appointment: Appointment | None = None,
    person: Person | None = None,
    now: datetime | None = None,
) -> None:
    """Refuse an offered time: the person keeps their booking (if any) and their place; the time goes to
    the next."""
    now = now or datetime.now(UTC)
    with _verified_offer(offer_id, appointment=appointment, person=person, now=now) as offer:
        _close(offer, OfferStatus.DECLINED, now)
        # The refused time is passed on (after commit) before the entry is searched for again.
        _pass_on_commit(offer, "declined", now)
        _back_in_line(offer.entry, now)
        event_append(
            type="scheduling.waitlist.offer_declined",
            actor=actor,
            purpose=_purpose(actor),
            subjects=[subject_of(offer.entry.person)],
            refs={"entry": str(offer.entry.public_id), "offer": str(offer.public_id)},
        )


def offers_expire(*, now: datetime | None = None, only: int | None = None) -> int:
    """Close open offers past their time, put their entries back in line and pass each time on."""
    now = now or datetime.now(UTC)
    count = 0
    with transaction.atomic():
        due = WaitlistOffer.objects.select_for_update(of=("self",)).select_related("entry", "entry__person")
        due = due.filter(status=OfferStatus.OPEN, expires_at__lte=now)
        if only is not None:
            due = due.filter(pk=only)
        for offer in due:
            _close(offer, OfferStatus.EXPIRED, now)
            _pass_on_commit(offer, "expired", now)
            _back_in_line(offer.entry, now)
            event_append(
                type="scheduling.waitlist.offer_expired",
                actor=None,
                purpose="run_schedule",
                subjects=[subject_of(offer.entry.person)],
                refs={"entry": str(offer.entry.public_id), "offer": str(offer.public_id)},
            )
            count += 1
    return count


def waitlist_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic job: expire offers, end entries whose booking is gone, and offer each waiting entry
    (in order of request) the earliest open time that fits it. This catches every way a time appears
    that no service announces: a new shift or interpreter, an absence withdrawn, a failed hand-off."""
    now = now or datetime.now(UTC)
    expired = offers_expire(now=now)
    ReleaseHold.objects.filter(release_at__lt=now - timedelta(days=1)).delete()
    _offer_held(now)
    ended = 0
    for entry in WaitlistEntry.objects.filter(status__in=WAITLIST_ACTIVE, appointment__isnull=False).exclude(
        appointment__status=Status.BOOKED, appointment__starts_at__gt=now
    ):
        waitlist_withdraw(actor=None, entry=entry, now=now, why="booking_ended")
        ended += 1
    offered = 0
    with transaction.atomic():
        entries = _waiting()[:SWEEP_ENTRIES]
        search = _SlotSearch(now, entries)
        for entry in entries:
            try:
                with transaction.atomic():
                    if _sweep_entry(entry, now, search) is not None:
                        offered += 1
            except DomainError:
                # A service withdrawn or a need no office can serve any more: this entry waits, the rest go on.
                logger.warning("The waitlist sweep skipped an entry it could not search for.")
    return {"expired": expired, "ended": ended, "offered": offered, "searches": len(search.found)}


@dataclass(frozen=True)
class _Open:
    """An open time with its local weekday and wall-clock times worked out once for every entry."""

    slot: Slot
    weekday: int
    starts: time
    ends: time
    one_day: bool


class _SlotSearch:
    """The open times of one sweep, searched once per office, service, mode and interpreter language and
    shared by every entry with that need (docs/adr/0041), up to the latest day any of those entries could
    move to, with the offices and past offers of all the sweep's entries read at once. A time another entry
    was offered earlier in the sweep stays in the list: `_make_offer` checks each time against the holds as
    they are now."""

    def __init__(self, now: datetime, entries: list[WaitlistEntry]) -> None:
        self.now = now
        self.offices = Office.objects.prefetch_related("hours").in_bulk(
            {office_id for entry in entries for office_id in entry.office_ids}
        )
        self.had: dict[int, set[tuple[int, datetime]]] = {entry.id: set() for entry in entries}
        for entry_id, office_id, starts_at in WaitlistOffer.objects.filter(entry__in=entries).values_list(
            "entry_id", "office_id", "starts_at"
        ):
            self.had[entry_id].add((office_id, starts_at))
        # The latest instant any entry of a need could move to: its booking's start, or (without one) the
        # end of the search range.
        self.until: dict[tuple[int, str, str], datetime] = {}
        for entry in entries:
            need = (entry.service_id, entry.mode, entry.interpreter_language)
            until = entry.appointment.starts_at if entry.appointment is not None else now + timedelta(days=366)
            self.until[need] = max(self.until.get(need, until), until)
        self.found: dict[tuple[int, int, str, str], list[_Open]] = {}

    def slots(self, office: Office, need: Need) -> list[_Open]:
        key = (office.id, need.service.id, need.mode, need.interpreter_language)
        if key not in self.found:
            today = local_today(office, self.now)
            until = self.until.get(key[1:], self.now + timedelta(days=366)).astimezone(office.zone).date()
            last = min(
                until,
                booking_window_end(need.service, office, self.now),
                today + timedelta(days=MAX_RANGE_DAYS),
            )
            found = (
                office_slots(office=office, need=need, start=today, end=last, limit=SHARED_SLOTS, now=self.now)
                if last >= today
                else []
            )
            self.found[key] = [
                _Open(slot, start.weekday(), start.time(), end.time(), start.date() == end.date())
                for slot in found
                for start, end in [(slot.starts_at.astimezone(office.zone), slot.ends_at.astimezone(office.zone))]
            ]
        return self.found[key]


def _search_shared(
    entry: WaitlistEntry, office: Office, need: Need, search: _SlotSearch, now: datetime
) -> WaitlistOffer | None:
    had = search.had.get(entry.id, set())
    before = entry.appointment.starts_at if entry.appointment is not None else None
    if before is not None and entry.appointment is not None and entry.appointment.status != Status.BOOKED:
        return None
    weekdays = set(entry.weekdays)
    for found in search.slots(office, need):
        if before is not None and found.slot.starts_at >= before:
            break  # the times come in order: none later is earlier than the booking
        if (
            found.weekday in weekdays
            and found.one_day
            and entry.earliest_time <= found.starts
            and found.ends <= entry.latest_time
            and (office.id, found.slot.starts_at) not in had
        ):
            offer = _make_offer(entry, office, found.slot.starts_at, reason="sweep", now=now)
            if offer is not None:
                return offer
    return None


def _entry_slots(entry: WaitlistEntry, office: Office, need: Need, now: datetime) -> list[Slot]:
    """The open times one entry could take at one office, searched for that entry alone (at once, when
    it joins or waits again): up to its booking's day, or the service's booking window."""
    today = local_today(office, now)
    last = min(
        entry.appointment.starts_at.astimezone(office.zone).date()
        if entry.appointment is not None
        else today + timedelta(days=MAX_RANGE_DAYS),
        booking_window_end(entry.service, office, now),
        today + timedelta(days=MAX_RANGE_DAYS),
    )
    if last < today:
        return []
    return office_slots(office=office, need=need, start=today, end=last, limit=ENTRY_SLOTS, now=now)


def _sweep_entry(entry: WaitlistEntry, now: datetime, search: "_SlotSearch | None" = None) -> WaitlistOffer | None:
    need = Need(service=entry.service, mode=entry.mode, interpreter_language=entry.interpreter_language)
    if search is None:
        offices = Office.objects.prefetch_related("hours").in_bulk(entry.office_ids)
        had = set(entry.offers.values_list("office_id", "starts_at"))
    else:
        offices, had = search.offices, search.had.get(entry.id, set())
    for office_id in entry.office_ids:
        office = offices.get(office_id)
        if office is None:
            continue
        if search is not None:
            shared = _search_shared(entry, office, need, search, now)
            if shared is not None:
                return shared
            continue
        for slot in _entry_slots(entry, office, need, now):
            if (office.id, slot.starts_at) in had or not _fits(entry, office, slot.starts_at, slot.ends_at):
                continue
            offer = _make_offer(entry, office, slot.starts_at, reason="sweep", now=now)
            if offer is not None:
                return offer
    return None


# --- Without a booking (docs/adr/0036) -------------------------------------------------------------


def _nearby(wishes: Wishes) -> list[int]:
    nearby = [oid for oid, _miles in offices_near(wishes.zip_code, wishes.radius_miles)][:MAX_OFFICES]
    if not nearby:
        raise ValidationFailed(f"No office is within {wishes.radius_miles} miles of that ZIP code.", field="zip")
    return nearby


def _waiting_person(details: PersonDetails, service: Service) -> Person | None:
    """The person already on the list for this service under these details (first and last name, birth
    date): a caller with no booking is known by them, so re-entering them does not make a second place."""
    from .names import name_key

    for entry in WaitlistEntry.objects.filter(
        service=service,
        status__in=WAITLIST_ACTIVE,
        person__last_name_key=name_key(details.last_name),
        person__date_of_birth=details.date_of_birth,
    ).select_related("person"):
        if name_key(entry.person.first_name) == name_key(details.first_name):
            return entry.person
    return None


def _contact_check(details: PersonDetails) -> None:
    if not (details.email.strip() or details.phone.strip()):
        raise ValidationFailed(
            "Give an email address or a phone number: that is where we send the offer.", field="email"
        )


def waitlist_join_unbooked(
    *,
    actor: Actor,
    details: PersonDetails,
    service: Service,
    wishes: Wishes,
    interpreter_language: str = "",
    companion_needed: bool = False,
    now: datetime | None = None,
) -> WaitlistEntry:
    """Put a person who holds no booking on the waitlist for a service: a claim will book the offered time.

    A clerk (on the phone with the caller) adds them at once, when the clerk's office is among the
    offices the caller can reach. The public asks with name, birth date and a contact: the entry stays
    `unverified`, out of line, until the one-time code sent to that contact is typed
    (`waitlist_confirm`); its place in line is the moment of that confirmation. One active entry per
    person and service: the same name and birth date again is 409 `already_waiting`.
    """
    now = now or datetime.now(UTC)
    staff = getattr(actor, "is_authenticated", False)
    wishes.check()
    _contact_check(details)
    Need(service=service, mode=wishes.mode, interpreter_language=interpreter_language)
    nearby = _nearby(wishes)
    if staff and not any(policies.can_run_office_day(actor, o) for o in Office.objects.filter(id__in=nearby)):
        raise PermissionDenied("You can add to the waitlist only callers who can reach your own office.")
    if _waiting_person(details, service) is not None:
        raise Conflict("You are already on the waitlist for this service. You keep your place.", code="already_waiting")
    try:
        with transaction.atomic():
            person = person_resolve(details=details, today=now.date())
            person_throttle(person.id)
            entry = WaitlistEntry.objects.create(
                person=person,
                service=service,
                appointment=None,
                interpreter_language=interpreter_language,
                companion_needed=companion_needed,
                office_ids=nearby,
                radius_miles=wishes.radius_miles,
                mode=wishes.mode,
                weekdays=sorted(set(wishes.weekdays)),
                earliest_time=wishes.earliest,
                latest_time=wishes.latest,
                status=WaitlistStatus.WAITING if staff else WaitlistStatus.UNVERIFIED,
                created_by=staff_user(actor),
                created_at=now,
            )
            if staff:
                _joined(actor, entry, now)
            else:
                code = _issue_code(entry, now)
                transaction.on_commit(lambda: _send_code(entry.pk, code), robust=True)
    except IntegrityError:
        raise Conflict(
            "You are already on the waitlist for this service. You keep your place.", code="already_waiting"
        ) from None
    return entry


def _joined(actor: Actor, entry: WaitlistEntry, now: datetime) -> None:
    event_append(
        type="scheduling.waitlist.joined",
        actor=actor,
        purpose=_purpose(actor),
        subjects=[subject_of(entry.person)],
        refs={
            "entry": str(entry.public_id),
            "service": entry.service.code,
            "offices": len(entry.office_ids),
            "booking": "none",
        },
    )
    transaction.on_commit(lambda: _search_later(entry.pk, now))


def _code_context(entry: WaitlistEntry) -> str:
    return f"waitlist-entry:{entry.public_id}"


def _issue_code(entry: WaitlistEntry, now: datetime) -> str:
    code = new_code()
    entry.code_hash = code_digest(_code_context(entry), code)
    entry.code_expires_at = now + CODE_TTL
    entry.code_attempts = 0
    entry.save(update_fields=["code_hash", "code_expires_at", "code_attempts"])
    return code


def _send_code(entry_pk: int, code: str) -> None:
    from django.utils import translation
    from django.utils.translation import gettext as _

    person = WaitlistEntry.objects.select_related("person").get(pk=entry_pk).person
    with translation.override(person.preferred_language if person.preferred_language in ("en", "es") else "en"):
        body = _("Your waitlist code is %(code)s. It works for 10 minutes. Do not share it.") % {"code": code}
        subject = _("Your waitlist code")
    deliver(
        [
            Message(channel=channel, address=address, subject=subject, body=body)
            for channel in ("email", "sms")
            if (address := contact_address(person, channel))
        ]
    )


def _code_check(entry: WaitlistEntry, code: str, now: datetime) -> PermissionDenied | None:
    """None when `code` is the entry's current one-time code (then spent), else the error to raise once
    the caller's transaction has committed the counted try: 5 tries, 10 minutes, single use."""
    if (
        not entry.code_hash
        or entry.code_expires_at is None
        or entry.code_expires_at <= now
        or entry.code_attempts >= MAX_ATTEMPTS
    ):
        return PermissionDenied("That code has expired. Ask for a new one.", code="code_expired")
    if not code_matches(entry.code_hash, _code_context(entry), code):
        entry.code_attempts += 1
        entry.save(update_fields=["code_attempts"])
        return PermissionDenied("That code is not right. Check the message and try again.", code="code_wrong")
    entry.code_hash = ""
    entry.code_expires_at = None
    entry.save(update_fields=["code_hash", "code_expires_at"])
    return None


def waitlist_confirm(*, entry_id: UUID | str, code: str, now: datetime | None = None) -> WaitlistEntry:
    """Confirm a public request with the one-time code sent to its contact: the entry joins the line now."""
    now = now or datetime.now(UTC)
    wrong: PermissionDenied | None = None
    try:
        with transaction.atomic():
            entry = (
                WaitlistEntry.objects.select_for_update(of=("self",))
                .select_related("person", "service")
                .filter(public_id=entry_id, status=WaitlistStatus.UNVERIFIED)
                .first()
            )
            if entry is None:
                raise NotFound("We found no such request waiting for a code.", code="request_not_found")
            person_throttle(entry.person_id)
            wrong = _code_check(entry, code, now)
            if wrong is None:
                entry.status = WaitlistStatus.WAITING
                entry.created_at = now
                entry.save(update_fields=["status", "created_at"])
                _joined(None, entry, now)
    except IntegrityError:
        raise Conflict(
            "You are already on the waitlist for this service. You keep your place.", code="already_waiting"
        ) from None
    if wrong is not None:
        raise wrong
    return entry


def offer_code_send(*, offer_id: UUID | str, now: datetime | None = None) -> None:
    """Send a one-time code for an open offer of an entry without a booking, to the contact on file. The
    same silent answer for any offer id, so that it tells nobody which offers exist."""
    now = now or datetime.now(UTC)
    with transaction.atomic():
        offer = (
            WaitlistOffer.objects.select_related("entry")
            .filter(public_id=offer_id, status=OfferStatus.OPEN, expires_at__gt=now, entry__appointment__isnull=True)
            .first()
        )
        if offer is None:
            return
        entry = WaitlistEntry.objects.select_for_update().get(pk=offer.entry_id)
        person_throttle(entry.person_id)
        code = _issue_code(entry, now)
        transaction.on_commit(lambda: _send_code(entry.pk, code), robust=True)


def offer_code_check(*, offer_id: UUID | str, code: str, now: datetime | None = None) -> Person:
    """The person an offer (of an entry without a booking) belongs to, once its one-time code is right:
    pass it to `offer_claim` / `offer_decline`. A wrong or spent code is 403; no such offer is 404."""
    now = now or datetime.now(UTC)
    with transaction.atomic():
        offer = WaitlistOffer.objects.filter(public_id=offer_id, entry__appointment__isnull=True).first()
        if offer is None:
            raise NotFound("We found no such offer for you.", code="offer_not_found")
        entry = WaitlistEntry.objects.select_for_update(of=("self",)).select_related("person").get(pk=offer.entry_id)
        wrong = _code_check(entry, code, now)
    if wrong is not None:
        raise wrong
    return entry.person
