"""A realistic national dataset, built fast: staff, interpreters, rooms and a booking load.

`frontdesk seed` uses it for the benchmarks (every office, 60 days, about 70% of staff time booked:
several million appointments); `frontdesk demo` for a light load. It is a bulk load of history, not
bookings made by people, so rows go straight into the tables (COPY on PostgreSQL, executemany on
SQLite) and no ledger events are written (docs/adr/0004-seed-and-benchmarks.md). The database still
refuses overlapping holds while loading: holds are written newest first per resource, which keeps
SQLite's overlap trigger to one index probe per row, and PostgreSQL checks its exclusion constraint.

Every random choice comes from a `random.Random` seeded with the run's seed and the office code, so
the same seed, start date and offices give the same rows, whichever other offices are loaded.
"""

from .bookings import seed_offices
from .options import SeedOptions, SeedReport
from .rows import overlapping_holds
from .workforce import resources_ensure

__all__ = ["SeedOptions", "SeedReport", "overlapping_holds", "resources_ensure", "seed_offices"]
