"""Court orders and statutes that forbid disclosure (recipient x category x period), recorded by counsel."""

import datetime as dt
import hashlib
from typing import Any

import rfc8785
from django.db import transaction
from django.utils import timezone

from frontdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from frontdesk.ledger.services import event_append

from . import policies
from .inputs import RestrictionDetails, _categories, _choice, _optional, _required
from .models import Restriction, RestrictionKind, RestrictionRevision
from .policy import agency_key
from .scope import restriction_scope
from .vocabulary import AgencyType


def restriction_content(r: Restriction) -> dict[str, Any]:
    """What a restriction says, as JSON: what each revision records and hashes, and what the API shows."""
    return {
        "code": r.code,
        "version": r.version,
        "kind": r.kind,
        "title": r.title,
        "citation": r.citation,
        "summary": r.summary,
        "recipients": r.recipients,
        "agencies": r.agencies,
        "categories": r.categories,
        "effective_from": r.effective_from.isoformat(),
        "effective_until": r.effective_until.isoformat() if r.effective_until else None,
    }


def _next_restriction_code(now: dt.datetime) -> str:
    prefix = f"R-{now.year}-"
    taken = Restriction.objects.filter(code__startswith=prefix).count()
    return f"{prefix}{taken + 1:04d}"


def restriction_save(
    *, actor: Any, details: RestrictionDetails, code: str | None = None, now: dt.datetime | None = None
) -> Restriction:
    """Record or change a court order or statute that forbids disclosure (recipient x category x period).

    General counsel only. It overrides every authority from the moment it is saved; ending it means
    giving it an end date, never deleting it. Each change is a revision and a ledger event. Whom it binds
    is read one way everywhere (scope.restriction_scope): without recipients (None), every recipient.
    """
    now = now or timezone.now()
    if not policies.can_record_restriction(actor):
        raise PermissionDenied("Only general counsel records restrictions.")
    _choice(details.kind, RestrictionKind.values, "kind", "kind of restriction")
    values: dict[str, Any] = {
        "kind": details.kind,
        "title": _required(details.title, "title", "restriction's title", 200),
        "citation": _required(details.citation, "citation", "citation (docket, statute)", 400),
        "summary": _optional(details.summary, "summary", 2000),
        "categories": _categories(details.categories),
        "effective_from": details.effective_from,
        "effective_until": details.effective_until,
    }
    if details.recipients is not None:
        for recipient in details.recipients:
            _choice(recipient, AgencyType.values, "recipients", "agency type")
        values["recipients"] = sorted(set(details.recipients))
    else:
        values["recipients"] = None
    agencies = [a.strip() for a in details.agencies if a and a.strip()]
    if any(len(a) > 200 or not agency_key(a) for a in agencies) or len(agencies) > 20:
        raise ValidationFailed("Name at most 20 agencies, each in letters or digits.", field="agencies")
    values["agencies"] = sorted(set(agencies))
    scope = restriction_scope(values["recipients"], values["agencies"])
    if scope.every_recipient and values["agencies"]:
        raise ValidationFailed(
            "It binds every recipient, so naming agencies would not narrow it. To bind only some recipients, "
            "list their agency types and agencies instead of every recipient.",
            field="agencies",
        )
    if not scope.every_recipient and not scope.agency_types and not scope.agencies:
        raise ValidationFailed(
            "Say which recipients it binds: agency types, agencies, or every one.", field="recipients"
        )
    if details.effective_until and details.effective_until < details.effective_from:
        raise ValidationFailed("The restriction ends before it starts.", field="effective_until")
    with transaction.atomic():
        if code is None:
            restriction = Restriction(code=_next_restriction_code(now), recorded_by=actor, recorded_at=now, **values)
        else:
            found = Restriction.objects.select_for_update().filter(code=code).first()
            if found is None:
                raise NotFound(f"There is no restriction {code!r}.", code="restriction_not_found")
            restriction = found
            changed = any(getattr(restriction, k) != v for k, v in values.items())
            if not changed:
                return restriction
            for key, value in values.items():
                setattr(restriction, key, value)
            restriction.version += 1
        restriction.updated_at = now
        restriction.save()
        content = restriction_content(restriction)
        digest = hashlib.sha256(rfc8785.dumps(content)).hexdigest()
        RestrictionRevision.objects.create(
            restriction=restriction,
            version=restriction.version,
            content=content,
            sha256=digest,
            saved_by=actor,
            saved_at=now,
        )
        event_append(
            type="disclosures.restriction.saved",
            actor=actor,
            purpose="disclosure restriction",
            refs={"restriction": restriction.code, "version": restriction.version, "sha256": digest},
        )
    return restriction
