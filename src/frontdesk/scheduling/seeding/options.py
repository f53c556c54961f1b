"""What a seed run is asked for, and what it reports."""

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class SeedOptions:
    start: date
    days: int = 60
    fill: float = 0.7
    seed: int = 1
    rooms_share: float = 0.2
    batch_size: int = 50_000  # appointments per write transaction
    now: datetime | None = None


@dataclass
class SeedReport:
    offices: int = 0
    resources: int = 0
    absences: int = 0
    persons: int = 0
    appointments: int = 0
    holds: int = 0
    staff_seconds: int = 0
    held_staff_seconds: int = 0
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return self.resources + self.absences + self.persons + self.appointments + self.holds

    @property
    def fill(self) -> float:
        return self.held_staff_seconds / self.staff_seconds if self.staff_seconds else 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict:
        return {
            "offices": self.offices,
            "resources": self.resources,
            "absences": self.absences,
            "persons": self.persons,
            "appointments": self.appointments,
            "holds": self.holds,
            "rows": self.rows,
            "fill": round(self.fill, 4),
            "seconds": round(self.seconds, 2),
            "rows_per_second": round(self.rows_per_second),
            "phases": {k: round(v, 2) for k, v in self.phases.items()},
        }
