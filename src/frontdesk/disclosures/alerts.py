"""Access alerts for the regional privacy officer (NIST AU-6 audit review; docs/architecture.md, "no informal path").

Computed from the ledger's own read events, so they see exactly what the staff screens recorded:
- views_without_check_in: one staff member viewed many different people (person searches, appointment
  views and other `records.*.viewed` reads) of whom at least FRONTDESK_ALERT_VIEW_THRESHOLD (default 20)
  did not check in within a day of the window. Day-schedule reads are left out by default: running
  the day lists everyone booked, and no-shows would drown the signal.
- citizenship_search: any read whose recorded query or filter mentions citizenship or immigration
  status, or that targets the noncitizen eligibility review service.

Each alert is stored once per (kind, staff member, window) with the region of the staff member's
office, and announced on the ledger. Alerts name people only by pseudonym.
"""

import datetime as dt
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from frontdesk.ledger.models import LedgerEvent
from frontdesk.ledger.services import event_append

from .models import AccessAlert, AlertKind

DEFAULT_VIEW_THRESHOLD = 20
CHECK_IN_MARGIN = dt.timedelta(days=1)
EXCLUDED_VIEW_TYPES = frozenset({"records.schedule.viewed"})
CITIZENSHIP_MARKERS = ("citizen", "immigra", "alien", "noncitizen_eligibility_review", "naturaliz")
SAMPLE = 20


def _threshold() -> int:
    return int(getattr(settings, "FRONTDESK_ALERT_VIEW_THRESHOLD", DEFAULT_VIEW_THRESHOLD))


def _mentions_citizenship(event: dict[str, Any]) -> bool:
    refs = event.get("refs") or {}
    text = " ".join(f"{k}={v}" for k, v in refs.items()).casefold()
    return any(marker in text for marker in CITIZENSHIP_MARKERS)


def _regions(actors: set[str]) -> dict[str, int | None]:
    usernames = {a.removeprefix("staff:") for a in actors if a.startswith("staff:")}
    users = get_user_model().objects.filter(username__in=usernames).select_related("staff_profile__office")
    regions: dict[str, int | None] = {}
    for user in users:
        profile = getattr(user, "staff_profile", None)
        region = None
        if profile is not None:
            region = profile.office.region if profile.office_id else profile.region
        regions[f"staff:{user.get_username()}"] = region
    return regions


def access_alerts_compute(
    *, actor: Any, window_start: dt.datetime, window_end: dt.datetime, now: dt.datetime | None = None
) -> list[AccessAlert]:
    """Find the patterns in [window_start, window_end) and store an alert for each (idempotent)."""
    now = now or timezone.now()
    views = LedgerEvent.objects.filter(
        type__startswith="records.", type__endswith=".viewed", time__gte=window_start, time__lt=window_end
    ).exclude(type__in=EXCLUDED_VIEW_TYPES)
    viewed: dict[str, set[str]] = defaultdict(set)
    view_events: dict[str, int] = defaultdict(int)
    citizenship: dict[str, list[int]] = defaultdict(list)
    for event_id, event in views.values_list("id", "event").iterator():
        who = event.get("actor", "")
        if not who.startswith("staff:"):
            continue
        people = {s for s in event.get("subjects", []) if s.startswith("person:")}
        viewed[who] |= people
        view_events[who] += 1
        if _mentions_citizenship(event):
            citizenship[who].append(event_id)
    checked_in: set[str] = set()
    check_ins = LedgerEvent.objects.filter(
        type="scheduling.appointment.checked_in",
        time__gte=window_start - CHECK_IN_MARGIN,
        time__lt=window_end + CHECK_IN_MARGIN,
    ).values_list("event", flat=True)
    for event in check_ins.iterator():
        checked_in.update(event.get("subjects", []))
    findings: list[tuple[str, str, int, dict[str, Any]]] = []
    limit = _threshold()
    for who, people in viewed.items():
        unmatched = sorted(people - checked_in)
        if len(unmatched) >= limit:
            details = {
                "people_viewed": len(people),
                "without_check_in": len(unmatched),
                "view_events": view_events[who],
                "threshold": limit,
                "sample": unmatched[:SAMPLE],
            }
            findings.append((AlertKind.VIEWS_WITHOUT_CHECK_IN, who, len(unmatched), details))
    for who, event_ids in citizenship.items():
        details = {"events": event_ids[:SAMPLE]}
        findings.append((AlertKind.CITIZENSHIP_SEARCH, who, len(event_ids), details))
    regions = _regions({who for _, who, _, _ in findings})
    alerts = []
    with transaction.atomic():
        for kind, who, count, details in findings:
            alert, created = AccessAlert.objects.get_or_create(
                kind=kind,
                actor=who,
                window_start=window_start,
                defaults={
                    "region": regions.get(who),
                    "window_end": window_end,
                    "count": count,
                    "details": details,
                    "created_at": now,
                },
            )
            if created:
                event_append(
                    type="disclosures.access_alert.raised",
                    actor=actor,
                    purpose="access review",
                    refs={
                        "alert": str(alert.public_id),
                        "kind": kind,
                        "staff": who[:200],
                        "count": count,
                        "region": alert.region,
                    },
                )
            alerts.append(alert)
    return alerts
