"""django-appointment's side of bench/dja_bench.py; runs in the package's own virtualenv.

Reads a JSON plan on stdin (the staff member's hours, the booked intervals, the days off, the first
date and the number of days), loads it through django-appointment's models, then times computing the
staff member's open slots for each day with the package's own `get_available_slots_for_staff`.
Writes JSON to DJA_BENCH_OUT: seconds per repeat and the slots found.
"""

import json
import os
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.dja.settings")

import django

django.setup()

from appointment.models import (  # noqa: E402
    Appointment,
    AppointmentRequest,
    DayOff,
    Service,
    StaffMember,
    WorkingHours,
)
from appointment.services import get_available_slots_for_staff  # noqa: E402
from appointment.utils.db_helpers import get_weekday_num_from_date  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402


def main() -> None:
    plan = json.load(sys.stdin)
    call_command("migrate", run_syncdb=True, verbosity=0)  # the package ships no migrations
    service = Service.objects.create(
        name="Direct deposit change", duration=timedelta(minutes=plan["duration_minutes"]), price=0
    )
    staff_user = User.objects.create_user(username="agent", email="agent@example.org")
    staff = StaffMember.objects.create(user=staff_user, slot_duration=plan["slot_minutes"], appointment_buffer_time=0)
    staff.services_offered.add(service)
    for weekday, opens, closes in plan["hours"]:
        # django-appointment numbers days from Sunday = 0; frontdesk from Monday = 0.
        WorkingHours.objects.create(
            staff_member=staff,
            day_of_week=(weekday + 1) % 7,
            start_time=datetime.strptime(opens, "%H:%M").time(),
            end_time=datetime.strptime(closes, "%H:%M").time(),
        )
    for day in plan["days_off"]:
        DayOff.objects.create(staff_member=staff, start_date=date.fromisoformat(day), end_date=date.fromisoformat(day))
    client = User.objects.create_user(username="client", email="client@example.org")
    for day, starts, ends in plan["booked"]:
        request = AppointmentRequest.objects.create(
            date=date.fromisoformat(day),
            start_time=datetime.strptime(starts, "%H:%M").time(),
            end_time=datetime.strptime(ends, "%H:%M").time(),
            service=service,
            staff_member=staff,
        )
        Appointment.objects.create(client=client, appointment_request=request, phone="+12025550100")

    first = date.fromisoformat(plan["start"])
    days = [first + timedelta(days=n) for n in range(plan["days"])]
    timings, found = [], []
    for _ in range(plan["repeats"]):
        started = time.perf_counter()
        slots = []
        for day in days:
            slots += get_available_slots_for_staff(day, staff, get_weekday_num_from_date(day), service=service)
        timings.append(time.perf_counter() - started)
        found = [s.isoformat() for s in slots]
    # A file, not stdout: the package prints its own warnings there.
    Path(os.environ["DJA_BENCH_OUT"]).write_text(json.dumps({"seconds": timings, "slots": found}))


if __name__ == "__main__":
    main()
