"""Signing in a member of the public, linking their account to their records, and recording bookings.

The provider (Login.gov) has already authenticated the person; these services decide what the account
may see. An account proofed at IAL2 is linked to the person records that match the attributes the
provider verified; an IAL1 account is linked to nothing and sees only what it booked while signed in.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from frontdesk.core.crypto import InvalidSsn, keyed_digest, ssn_lookup_hash
from frontdesk.ledger.services import event_append
from frontdesk.scheduling.models import Appointment, Person
from frontdesk.scheduling.names import name_key
from frontdesk.scheduling.services import subject_of

from .models import AccountBooking, AccountLink, Level, PublicAccount


@dataclass(frozen=True)
class VerifiedClaims:
    """What the provider asserted, checked already (signature, issuer, audience, nonce, expiry)."""

    issuer: str
    subject: str
    level: str  # Level.IAL1 or Level.IAL2, from the token's acr (what was achieved, not what was asked)
    given_name: str = ""
    family_name: str = ""
    birthdate: dt.date | None = None
    ssn: str = ""  # only in memory, from the provider's answer; stored nowhere, compared as a keyed hash


def subject_key(issuer: str, subject: str) -> str:
    return keyed_digest("oidc-subject", f"{issuer} {subject}")


def matching_people(claims: VerifiedClaims) -> list[Person]:
    """The person records that are this verified person (docs/adr/0032): same given name, family name and
    birth date (compared as the scheduling app compares names), and

    - when the provider verified an SSN: only records whose SSN keyed hash equals it, so a namesake born
      the same day is never matched, and records with no SSN on file are not matched on name alone;
    - when it did not: only a single record with no SSN on file (two or more are ambiguous: no link).
    """
    if claims.level != Level.IAL2 or not (claims.given_name and claims.family_name and claims.birthdate):
        return []
    first, last = name_key(claims.given_name), name_key(claims.family_name)
    if not first or not last:
        return []
    candidates = Person.objects.filter(last_name_key=last, date_of_birth=claims.birthdate)
    if claims.ssn:
        try:
            wanted = ssn_lookup_hash(claims.ssn)
        except InvalidSsn:
            return []
        return [p for p in candidates.filter(ssn_hash=wanted) if name_key(p.first_name) == first]
    unverified = [p for p in candidates.filter(ssn_hash__isnull=True) if name_key(p.first_name) == first]
    return unverified if len(unverified) == 1 else []


def account_sign_in(*, claims: VerifiedClaims, now: dt.datetime | None = None) -> PublicAccount:
    """Find or create the account for the provider's subject, at the level this sign-in reached, and at
    IAL2 link it to every matching person record not linked yet (a ledger entry names them by pseudonym).

    A later IAL1 sign-in keeps links made at IAL2, but the account shows linked records only while its
    sign-in is at IAL2 (selectors take the level of the session's own sign-in)."""
    now = now or timezone.now()
    with transaction.atomic():
        account, created = PublicAccount.objects.select_for_update().get_or_create(
            subject_key=subject_key(claims.issuer, claims.subject),
            defaults={"level": claims.level, "last_sign_in_at": now},
        )
        if not created:
            account.last_sign_in_at = now
            account.level = claims.level
            account.save(update_fields=["last_sign_in_at", "level"])
        already = set(AccountLink.objects.filter(account=account).values_list("person_id", flat=True))
        new = [p for p in matching_people(claims) if p.pk not in already]
        if new:
            AccountLink.objects.bulk_create(AccountLink(account=account, person=p) for p in new)
            event_append(
                type="identity.account.linked",
                actor=None,
                purpose="self_service",
                subjects=sorted(subject_of(p) for p in new),
                refs={"account": str(account.public_id), "level": claims.level, "records": len(new)},
            )
    return account


def account_booking_record(*, account: PublicAccount, appointment: Appointment) -> AccountBooking:
    """Remember that this account booked this appointment on the site (what an IAL1 account may see)."""
    booking, _ = AccountBooking.objects.get_or_create(appointment=appointment, defaults={"account": account})
    return booking
