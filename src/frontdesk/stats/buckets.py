"""The wait histogram's buckets, and percentiles read back from summed bucket counts.

Bucket i holds waits in [BOUNDS[i-1], BOUNDS[i]) minutes; the last is open-ended. A percentile is
reported as the upper bound of the bucket it falls in ("p90 under 30 minutes"): exact enough for a
manager, and any number of offices and days add up without keeping one row per visit.
"""

from collections.abc import Mapping

BOUNDS_MINUTES: tuple[int, ...] = (5, 10, 15, 20, 30, 45, 60, 90, 120)
LAST = len(BOUNDS_MINUTES)  # the open bucket: two hours or more


def bucket_of(seconds: float) -> int:
    minutes = max(0.0, seconds) / 60
    for index, bound in enumerate(BOUNDS_MINUTES):
        if minutes < bound:
            return index
    return LAST


def bucket_label(index: int) -> str:
    if index >= LAST:
        return f"{BOUNDS_MINUTES[-1]} minutes or more"
    low = 0 if index == 0 else BOUNDS_MINUTES[index - 1]
    return f"{low} to {BOUNDS_MINUTES[index]} minutes"


def bucket_short(index: int) -> str:
    """A chart's axis label: the bucket's upper bound ("<15"), or "120+" for the open one."""
    return f"{BOUNDS_MINUTES[-1]}+" if index >= LAST else f"<{BOUNDS_MINUTES[index]}"


def percentile_minutes(counts: Mapping[int, int], q: float) -> int | None:
    """The upper bound (minutes) of the bucket holding the q-th percentile; None for no waits, and
    BOUNDS_MINUTES[-1] with `open` meaning "or more" for the last bucket."""
    total = sum(counts.values())
    if total <= 0:
        return None
    rank = q / 100 * total
    seen = 0
    for index in range(LAST + 1):
        seen += counts.get(index, 0)
        if seen >= rank and seen > 0:
            return BOUNDS_MINUTES[index] if index < LAST else BOUNDS_MINUTES[-1]
    return BOUNDS_MINUTES[-1]
