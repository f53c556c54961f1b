"""What the scheduling services announce, from inside their transaction, to apps above them that keep
their own account of it (the managers' dashboards count bookings, cancellations and waits:
docs/adr/0031-office-dashboards.md).

Scheduling sits below those apps in the layers (docs/adr/0025-layers.md), so it cannot call them; it
sends these signals instead. Receivers run synchronously in the sender's transaction: a receiver that
fails rolls the booking back with it, so a count never drifts from what happened.
"""

from django.dispatch import Signal

# sender: the Appointment class; appointment=
appointment_booked = Signal()
# appointment=, from_office_id=, from_starts_at=, from_zone= (the time and place it had before)
appointment_moved = Signal()
# appointment=, to= (the new status), now=
appointment_status_changed = Signal()
# office_id=, day= (local), service_id=
walk_in_added = Signal()
# office_id=, day= (local), seconds=, kind= ("appointment" or "walk_in")
office_wait_measured = Signal()
