"""The waitlist over a real office's week: how many freed times it refills, how much earlier people get
in, how many offers go unanswered, and whether a scripted bot gets more than its fair share.

    .venv/bin/python bench/waitlist_bench.py [--office 001] [--seed 7] [--days 7] [--sweep-minutes 1]
        [--join-share 0.15] [--only RUN ... --combine]

One real office from the directory is seeded (`frontdesk seed`: staff, interpreters, three weeks booked
at 85%) into a throwaway SQLite file, and the clock is moved through a week (time-machine) while:
- about 15% of the people booked in the second and third weeks ask the waitlist for an earlier time
  (their own days and hours), through the public API with their code, last name and birth date;
- 12% of bookings are cancelled by their person before their day (a realistic share for government
  offices), at a random moment, through the public API; 8% of the week's appointments are no-shows,
  marked by a clerk 15 minutes after their time;
- a person offered a time answers as people do: 60% take it, 15% refuse, 25% never answer (the offer
  lapses), after a delay of about 25 minutes (exponential);
- the scheduler's waitlist sweep (expiry of offers, held freed times, and a search for every waiting entry)
  runs every `--sweep-minutes` (default 1, as `frontdesk scheduler` runs it); with a coarser sweep lapsed
  offers are still closed every 5 minutes.
Three runs on the same seed: the waitlist alone; the waitlist and a bot that looks for open times 5
seconds after anything frees one (a cancellation, a no-show, a refused or lapsed offer) and 5 seconds
after each held freed time goes public (as if it knew the release rule exactly; faster than any polling
script), and every 15 minutes besides, from one address, and books the earliest time it sees under
made-up names; the bot with nobody on the waitlist (what a bot gets when freed times go to whoever asks
first). Each bot booking is also judged when it is made: did someone waiting want that very time (a leak)?
The fairness definitions are written into the result (`FAIRNESS`). Everything public goes through
the real API (rate limits, verification) in-process; nothing is mocked but the clock.

Writes bench/results/waitlist.json; `bench/report.py` plots it.
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import json
import os
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time as time_module
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

CANCEL_SHARE = 0.12
NO_SHOW_SHARE = 0.08
TAKE, REFUSE = 0.60, 0.15  # the rest never answer
ANSWER_MINUTES = 25
EXPIRE_MINUTES = 5
SWEEP_MINUTES = 1  # as `frontdesk scheduler` runs it (jobs/schedule.py); --sweep-minutes to change
SWEEP_COST_EVERY_MINUTES = 360  # how often the sweep's two ways of searching are timed side by side
BOT_EVERY_MINUTES = 15
BOT_REACTS_SECONDS = 5
BOT_ADDRESS = "203.0.113.66"
TEMPLATE_KEYS = ("FRONTDESK_PII_HASH_KEY", "FRONTDESK_PSEUDONYM_KEY", "FRONTDESK_PII_ENCRYPTION_KEYS")


@dataclass(order=True)
class Event:
    at: datetime
    seq: int
    kind: str = field(compare=False)
    data: dict = field(compare=False, default_factory=dict)


@dataclass
class Tally:
    # Each cancellation's staff member and time: (resource id, start, end). A freed time is "refilled" when
    # someone else's booking holds that staff member in that time at the end of the run.
    freed: list[tuple[int, datetime, datetime]] = field(default_factory=list)
    freed_when: list[datetime] = field(default_factory=list)  # the moment of each cancellation in `freed`
    # Each bot booking: when, which time, who in line wanted it (kept in the --only part files, to trace).
    bot_bookings: list[dict] = field(default_factory=list)
    wanted: set[int] = field(default_factory=set)  # indexes into `freed` of times offered to a waiting person
    no_shows: int = 0
    joined: int = 0
    original_start: dict[int, datetime] = field(default_factory=dict)  # entry id -> booking's start at joining
    bot_codes: set[str] = field(default_factory=set)
    bot_polls: int = 0
    bot_refused: Counter = field(default_factory=Counter)
    # Each bot booking, judged at the instant it was made: did someone in line want that very time?
    bot_took_when: Counter = field(default_factory=Counter)
    answered: Counter = field(default_factory=Counter)
    sweep_ms: list[float] = field(default_factory=list)
    sweep_cost: dict[str, list[float]] = field(default_factory=lambda: {"shared": [], "per_entry": []})


def next_monday(today: date) -> date:
    return today + timedelta(days=(7 - today.weekday()) % 7 or 7)


def prepare(workdir: Path, office_code: str, start: date, seed: int) -> Path:
    """Migrate, import the directory, seed the office for three weeks; returns the template file."""
    from django.core.management import call_command
    from django.db import connections

    from frontdesk.offices.models import Office
    from frontdesk.scheduling.seeding import SeedOptions, seed_offices

    call_command("migrate", verbosity=0)
    call_command("import_offices", verbosity=0)
    if not Office.objects.filter(code=office_code).exists():
        raise SystemExit(f"No office {office_code} in the directory.")
    seed_offices([Office.objects.get(code=office_code)], SeedOptions(start=start, days=21, fill=0.85, seed=seed))
    connections.close_all()
    template = workdir / "template.sqlite3"
    shutil.copyfile(workdir / "sim.sqlite3", template)
    return template


def run(
    *,
    template: Path,
    workdir: Path,
    office_code: str,
    start: date,
    days: int,
    seed: int,
    join_share: float,
    bot: bool,
    sweep_minutes: int = SWEEP_MINUTES,
) -> dict:
    import time_machine
    from django.db import connections
    from django.test import Client

    connections.close_all()
    shutil.copyfile(template, workdir / "sim.sqlite3")

    from django.contrib.auth.models import Group, User

    from frontdesk.accounts.models import StaffProfile
    from frontdesk.accounts.roles import Role
    from frontdesk.offices.models import Office, ResourceKind
    from frontdesk.scheduling import services, waitlist
    from frontdesk.scheduling.models import Appointment, OfferStatus, ReleaseHold, Status, WaitlistOffer

    # One stream per kind of choice, so that the three runs see the same people, cancellations and
    # no-shows whatever the others draw.
    joins, life = (random.Random(f"{seed}:{office_code}:{kind}") for kind in ("join", "life"))
    # The release jitter (docs/adr/0036) is drawn from the system's random source in production; here from
    # a seeded stream, so that the runs with and without the bot release the same freed times at the same
    # moments until the bot first changes what is freed (unseeded, every run released at other moments and
    # the displacement figure compared two different jitters as well as the bot).
    waitlist._random = random.Random(f"{seed}:{office_code}:release")
    office = Office.objects.prefetch_related("hours").get(code=office_code)
    zone = office.zone
    begin = datetime.combine(start, time(0), zone).astimezone(UTC)
    end = begin + timedelta(days=days)
    tally = Tally()
    events: list[Event] = []
    counter = itertools.count()

    def at(when: datetime, kind: str, **data) -> None:
        heapq.heappush(events, Event(when, next(counter), kind, data))

    clerk = User.objects.create_user(username="sim-clerk", password=None)
    clerk.groups.add(Group.objects.get_or_create(name=Role.COUNTER_CLERK.value)[0])
    StaffProfile.objects.create(user=clerk, office=office, region=office.region)

    booked = list(
        Appointment.objects.filter(office=office, status=Status.BOOKED, starts_at__gte=begin)
        .select_related("person", "service")
        .order_by("starts_at")
    )
    addresses: dict[int, str] = {a.id: f"10.{(a.id >> 16) & 255}.{(a.id >> 8) & 255}.{a.id & 255}" for a in booked}

    # Who asks the waitlist: people booked in the second and third weeks, during the first day.
    later = [a for a in booked if a.starts_at >= begin + timedelta(days=7)]
    for a in joins.sample(later, round(len(later) * join_share)):
        at(begin + timedelta(minutes=joins.uniform(0, 24 * 60)), "join", appointment=a.id)
    # Cancellations before the appointment's day; no-shows on the day.
    for a in booked:
        if life.random() < CANCEL_SHARE:
            when = begin + (a.starts_at - timedelta(hours=2) - begin) * life.random()
            if when < end:
                at(when, "cancel", appointment=a.id)
        elif a.starts_at < end and life.random() < NO_SHOW_SHARE:
            at(a.starts_at + timedelta(minutes=16), "no_show", appointment=a.id)
    tick = begin
    while tick < end:
        minute = int((tick - begin).total_seconds() // 60)
        if minute % sweep_minutes == 0:
            at(tick, "sweep")
        elif minute % EXPIRE_MINUTES == 0:
            at(tick, "expire")
        if minute % SWEEP_COST_EVERY_MINUTES == 0:
            at(tick - timedelta(seconds=1), "sweep_cost")
        if bot and minute % BOT_EVERY_MINUTES == 0:
            at(tick + timedelta(seconds=30), "bot")
        tick += timedelta(minutes=1)
    services_wanted = Counter(a.service.code for a in later).most_common(1)
    bot_service = services_wanted[0][0] if services_wanted else "NEWAPP"

    people = {a.id: a for a in booked}
    released_told: set[int] = set()
    client = Client()
    seen_offer = 0

    def verify(a: Appointment) -> dict:
        return {"code": a.code, "last_name": a.person.last_name, "date_of_birth": a.person.date_of_birth.isoformat()}

    def post(path: str, body: dict, address: str):
        return client.post(f"/api/v1{path}", json.dumps(body), content_type="application/json", REMOTE_ADDR=address)

    def local_hours() -> tuple[time, time]:
        hours = [h for h in office.hours.all()]
        opens = min((h.opens for h in hours), default=time(9))
        closes = max((h.closes for h in hours), default=time(16))
        return opens, closes

    opens, closes = local_hours()

    with time_machine.travel(begin, tick=False) as clock:
        hour = begin
        while events and events[0].at < end:
            event = heapq.heappop(events)
            if event.at >= hour + timedelta(hours=6):
                hour = event.at
                print(
                    f"  {'bot ' if bot else ''}{event.at:%a %H:%M} UTC: {len(tally.freed)} freed, "
                    f"{tally.joined} waiting",
                    file=sys.stderr,
                    flush=True,
                )
            clock.move_to(event.at)
            now = event.at
            if event.kind == "join":
                a = people[event.data["appointment"]]
                a.refresh_from_db()
                if a.status != Status.BOOKED:
                    continue
                days_ok = sorted(joins.sample(range(5), joins.randint(2, 5)))
                morning = joins.random() < 0.3
                body = verify(a) | {
                    "zip": office.zip_code,
                    "radius_miles": 25,
                    "mode": a.mode,
                    "weekdays": days_ok,
                    "earliest": opens.isoformat(),
                    "latest": (time(12) if morning else closes).isoformat(),
                }
                answer = post("/waitlist", body, addresses[a.id])
                if answer.status_code == 201:
                    tally.joined += 1
                    entry = a.waitlist_entries.order_by("-id").first()
                    tally.original_start[entry.id] = a.starts_at
            elif event.kind == "cancel":
                a = people[event.data["appointment"]]
                a.refresh_from_db()
                if a.status != Status.BOOKED or a.starts_at <= now:
                    continue
                staff = a.holds.filter(active=True, resource__kind=ResourceKind.STAFF).values_list("resource_id")
                held = [r for (r,) in staff]
                if post("/appointments/cancel", verify(a), addresses[a.id]).status_code == 200:
                    tally.freed.extend((r, a.starts_at, a.ends_at) for r in held)
                    tally.freed_when.extend(now for _r in held)
            elif event.kind == "no_show":
                a = Appointment.objects.get(pk=event.data["appointment"])
                if a.status == Status.BOOKED:
                    services.appointment_mark_no_show(actor=clerk, appointment=a, now=now)
                    tally.no_shows += 1
            elif event.kind == "sweep":
                cpu = time_module.process_time()
                swept = waitlist.waitlist_sweep(now=now)
                tally.sweep_ms.append((time_module.process_time() - cpu) * 1000)
                if bot and swept["expired"]:
                    at(now + timedelta(seconds=BOT_REACTS_SECONDS), "bot")
            elif event.kind == "sweep_cost":
                sweep_cost(tally, now)
            elif event.kind == "expire":
                waitlist.offers_expire(now=now)
            elif event.kind == "bot":
                tally.bot_polls += 1
                slots = client.get(
                    "/api/v1/availability",
                    {
                        "office": office_code,
                        "service": bot_service,
                        "mode": "in_person",
                        "start": now.astimezone(zone).date().isoformat(),
                        "end": (now + timedelta(days=7)).astimezone(zone).date().isoformat(),
                        "limit": 1,
                    },
                    REMOTE_ADDR=BOT_ADDRESS,
                )
                if slots.status_code != 200:
                    tally.bot_refused[slots.status_code] += 1
                elif slots.json():
                    n = len(tally.bot_codes) + tally.bot_refused.total()
                    booking = {
                        "office": office_code,
                        "service": bot_service,
                        "mode": "in_person",
                        "starts_at": slots.json()[0]["starts_at"],
                        "person": {
                            "first_name": "Resold",
                            "last_name": f"Customer {chr(65 + n % 26)}",
                            "date_of_birth": f"19{60 + n % 40}-0{1 + n % 9}-1{n % 10}",
                        },
                    }
                    wanted_by = in_line_for(office, slots.json()[0]["starts_at"], bot_service)
                    made = post("/appointments", booking, BOT_ADDRESS)
                    if made.status_code == 201:
                        tally.bot_codes.add(made.json()["code"])
                        tally.bot_took_when[wanted_by] += 1
                        tally.bot_bookings.append(
                            {"at": now.isoformat(), "starts_at": booking["starts_at"], "wanted_by": wanted_by}
                        )
                    else:
                        tally.bot_refused[made.status_code] += 1
            elif event.kind == "answer":
                offer = WaitlistOffer.objects.select_related("entry__appointment__person").get(pk=event.data["offer"])
                if offer.status != OfferStatus.OPEN or offer.expires_at <= now:
                    continue
                a = offer.entry.appointment
                body = verify(a) | {"offer": str(offer.public_id)}
                path = "/waitlist/offer/claim" if event.data["take"] else "/waitlist/offer/decline"
                tally.answered[(event.data["take"], post(path, body, addresses[a.id]).status_code)] += 1
            if bot and event.kind in ("cancel", "no_show", "expire", "answer"):
                at(now + timedelta(seconds=BOT_REACTS_SECONDS), "bot")
            if bot:
                # The bot is also told the instant each held freed time goes public (as if it had learnt the
                # release rule exactly), and looks 5 seconds later.
                for hold in ReleaseHold.objects.filter(created_at__gte=now - timedelta(minutes=1)).exclude(
                    pk__in=released_told
                ):
                    released_told.add(hold.pk)
                    at(hold.release_at + timedelta(seconds=BOT_REACTS_SECONDS), "bot")
                if ReleaseHold.objects.filter(swept_at=now, release_at__lt=now).exists():
                    at(now + timedelta(seconds=BOT_REACTS_SECONDS), "bot")
            # New offers (made by a cancellation's hand-off, a refusal, an expiry or the sweep) get an answer.
            for offer in WaitlistOffer.objects.filter(pk__gt=seen_offer).order_by("pk"):
                seen_offer = offer.pk
                offered = set(offer.holds.values_list("resource_id", flat=True))
                tally.wanted.update(
                    i for i, (r, s, _e) in enumerate(tally.freed) if r in offered and s == offer.starts_at
                )
                # A person offered a given time answers the same way in every run, whatever else happened.
                answers = random.Random(f"{seed}:{office_code}:answer:{offer.entry_id}:{offer.starts_at.isoformat()}")
                roll = answers.random()
                if roll >= TAKE + REFUSE:
                    continue  # never answered: the offer lapses and the time goes on
                delay = timedelta(minutes=answers.expovariate(1 / ANSWER_MINUTES))
                at(offer.created_at + delay, "answer", offer=offer.pk, take=roll < TAKE)
        clock.move_to(end)
        waitlist.offers_expire(now=end)

    return measure(tally, office_id=office.id, bot=bot, bot_service=bot_service)


def in_line_for(office, starts_at: str, service_code: str) -> str:
    """Who in line wanted the time the bot is about to book, at that instant: "someone waiting" (an entry
    waiting, not holding an offer, whose wishes fit and who was never offered this time: a leak, the
    product showed the public a time before the waitlist was offered it), "someone holding another offer"
    (entries that fit but hold an open offer elsewhere; one offer at a time is the rule) or "nobody"."""
    from frontdesk.scheduling.models import Service, WaitlistEntry, WaitlistStatus
    from frontdesk.scheduling.waitlist import _fits

    start = datetime.fromisoformat(starts_at)
    service = Service.objects.get(code=service_code)
    end = start + timedelta(minutes=service.duration_minutes)
    fitting = [
        entry
        for entry in WaitlistEntry.objects.filter(
            service=service, status__in=(WaitlistStatus.WAITING, WaitlistStatus.OFFERED)
        ).select_related("appointment")
        if _fits(entry, office, start, end) and not entry.offers.filter(office=office, starts_at=start).exists()
    ]
    if any(entry.status == WaitlistStatus.WAITING for entry in fitting):
        return "someone waiting"
    return "someone holding another offer" if fitting else "nobody"


def sweep_cost(tally: Tally, now: datetime) -> None:
    """Time the sweep's search both ways on the same state, each rolled back: one search per office and
    need shared by every entry (what the sweep does), and one search per entry (what it did)."""
    from django.db import transaction

    from frontdesk.scheduling import waitlist

    class Undo(Exception):
        pass

    for way in ("shared", "per_entry"):
        cpu = time_module.process_time()
        try:
            with transaction.atomic():
                entries = waitlist._waiting()[: waitlist.SWEEP_ENTRIES]
                search = waitlist._SlotSearch(now, entries) if way == "shared" else None
                for entry in entries:
                    with transaction.atomic():
                        waitlist._sweep_entry(entry, now, search)
                raise Undo
        except Undo:
            pass
        tally.sweep_cost[way].append((time_module.process_time() - cpu) * 1000)


def measure(tally: Tally, *, office_id: int, bot: bool, bot_service: str) -> dict:
    from frontdesk.scheduling.models import Appointment, OfferStatus, ResourceHold, WaitlistEntry, WaitlistOffer
    from frontdesk.scheduling.seeding import overlapping_holds

    offers = WaitlistOffer.objects.all()
    outcome = Counter(offers.values_list("status", flat=True))
    claimed = list(offers.filter(status=OfferStatus.CLAIMED))
    earlier_days = [
        (tally.original_start[o.entry_id] - o.starts_at).total_seconds() / 86400
        for o in claimed
        if o.entry_id in tally.original_start
    ]
    moved_here = {o.entry.appointment_id for o in offers.filter(status=OfferStatus.CLAIMED).select_related("entry")}
    bot_ids = set(Appointment.objects.filter(code__in=tally.bot_codes).values_list("id", flat=True))
    # Who holds each freed staff member's time now: someone moved from the waitlist, the bot, or nobody.
    taker: list[str] = []
    for resource_id, starts_at, ends_at in tally.freed:
        holders = set(
            ResourceHold.objects.filter(
                resource_id=resource_id, active=True, starts_at__lt=ends_at, ends_at__gt=starts_at
            ).values_list("appointment_id", flat=True)
        )
        taker.append(
            "waitlist" if holders & moved_here else "bot" if holders & bot_ids else "other" if holders else "empty"
        )
    freed = len(tally.freed)
    refilled = taker.count("waitlist")
    bot_took = taker.count("bot")
    wanted = sorted(tally.wanted)
    bot_took_wanted = sum(1 for i in wanted if taker[i] == "bot")
    waiting_for_bot_service = WaitlistEntry.objects.filter(service__code=bot_service).count()
    result = {
        "overlapping_holds": overlapping_holds(),
        "people_on_waitlist": tally.joined,
        "freed_by_cancellation": freed,
        "no_shows": tally.no_shows,
        "refilled_from_waitlist": refilled,
        "refill_share": round(refilled / freed, 3) if freed else None,
        "freed_times_taken_otherwise": taker.count("other"),
        "freed_times_left_empty": taker.count("empty"),
        "median_days_earlier": round(statistics.median(earlier_days), 2) if earlier_days else None,
        "days_earlier": sorted(round(d, 2) for d in earlier_days),
        "offers": {
            "made": sum(outcome.values()),
            "taken": outcome[OfferStatus.CLAIMED],
            "refused": outcome[OfferStatus.DECLINED],
            "unanswered": outcome[OfferStatus.EXPIRED],
            "withdrawn": outcome[OfferStatus.WITHDRAWN],
            "open_at_end": outcome[OfferStatus.OPEN],
        },
        "answers": {f"{'take' if take else 'refuse'} {status}": n for (take, status), n in tally.answered.items()},
        "sweeps": len(tally.sweep_ms),
        "sweep_cpu_ms": {
            "median": round(statistics.median(tally.sweep_ms), 2) if tally.sweep_ms else None,
            "p95": round(sorted(tally.sweep_ms)[int(0.95 * (len(tally.sweep_ms) - 1))], 2) if tally.sweep_ms else None,
            "max": round(max(tally.sweep_ms), 2) if tally.sweep_ms else None,
        },
        # The sweep's search timed both ways on the same states (every 6 simulated hours, rolled back).
        "sweep_search_cpu_ms_median": {
            way: round(statistics.median(ms), 2) if ms else None for way, ms in tally.sweep_cost.items()
        },
        # Who got each freed time, to compare runs (not written out).
        "_takers": {(r, s.isoformat()): t for (r, s, _e), t in zip(tally.freed, taker, strict=True)},
        # The trace behind the figures, for looking at a displaced time one by one (not written out).
        "_trace": {
            "freed": [
                {"resource": r, "starts_at": s.isoformat(), "freed_at": w.isoformat()}
                for (r, s, _e), w in zip(tally.freed, tally.freed_when, strict=True)
            ],
            "offers": [
                {
                    "entry": o.entry_id,
                    "starts_at": o.starts_at.isoformat(),
                    "resources": sorted(o.holds.values_list("resource_id", flat=True)),
                    "reason": o.reason,
                    "status": o.status,
                    "made": o.created_at.isoformat(),
                    "decided": o.decided_at.isoformat() if o.decided_at else None,
                }
                for o in offers.order_by("created_at", "id")
            ],
            "bot_bookings": tally.bot_bookings,
            "sweep_ms": [round(ms, 2) for ms in tally.sweep_ms],
        },
        "_offers_at": {
            (r, s.isoformat()): sorted(
                offers.filter(starts_at=s, holds__resource_id=r).values_list("status", flat=True)
            )
            for (r, s, _e), t in zip(tally.freed, taker, strict=True)
            if t == "bot"
        },
    }
    if bot:
        fair = 1 / (waiting_for_bot_service + 1)
        result["bot"] = {
            "service": bot_service,
            "looks": tally.bot_polls,
            "bookings": len(tally.bot_codes),
            "refused": {str(k): v for k, v in sorted(tally.bot_refused.items())},
            "freed_times_taken": bot_took,
            "freed_times_a_waiting_person_was_offered": len(wanted),
            "of_those_taken_by_bot_after_every_offer_was_refused_or_lapsed": bot_took_wanted,
            "share_of_all_freed_times": round(bot_took / freed, 3) if freed else None,
            # Every booking the bot made, judged when it made it (see `in_line_for`).
            "bookings_by_who_in_line_wanted_the_time": dict(tally.bot_took_when),
            "fair_share": round(fair, 3),
        }
    return result


FAIRNESS = {
    "fair_share": (
        "The bot counted as one more person wanting its service: 1 / (N + 1), N = the waitlist entries for the "
        "bot's service in the run with the bot (everyone who asked for that service during the week)."
    ),
    "bot_share": (
        "Displacement: of the freed times (cancellations) held by a booking moved from the waitlist at the end of "
        "the run without the bot, the share held by the bot at the end of the run with it, less those a waiting "
        "person claimed in that run before the bot got them (freed again later by that person). Same people, "
        "cancellations, no-shows and answers (separate random streams); within_fair_share is bot_share <= "
        "fair_share."
    ),
    "weeks": (
        "With several seeds (--combine with one --parts folder a seed), the displaced times and the times "
        "waiting people got are summed over the weeks, and the pooled share is judged against the mean fair "
        "share: one week's figure moves by 1/(times waiting people got), coarser than the fair share itself."
    ),
    "leak_check": (
        "Each bot booking judged at the instant it was made (bookings_by_who_in_line_wanted_the_time): "
        "'someone waiting' means an entry waiting (no open offer), whose wishes fit that time and who was never "
        "offered it, was in line; the product showed the public a time before the waitlist had it, which must "
        "never happen. 'someone holding another offer' means the only people it fitted held an open offer "
        "elsewhere (one offer at a time per person); 'nobody' means no one in line wanted it."
    ),
    "caveat": (
        "The displacement figure compares two runs that drift apart after the bot's first booking (a person "
        "who gets a different offer answers differently later), so one time more or less moves it by about "
        "1/(times waiting people got); the leak check does not depend on that drift."
    ),
}


def displacement(runs: dict[str, dict]) -> None:
    """The fairness figure: of the freed times that went to waiting people when no bot ran, the share the
    bot took when it ran (same people, same cancellations, same answers). A bot that is one more person
    wanting a time would take about 1 in (waiting people + 1) of them; one that outruns people takes more.
    """
    alone = runs["waitlist"].pop("_takers")
    runs["waitlist"].pop("_offers_at")
    for run_result in runs.values():
        run_result.pop("_trace", None)
    for name in ("waitlist_and_bot", "bot_without_waitlist"):
        takers = runs[name].pop("_takers")
        offers_at = runs[name].pop("_offers_at")
        wanted = [key for key, taker in alone.items() if taker == "waitlist"]
        at_end = [key for key in wanted if takers.get(key) == "bot"]
        # A time a waiting person claimed in this run too, before the bot got it (it was freed again
        # later, by that person's own move or cancellation), was not taken from the line.
        first = [key for key in at_end if "claimed" in (offers_at.get(key) or [])]
        # What the waiting people had done with each of those times before the bot got it.
        runs[name]["bot"]["before_the_bot_took_a_wanted_time"] = dict(
            Counter(", ".join(offers_at.get(key) or ["no offer"]) for key in at_end)
        )
        bot = runs[name]["bot"]
        bot["times_waiting_people_got_without_the_bot"] = len(wanted)
        bot["held_by_the_bot_at_the_end"] = len(at_end)
        bot["of_those_a_waiting_person_claimed_first"] = len(first)
        bot["of_those_the_bot_took"] = len(at_end) - len(first)
        bot["share_of_wanted_times"] = round((len(at_end) - len(first)) / len(wanted), 3) if wanted else 0.0
        # Nobody waits in the last run, but the same people want times: the fair share is the same.
        bot["fair_share"] = runs["waitlist_and_bot"]["bot"]["fair_share"]
        bot["within_fair_share"] = bot["share_of_wanted_times"] <= bot["fair_share"]


def pooled(weeks: list[tuple[object, dict]]) -> dict:
    """The bot's displacement summed over several seeds' weeks (each already through `displacement`)."""
    each = []
    for seed, runs in weeks:
        bot = runs["waitlist_and_bot"]["bot"]
        each.append(
            {
                "seed": seed,
                "times_waiting_people_got_without_the_bot": bot["times_waiting_people_got_without_the_bot"],
                "of_those_the_bot_took": bot["of_those_the_bot_took"],
                "of_those_a_waiting_person_claimed_first": bot["of_those_a_waiting_person_claimed_first"],
                "fair_share": bot["fair_share"],
                "leak_someone_waiting": bot["bookings_by_who_in_line_wanted_the_time"].get("someone waiting", 0),
                "bot_bookings": bot["bookings"],
                "refilled_without_bot": runs["waitlist"]["refilled_from_waitlist"],
                "refilled_with_bot": runs["waitlist_and_bot"]["refilled_from_waitlist"],
                "freed_by_cancellation": runs["waitlist"]["freed_by_cancellation"],
                "median_days_earlier": runs["waitlist"]["median_days_earlier"],
                "offers_unanswered": runs["waitlist"]["offers"]["unanswered"],
                "offers_made": runs["waitlist"]["offers"]["made"],
            }
        )
    wanted = sum(w["times_waiting_people_got_without_the_bot"] for w in each)
    took = sum(w["of_those_the_bot_took"] for w in each)
    fair = statistics.mean(w["fair_share"] for w in each)
    share = round(took / wanted, 3) if wanted else 0.0
    return {
        "each": each,
        "times_waiting_people_got_without_the_bot": wanted,
        "of_those_the_bot_took": took,
        "share_of_wanted_times": share,
        "fair_share": round(fair, 3),
        "within_fair_share": share <= round(fair, 3),
        "leak_someone_waiting": sum(w["leak_someone_waiting"] for w in each),
    }


def plot(result: dict, path: Path) -> Path | None:
    """Three panels: what became of the freed times in each run, how many days earlier people got in, and
    the bot's share of the times a waiting person wanted beside its fair share."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    runs = result["runs"]
    names = {"waitlist": "waitlist", "waitlist_and_bot": "waitlist + bot", "bot_without_waitlist": "bot, no waitlist"}
    figure, (outcome, earlier, fairness) = plt.subplots(1, 3, figsize=(16, 5))
    labels = [names[k] for k in runs]
    refilled = [r["refilled_from_waitlist"] for r in runs.values()]
    by_bot = [(r.get("bot") or {}).get("freed_times_taken", 0) for r in runs.values()]
    empty = [
        max(0, r["freed_by_cancellation"] - a - b) for r, a, b in zip(runs.values(), refilled, by_bot, strict=True)
    ]
    outcome.bar(labels, refilled, label="taken from the waitlist", color="#2e8540")
    outcome.bar(labels, by_bot, bottom=refilled, label="taken by the bot", color="#d83933")
    outcome.bar(
        labels,
        empty,
        bottom=[a + b for a, b in zip(refilled, by_bot, strict=True)],
        label="not refilled",
        color="#adadad",
    )
    outcome.set_title("Times freed by cancellation")
    outcome.set_ylabel("freed times")
    outcome.legend()
    days = runs["waitlist"]["days_earlier"]
    earlier.hist(days, bins=min(20, max(1, len(days))), color="#005ea2")
    earlier.set_title(f"Days earlier (median {runs['waitlist']['median_days_earlier']})")
    earlier.set_xlabel("days between the old and the new time")
    earlier.set_ylabel("people")
    with_list, without = runs["waitlist_and_bot"]["bot"], runs["bot_without_waitlist"]["bot"]
    bars = {
        "bot, with waitlist": (with_list["share_of_wanted_times"], "#d83933"),
        "fair share": (with_list["fair_share"], "#71767a"),
        "bot, no waitlist": (without["share_of_wanted_times"], "#d83933"),
    }
    if "weeks" in result:  # several seeds pooled (--combine with several --parts)
        pool = result["weeks"]
        bars[f"bot, {len(pool['each'])} weeks"] = (pool["share_of_wanted_times"], "#d83933")
        bars[f"fair share, {len(pool['each'])} weeks"] = (pool["fair_share"], "#71767a")
    fairness.bar(list(bars), [v for v, _c in bars.values()], color=[c for _v, c in bars.values()])
    fairness.tick_params(axis="x", labelrotation=20)
    fairness.set_ylim(0, 1)
    fairness.set_title("Bot's share of the times waiting people got without it")
    figure.suptitle(f"Waitlist over office {result['office']}'s week of {result['week_of']} (seed {result['seed']})")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--office", default="001", help="Office code from the directory (default 001)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--days", type=float, default=7, help="Days of clock to run (default a week; 0.25 = six hours)")
    parser.add_argument("--join-share", type=float, default=0.15, help="Share of later bookings that ask to move")
    parser.add_argument("--start", type=date.fromisoformat, default=None, help="A Monday (default the next one)")
    parser.add_argument("--only", choices=("waitlist", "waitlist_and_bot", "bot_without_waitlist"), default=None)
    parser.add_argument("--combine", action="store_true", help="Join the three --only runs' results")
    parser.add_argument(
        "--parts",
        type=Path,
        nargs="+",
        default=[ROOT / "bench" / "results"],
        help="Folder of the --only runs' part files (default bench/results; another for a side experiment); "
        "with --combine, one folder a seed: the first is reported in full, all are pooled for the bot's share",
    )
    parser.add_argument(
        "--keep-template",
        default=None,
        help="Seeded database file to reuse (made on the first run; same office, start and seed only)",
    )
    parser.add_argument(
        "--sweep-minutes",
        type=int,
        default=SWEEP_MINUTES,
        help="Minutes between the waitlist sweeps (default 1, as the scheduler runs it)",
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="frontdesk-waitlist-sim-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'sim.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ["FRONTDESK_VAR_DIR"] = str(workdir)
    os.environ.setdefault("FRONTDESK_LEDGER_SIGNING_KEY", secrets.token_hex(32))
    # A kept template was seeded under its own keys (contact details are encrypted, names keyed): reuse
    # them, or make and keep them with it, so that separate processes (--only) can read the same file.
    keys = Path(f"{args.keep_template}.keys.json") if args.keep_template else None
    if keys is not None:
        if not keys.exists():
            keys.write_text(json.dumps({name: secrets.token_hex(32) for name in TEMPLATE_KEYS}))
        os.environ.update(json.loads(keys.read_text()))
    import django

    django.setup()
    from bench.common import machine, write_result

    start = args.start or next_monday(date.today())
    try:
        kept = Path(args.keep_template) if args.keep_template else None
        if kept is not None and kept.exists():
            template = kept
        else:
            template = prepare(workdir, args.office, start, args.seed)
            if kept is not None:
                shutil.copyfile(template, kept)
        common = {
            "template": template,
            "workdir": workdir,
            "office_code": args.office,
            "start": start,
            "days": args.days,
            "seed": args.seed,
            "sweep_minutes": args.sweep_minutes,
        }
        plan = {
            "waitlist": {"join_share": args.join_share, "bot": False},
            "waitlist_and_bot": {"join_share": args.join_share, "bot": True},
            "bot_without_waitlist": {"join_share": 0.0, "bot": True},
        }
        if args.only:
            # One run alone (the three can run side by side as separate processes); --combine joins them.
            part = run(**common, **plan[args.only])
            part["_takers"] = {f"{r}|{s}": t for (r, s), t in part["_takers"].items()}
            part["_offers_at"] = {f"{r}|{s}": v for (r, s), v in part["_offers_at"].items()}
            part["seed"] = args.seed
            (args.parts[0] / f"waitlist.{args.only}.part.json").write_text(json.dumps(part, default=str))
            return
        weeks = []
        if args.combine:
            for folder in args.parts:
                week = {name: json.loads((folder / f"waitlist.{name}.part.json").read_text()) for name in plan}
                displacement(week)
                weeks.append((week["waitlist"].pop("seed", str(folder)), week))
            runs = weeks[0][1]
            for week in weeks:
                for one in week[1].values():
                    one.pop("seed", None)
        else:
            runs = {name: run(**common, **options) for name, options in plan.items()}
            displacement(runs)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    result = {
        "benchmark": "waitlist",
        "machine": machine(),
        "office": args.office,
        "week_of": start.isoformat(),
        "seed": args.seed,
        "assumptions": {
            "cancel_share": CANCEL_SHARE,
            "no_show_share": NO_SHOW_SHARE,
            "take": TAKE,
            "refuse": REFUSE,
            "never_answer": round(1 - TAKE - REFUSE, 2),
            "answer_minutes_mean": ANSWER_MINUTES,
            "join_share": args.join_share,
            "bot_looks_every_minutes": BOT_EVERY_MINUTES,
            "bot_looks_after_any_change_seconds": BOT_REACTS_SECONDS,
            "sweep_minutes": args.sweep_minutes,
        },
        "fairness": FAIRNESS,
        "runs": runs,
    }
    if len(weeks) > 1:
        result["weeks"] = pooled(weeks)
    path = write_result("waitlist", result)
    picture = plot(result, path.with_suffix(".png"))
    w = runs["waitlist"]
    b = runs["waitlist_and_bot"]["bot"]
    n = runs["bot_without_waitlist"]["bot"]
    print(
        f"waitlist: {w['refilled_from_waitlist']}/{w['freed_by_cancellation']} freed times refilled "
        f"({w['refill_share']}), median {w['median_days_earlier']} days earlier, "
        f"{w['offers']['unanswered']} of {w['offers']['made']} offers unanswered"
    )
    print(
        f"bot: took {b['of_those_the_bot_took']} of the {b['times_waiting_people_got_without_the_bot']} times "
        f"waiting people got without it ({b['share_of_wanted_times']}; fair share {b['fair_share']}); "
        f"with nobody waiting it took {n['share_of_all_freed_times']} of all freed times"
    )
    if "weeks" in result:
        pool = result["weeks"]
        print(
            f"over {len(pool['each'])} weeks (seeds {', '.join(str(w['seed']) for w in pool['each'])}): the bot took "
            f"{pool['of_those_the_bot_took']} of the {pool['times_waiting_people_got_without_the_bot']} times waiting "
            f"people got without it ({pool['share_of_wanted_times']}; fair share {pool['fair_share']}); bot bookings "
            f"of a time someone waiting wanted: {pool['leak_someone_waiting']}"
        )
    print(f"wrote {path.relative_to(ROOT)}" + (f" and {picture.relative_to(ROOT)}" if picture else ""))
    if any(r["overlapping_holds"] for r in runs.values()):
        raise SystemExit("A resource was held twice during the simulation.")


if __name__ == "__main__":
    main()
