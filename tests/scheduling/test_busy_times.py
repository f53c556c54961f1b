"""BusyTimes: the busy intervals that availability searches and the seed's booking load both keep."""

from hypothesis import given
from hypothesis import strategies as st

from frontdesk.scheduling.availability import BusyTimes

Interval = tuple[int, int]
intervals = st.tuples(st.integers(0, 200), st.integers(1, 40)).map(lambda p: (p[0], p[0] + p[1]))


def busy_seconds(held: list[Interval]) -> set[int]:
    return {s for start, end in held for s in range(start, end)}


@given(st.lists(intervals, max_size=12), intervals)
def test_free_means_no_second_of_the_interval_is_held(held: list[Interval], asked: Interval) -> None:
    busy = BusyTimes.of(held)
    assert busy.is_free(*asked) == busy_seconds(held).isdisjoint(range(*asked))


@given(st.lists(intervals, max_size=12), intervals)
def test_within_counts_the_busy_seconds_of_an_interval(held: list[Interval], asked: Interval) -> None:
    assert BusyTimes.of(held).within(*asked) == len(busy_seconds(held) & set(range(*asked)))


@given(st.lists(intervals, max_size=12), st.lists(intervals, max_size=12))
def test_adding_free_intervals_keeps_the_answers_right(held: list[Interval], more: list[Interval]) -> None:
    busy = BusyTimes.of(held)
    for start, end in more:
        if busy.is_free(start, end):  # the seed adds only what it found free
            busy.add(start, end)
            held.append((start, end))
    assert busy.starts == sorted(busy.starts)
    for start in range(0, 250, 7):
        assert busy.within(start, start + 13) == len(busy_seconds(held) & set(range(start, start + 13)))
        assert busy.is_free(start, start + 13) == busy_seconds(held).isdisjoint(range(start, start + 13))
