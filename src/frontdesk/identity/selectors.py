"""What a signed-in member of the public sees: their appointments and their accounting of disclosures."""

import uuid

from django.db.models import Q, QuerySet

from frontdesk.disclosures.models import AccountingEntry
from frontdesk.disclosures.selectors import accounting_of_person
from frontdesk.scheduling.models import Appointment, Person

from . import policies
from .models import AccountBooking, AccountLink, PublicAccount


def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def account_get(*, public_id: str) -> PublicAccount | None:
    key = _uuid(public_id)
    return PublicAccount.objects.filter(public_id=key).first() if key else None


def linked_people(*, account: PublicAccount, level: str) -> list[Person]:
    if not policies.can_see_linked_records(level):
        return []
    return [link.person for link in AccountLink.objects.filter(account=account).select_related("person")]


def appointment_list(*, account: PublicAccount, level: str) -> QuerySet[Appointment]:
    """Every appointment the account may see: those booked while signed in, and at IAL2 those of its
    linked records, as the person or as the companion (booked by them or by a clerk for them)."""
    scope = Q(pk__in=AccountBooking.objects.filter(account=account).values("appointment_id"))
    people = [p.pk for p in linked_people(account=account, level=level)]
    if people:
        scope |= Q(person_id__in=people) | Q(companion_id__in=people)
    return (
        Appointment.objects.filter(scope)
        .select_related("office", "service", "person", "companion")
        .order_by("-starts_at", "-id")
    )


def appointment_for_account(*, account: PublicAccount, level: str, public_id: str) -> Appointment | None:
    key = _uuid(public_id)
    return appointment_list(account=account, level=level).filter(public_id=key).first() if key else None


def accounting_list(*, account: PublicAccount, level: str) -> list[AccountingEntry]:
    """The accounting of disclosures (5 U.S.C. 552a(c)(3)) of each linked record, companion entries included,
    through the disclosures app's one selector for a person's own entries: (b)(7) entries stay hidden."""
    entries: list[AccountingEntry] = []
    for person in linked_people(account=account, level=level):
        entries += accounting_of_person(person=person, verified_by="login_gov_ial2")
    return sorted(entries, key=lambda e: (e.disclosed_at, e.pk), reverse=True)
