"""Rate limits on public look-ups (per client address and per confirmation code) and on public bookings
(per person).

One rule, one function: `lookup_throttle` counts a try against every limit it falls under and raises
`TooManyAttempts` past one. The site and the API both reach it, for the per-client limit through
`public.throttle.LookupThrottleMiddleware`, for the per-code limit through `selectors.appointment_find`
(find, cancel, reschedule, calendar and the accounting look-up all go through it).

Counters live in the "ratelimit" cache (settings.CACHES), shared by every worker: the database by
default, Redis when configured. Cache keys hold only keyed hashes of addresses and codes. The counters
bound how fast anyone may guess; the hard bound on guesses at one code is `lookup_guard`, counted in
the database, because a cache may be flushed or evicted (docs/adr/0018-rate-limits-on-public-look-ups.md).
"""

import ipaddress
import math
from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django_ratelimit.core import get_usage

from frontdesk.core.crypto import keyed_digest
from frontdesk.core.errors import TooManyAttempts

from .names import name_key

if TYPE_CHECKING:
    from .models import Person

CLIENT = "lookup.client"
CODE = "lookup.code"
KIOSK = "lookup.kiosk"
PERSON = "booking.person"
BOOKING_CLIENT = "booking.client"
IPV6_PREFIX = 64  # one household or phone gets a /64; counting single IPv6 addresses would count nothing


def client_key(address: str) -> str:
    """The keyed hash a client address is counted under (an IPv6 address by its /64 network)."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return keyed_digest("lookup-client", "unknown")
    if ip.version == 6:
        ip = ipaddress.ip_network(f"{ip}/{IPV6_PREFIX}", strict=False).network_address
    return keyed_digest("lookup-client", str(ip))


def code_key(normalized_code: str) -> str:
    """The keyed hash a confirmation code (in its normalized form) is counted and guarded under."""
    return keyed_digest("lookup-code", normalized_code)


def _count(group: str, value: str, rate: str) -> int | None:
    """Seconds to wait when this try is past the limit, else None. A store that fails refuses (fail closed)."""
    usage = get_usage(None, group=group, key=lambda _group, _request: value, rate=rate, increment=True)
    if usage is None or not usage["should_limit"]:
        return None
    return max(usage["time_left"], 1) if usage["time_left"] > 0 else 60


def _too_many(wait: int) -> TooManyAttempts:
    minutes = math.ceil(wait / 60)
    return TooManyAttempts(
        f"Too many tries. Try again in {minutes} minute{'s' if minutes != 1 else ''}.", retry_after=wait
    )


def booking_person_key(*, first_name: str, last_name: str, date_of_birth: date) -> str:
    """The keyed hash a person's bookings are counted under: their names as compared everywhere
    (`names.name_key`, so spelling variants count together) and their birth date."""
    return keyed_digest("booking-person", f"{name_key(first_name)}|{name_key(last_name)}|{date_of_birth.isoformat()}")


def person_booking_key(person: "Person") -> str:
    """`booking_person_key` of a stored person (for a move of their booking)."""
    return booking_person_key(
        first_name=person.first_name, last_name=person.last_name, date_of_birth=person.date_of_birth
    )


def booking_throttle(*, person: str, client: str = "") -> None:
    """Count one public booking or move of one person (their `booking_person_key`), and for a new booking
    one from its client (`client_key`).

    Past `FRONTDESK_BOOKING_RATE_PERSON` (default 6 a day) for the person, from any client, or
    `FRONTDESK_BOOKING_RATE_CLIENT` (default 20 a day) new bookings from one client, for anyone, raise
    TooManyAttempts. A person books, changes or rebooks a few times; a script that keeps grabbing times
    for one customer from many addresses is stopped by the first, one address grabbing times for many
    made-up people by the second (the look-up limit, 30 in 10 minutes, allows hundreds a day). Staff
    booking for a caller are not counted: they are signed in and answerable.
    """
    limits = [(PERSON, person, settings.FRONTDESK_BOOKING_RATE_PERSON)]
    if client:
        limits.append((BOOKING_CLIENT, client, settings.FRONTDESK_BOOKING_RATE_CLIENT))
    for group, value, rate in limits:
        wait = _count(group, value, rate)
        if wait is not None:
            raise _too_many(wait)


def lookup_throttle(*, client: str = "", code: str = "", kiosk: str = "") -> None:
    """Count one public look-up try for a client (its `client_key`), an enrolled kiosk device (its id)
    and/or a normalized confirmation code.

    Past `FRONTDESK_LOOKUP_RATE_CLIENT` tries from one client (all look-ups together), or
    `FRONTDESK_LOOKUP_RATE_CODE` tries on one code (from anywhere), raise TooManyAttempts with the
    seconds until the window ends. An enrolled kiosk is one screen a whole office queues at, so it is
    counted by `FRONTDESK_LOOKUP_RATE_KIOSK` instead of the address limit (the caller passes one or the
    other). Every try counts, right or wrong: a limit on failures alone would
    tell a guesser which try succeeded. Made-up codes are counted like real ones.
    """
    limits = (
        (CLIENT, client, settings.FRONTDESK_LOOKUP_RATE_CLIENT),
        (CODE, code_key(code) if code else "", settings.FRONTDESK_LOOKUP_RATE_CODE),
        (KIOSK, keyed_digest("lookup-kiosk", kiosk) if kiosk else "", settings.FRONTDESK_LOOKUP_RATE_KIOSK),
    )
    for group, value, rate in limits:
        if not value:
            continue
        wait = _count(group, value, rate)
        if wait is not None:
            raise _too_many(wait)
