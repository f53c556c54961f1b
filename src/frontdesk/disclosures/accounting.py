"""The Privacy Act (c)(1) accounting of a release: one entry per matched person, kept at least five years."""

import datetime as dt
from typing import TYPE_CHECKING, Any

from frontdesk.ledger.services import event_append
from frontdesk.scheduling.services import subject_of

from .categories import category_label
from .models import AccountingEntry, CatalogEntry, DisclosureRequest, Release
from .vocabulary import Purpose

if TYPE_CHECKING:
    from .release import _ReleasedSubject


ACCOUNTING_RETENTION_YEARS = 5

ACCOUNTING_EVENT = "disclosures.accounting.entered"


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _nature(approved: list[str], records: list[dict[str, Any]]) -> str:
    counts: dict[str, int] = {}
    for record in records:
        counts[record["record"]] = counts.get(record["record"], 0) + 1
    held = ", ".join(f"{n} {kind.replace('_', '-')} record{'s' if n != 1 else ''}" for kind, n in counts.items())
    labels = "; ".join(category_label(c) for c in approved)
    return f"Released: {labels}. Records: {held or 'none held in these categories'}."


def _account(
    *,
    request: DisclosureRequest,
    release: Release,
    released: "list[_ReleasedSubject]",
    entries: dict[str, CatalogEntry],
) -> None:
    """One (c)(1) entry per matched person, naming that person's categories and authorities only."""
    recipient = ", ".join(
        part
        for part in (
            request.requester_official,
            request.requester_title,
            request.requester_component,
            request.requester_agency,
        )
        if part
    )
    purpose = Purpose(request.purpose).label + (f": {request.purpose_detail}" if request.purpose_detail else "")
    disclosed = release.released_at
    rows = []
    for subject in released:
        if subject.match.person is None:
            continue
        own = {code: entries[code] for code in subject.authorities if code in entries}
        # Accounted unless every authority of this person's release says no accounting is required.
        if own and not any(e.accounting_required for e in own.values()):
            continue
        withheld = sorted({e.accounting_basis or e.code for e in own.values() if not e.subject_may_see})
        rows.append(
            AccountingEntry(
                release=release,
                request=request,
                person=subject.match.person,
                subject=subject_of(subject.match.person),
                disclosed_at=disclosed,
                nature=_nature(list(subject.categories), subject.records),
                purpose=purpose,
                recipient_name=recipient[:600],
                recipient_address=request.requester_address,
                authorities=list(subject.authorities),
                authority_citation="; ".join(
                    f"{code}: {entries[code].citation}" if code in entries else code for code in subject.authorities
                ),
                subject_may_see=not withheld,
                withheld_basis="; ".join(withheld)[:200],
                retain_until=_add_years(disclosed.date(), ACCOUNTING_RETENTION_YEARS),
            )
        )
    AccountingEntry.objects.bulk_create(rows)
    for row in rows:
        # Each person's own entry on the ledger: what their proof bundle proves. It names only them, so
        # the canonical text handed to them shows no other person and no staff member (ADR 0022).
        event_append(
            type=ACCOUNTING_EVENT,
            actor=None,
            purpose="disclosure accounting",
            subjects=[row.subject],
            refs={"entry": str(row.public_id), "release": str(release.public_id), "request": str(request.public_id)},
        )
