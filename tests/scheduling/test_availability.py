"""Slots follow each office's local hours across DST and in zones without DST; holidays, closures,
shifts, absences and shared interpreters all remove slots."""

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frontdesk.core.errors import ValidationFailed
from frontdesk.offices.models import Absence, Closure, Shift
from frontdesk.scheduling.availability import Need, office_slots, resources_for_slot, slots_near
from frontdesk.scheduling.models import Service
from frontdesk.scheduling.services import appointment_book
from tests.factories import OfficeFactory, interpreter, person, staff_resource

pytestmark = pytest.mark.django_db
NOW = datetime(2027, 3, 1, tzinfo=UTC)


def need(code="direct_deposit_change", mode="in_person", language=""):
    return Need(service=Service.objects.get(code=code), mode=mode, interpreter_language=language)


def day_slots(office, day, **kwargs):
    return office_slots(office=office, need=need(**kwargs), start=day, end=day, limit=500, now=NOW)


def test_new_york_slots_keep_local_hours_across_the_march_2027_dst_change():
    office = OfficeFactory(timezone="America/New_York")
    staff_resource(office)
    before, after = day_slots(office, date(2027, 3, 12)), day_slots(office, date(2027, 3, 15))
    assert before[0].local_start.time() == time(9) and after[0].local_start.time() == time(9)
    assert before[0].starts_at.hour == 14  # EST, UTC-5
    assert after[0].starts_at.hour == 13  # EDT, UTC-4
    assert before[-1].local_end.time() == time(16) and after[-1].local_end.time() == time(16)
    assert len(before) == len(after) == 28  # 15-minute service, 15-minute grid, 7 hours


@pytest.mark.parametrize(
    ("zone", "opens", "utc_hour"),
    [
        ("America/Phoenix", time(9), 16),
        ("Pacific/Honolulu", time(8, 30), 18),
        ("America/Puerto_Rico", time(9), 13),
        ("Pacific/Guam", time(8), 22),
        ("Pacific/Pago_Pago", time(8, 30), 19),
    ],
)
def test_zones_without_dst_do_not_move_when_the_mainland_changes(zone, opens, utc_hour):
    office = OfficeFactory(timezone=zone, hours=(opens, time(15, 30)))
    staff_resource(office)
    for day in (date(2027, 3, 12), date(2027, 3, 15), date(2027, 11, 8)):
        first = office_slots(
            office=office,
            need=need(),
            start=day,
            end=day,
            limit=1,
            now=datetime(2027, 3, 1, tzinfo=UTC) if day.month == 3 else datetime(2027, 10, 1, tzinfo=UTC),
        )[0]
        assert first.local_start.time() == opens
        assert first.local_start.date() == day
        assert first.starts_at.hour == utc_hour


def test_guam_monday_morning_is_sunday_in_utc():
    office = OfficeFactory(timezone="Pacific/Guam", hours=(time(8), time(15)))
    staff_resource(office)
    first = day_slots(office, date(2027, 3, 15))[0]
    assert first.starts_at.date() == date(2027, 3, 14)
    assert first.local_start.date() == date(2027, 3, 15)


def test_federal_holidays_and_their_observed_days_close_every_office():
    office = OfficeFactory()
    staff_resource(office)
    assert day_slots(office, date(2027, 2, 15)) == []  # Washington's Birthday
    # Juneteenth 2027 is a Saturday; the Friday before is the observed holiday.
    slots = office_slots(
        office=office,
        need=need(),
        start=date(2027, 6, 18),
        end=date(2027, 6, 18),
        limit=5,
        now=datetime(2027, 5, 1, tzinfo=UTC),
    )
    assert slots == []


def test_adhoc_closure_of_one_office_and_a_national_closure():
    office, other = OfficeFactory(), OfficeFactory()
    staff_resource(office)
    staff_resource(other)
    Closure.objects.create(office=office, date=date(2027, 3, 16), reason="Snow")
    assert day_slots(office, date(2027, 3, 16)) == []
    assert day_slots(other, date(2027, 3, 16)) != []
    Closure.objects.create(office=None, date=date(2027, 3, 17), reason="Federal offices closed")
    assert day_slots(other, date(2027, 3, 17)) == []


def test_weekends_have_no_slots_and_lead_time_is_respected():
    office = OfficeFactory()
    staff_resource(office)
    assert day_slots(office, date(2027, 3, 13)) == []
    now = datetime(2027, 3, 15, 14, 0, tzinfo=UTC)  # 10:00 EDT
    slots = office_slots(
        office=office,
        need=need("new_benefit_application"),
        start=date(2027, 3, 15),
        end=date(2027, 3, 15),
        limit=50,
        now=now,
    )
    assert slots[0].starts_at >= now + timedelta(minutes=120)


def test_staff_skill_shift_and_absence_limit_slots():
    office = OfficeFactory()
    staff_resource(office, skills=["claims"])
    assert day_slots(office, date(2027, 3, 15)) == []  # nobody performs direct deposit changes
    clerk = staff_resource(office, skills=["post_entitlement"])
    Shift.objects.create(resource=clerk, weekday=0, starts=time(12), ends=time(14))
    monday = day_slots(office, date(2027, 3, 15))
    assert {s.local_start.time() for s in monday} == {time(12 + i // 4, 15 * (i % 4)) for i in range(8)}
    assert day_slots(office, date(2027, 3, 16)) == []  # no Tuesday shift
    zone = ZoneInfo("America/New_York")
    Absence.objects.create(
        resource=clerk,
        starts_at=datetime(2027, 3, 15, 12, 30, tzinfo=zone),
        ends_at=datetime(2027, 3, 15, 13, 30, tzinfo=zone),
    )
    assert [s.local_start.time() for s in day_slots(office, date(2027, 3, 15))] == [
        time(12),
        time(12, 15),
        time(13, 30),
        time(13, 45),
    ]


def test_an_interpreter_is_shared_across_the_office():
    office = OfficeFactory()
    staff_resource(office, name="A")
    staff_resource(office, name="B")
    interpreter(office, "ase")
    ten = datetime(2027, 3, 15, 10, tzinfo=ZoneInfo("America/New_York"))
    appointment_book(
        actor=None,
        office=office,
        service=Service.objects.get(code="direct_deposit_change"),
        mode="in_person",
        starts_at=ten,
        person=person(),
        interpreter_language="ase",
        now=NOW,
    )
    assert resources_for_slot(office=office, need=need(language="ase"), starts_at=ten, now=NOW) is None
    assert resources_for_slot(office=office, need=need(), starts_at=ten, now=NOW) is not None
    asl_times = {s.local_start.time() for s in day_slots(office, date(2027, 3, 15), language="ase")}
    assert time(10) not in asl_times and time(10, 15) in asl_times


def test_bilingual_staff_serve_without_an_interpreter_but_asl_always_needs_one():
    office = OfficeFactory()
    staff_resource(office, languages=["en", "es"])
    assert day_slots(office, date(2027, 3, 15), language="es")
    assert day_slots(office, date(2027, 3, 15), language="vi") == []
    assert day_slots(office, date(2027, 3, 15), language="ase") == []


def test_phone_appointments_need_a_remote_interpreter():
    office = OfficeFactory()
    staff_resource(office)
    interpreter(office, "vi", remote=False)
    assert day_slots(office, date(2027, 3, 15), mode="phone", language="vi") == []
    assert day_slots(office, date(2027, 3, 15), mode="in_person", language="vi")
    interpreter(office, "vi", remote=True, name="Remote")
    assert day_slots(office, date(2027, 3, 15), mode="phone", language="vi")


def test_in_person_required_services_refuse_phone():
    with pytest.raises(ValidationFailed) as info:
        need("noncitizen_eligibility_review", mode="phone")
    assert info.value.code == "in_person_required"


def test_search_near_a_zip_orders_by_distance_then_time():
    near = OfficeFactory(zip_code="10007", latitude=40.7136, longitude=-74.0078)
    far = OfficeFactory(zip_code="10601", latitude=41.0330, longitude=-73.7629)
    too_far = OfficeFactory(zip_code="19107", latitude=39.9523, longitude=-75.1638)
    for office in (near, far, too_far):
        staff_resource(office)
    interpreter(far, "ase")
    slots = slots_near(
        zip_code="10007",
        radius_miles=50,
        need=need(language="ase"),
        start=date(2027, 3, 15),
        end=date(2027, 3, 19),
        limit=10,
        now=NOW,
    )
    assert {s.office.code for s in slots} == {far.code}
    plain = slots_near(
        zip_code="10007",
        radius_miles=50,
        need=need(),
        start=date(2027, 3, 15),
        end=date(2027, 3, 15),
        limit=40,
        now=NOW,
    )
    assert [s.office.code for s in plain[:28]] == [near.code] * 28
    assert plain[28].office.code == far.code
    assert plain[0].distance_miles < plain[28].distance_miles
    assert all(a.starts_at <= b.starts_at for a, b in itertools.pairwise(plain[:28]))


def test_unknown_zip_and_bad_radius_are_validation_errors():
    with pytest.raises(ValidationFailed):
        slots_near(zip_code="00000", radius_miles=50, need=need(), start=date(2027, 3, 15), end=date(2027, 3, 16))
    with pytest.raises(ValidationFailed):
        slots_near(zip_code="10007", radius_miles=0, need=need(), start=date(2027, 3, 15), end=date(2027, 3, 16))


ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Puerto_Rico",
    "Pacific/Guam",
    "Pacific/Pago_Pago",
]


@settings(max_examples=40, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    day=st.dates(min_value=date(2027, 1, 1), max_value=date(2028, 12, 31)),
    opens=st.integers(min_value=0, max_value=10),
    length=st.integers(min_value=1, max_value=10),
)
def test_every_slot_is_on_the_grid_inside_local_hours_with_its_true_duration(zone, day, opens, length):
    office = OfficeFactory(timezone=zone, hours=(time(opens), time(min(23, opens + length))))
    staff_resource(office)
    now = datetime.combine(day - timedelta(days=3), time(0), tzinfo=UTC)
    slots = office_slots(office=office, need=need(), start=day, end=day, limit=200, now=now)
    for slot in slots:
        local = slot.local_start
        assert local.date() == day
        assert local.minute % 15 == 0
        assert (time(opens) <= local.time() and slot.local_end.time() <= time(min(23, opens + length))) or (
            slot.local_end.time() == time(0)
        )
        assert slot.ends_at - slot.starts_at == timedelta(minutes=15)
        # The wall time exists: converting back gives the same instant.
        assert local.replace(tzinfo=None).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC) == slot.starts_at
    assert len({s.starts_at for s in slots}) == len(slots)
