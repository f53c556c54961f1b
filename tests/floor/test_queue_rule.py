"""The merged queue's order (`floor.policies.next_ticket`): appointments at their time, walk-ins between them,
walk-ins never starved, needs matched."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from frontdesk.floor.policies import DUE_EARLY, WALK_IN_AGING, Serves, Waiting, next_ticket

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
ANY = Serves()


def walk_in(number: int, waited: int, **needs) -> Waiting:
    return Waiting(
        key=number,
        number=number,
        is_appointment=False,
        issued_at=NOW - timedelta(minutes=waited),
        due_at=None,
        service_code=needs.pop("service", "general"),
        **needs,
    )


def appointment(number: int, due_in: int, arrived: int = 10, **needs) -> Waiting:
    return Waiting(
        key=number,
        number=number,
        is_appointment=True,
        issued_at=NOW - timedelta(minutes=arrived),
        due_at=NOW + timedelta(minutes=due_in),
        service_code=needs.pop("service", "general"),
        **needs,
    )


def test_nobody_waiting_calls_nobody():
    assert next_ticket([], ANY, NOW) is None


def test_a_due_appointment_goes_before_a_walk_in_who_came_first():
    first = walk_in(1, waited=10)
    due = appointment(2, due_in=0)
    assert next_ticket([first, due], ANY, NOW) == due


def test_an_appointment_counts_as_due_a_few_minutes_early():
    soon = appointment(2, due_in=int(DUE_EARLY.total_seconds() // 60))
    assert next_ticket([walk_in(1, waited=5), soon], ANY, NOW) == soon


def test_a_walk_in_fills_the_gap_when_no_appointment_is_due():
    early = appointment(1, due_in=40, arrived=30)
    person = walk_in(2, waited=5)
    assert next_ticket([early, person], ANY, NOW) == person


def test_walk_ins_are_called_in_arrival_order():
    assert next_ticket([walk_in(3, waited=2), walk_in(2, waited=9), walk_in(4, waited=1)], ANY, NOW).number == 2


def test_an_early_appointment_holder_is_called_when_no_walk_in_waits():
    later, sooner = appointment(1, due_in=50), appointment(2, due_in=20)
    assert next_ticket([later, sooner], ANY, NOW) == sooner


def test_a_walk_in_who_waited_past_the_aging_goes_before_a_later_appointment():
    aged = walk_in(1, waited=int(WALK_IN_AGING.total_seconds() // 60) + 5)  # owed 5 minutes ago
    due = appointment(2, due_in=0)  # owed now
    assert next_ticket([due, aged], ANY, NOW) == aged


def test_an_appointment_owed_earlier_still_goes_before_an_aged_walk_in():
    aged = walk_in(1, waited=int(WALK_IN_AGING.total_seconds() // 60) + 1)
    late = appointment(2, due_in=-10)
    assert next_ticket([aged, late], ANY, NOW) == late


def test_a_window_calls_only_what_it_serves():
    asl = walk_in(1, waited=20, interpreter_language="ase")
    wheelchair = walk_in(2, waited=15, accessible=True)
    other_service = walk_in(3, waited=10, service="card")
    plain = walk_in(4, waited=1)
    window = Serves(service_codes=frozenset({"general"}))
    assert next_ticket([asl, wheelchair, other_service, plain], window, NOW) == plain
    assert next_ticket([asl, plain], Serves(languages=frozenset({"ase"})), NOW) == asl
    assert next_ticket([wheelchair, plain], Serves(accessible=True), NOW) == wheelchair
    assert next_ticket([asl], window, NOW) is None


@given(
    st.lists(st.tuples(st.booleans(), st.integers(0, 240), st.integers(-60, 120)), min_size=1, max_size=30),
)
def test_no_walk_in_waits_behind_an_appointment_owed_later_than_itself(people):
    """Whatever the mix, the ticket called is never owed later than a due walk-in who is passed over."""
    tickets = [
        appointment(i, due_in=due, arrived=waited) if is_appt else walk_in(i, waited=waited)
        for i, (is_appt, waited, due) in enumerate(people)
    ]
    chosen = next_ticket(tickets, ANY, NOW)
    assert chosen is not None
    owed = {t.number: (t.due_at if t.is_appointment else t.issued_at + WALK_IN_AGING) for t in tickets}
    aged = [t for t in tickets if not t.is_appointment and owed[t.number] <= NOW]
    for t in aged:
        assert owed[chosen.number] <= owed[t.number]
