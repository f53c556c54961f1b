"""Proof bundles for a person's own accounting entries (issue 13 part 4; docs/ledger-proof-bundle.md,
docs/adr/0022-proofs-a-person-can-hold.md).

A person who proved who they are (appointment code, name and birth date, or a one-time code) gets,
with each entry they may see, a download token: signed by the site's secret, naming that one entry,
good for PROOF_TOKEN_TTL. The token is the proof of identity for the download, on the site and in
the API alike; withheld entries ((b)(7), 5 U.S.C. 552a(c)(3)) never get one and are refused as
unknown.
"""

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.db import transaction

from frontdesk.core.errors import Conflict, NotFound, ValidationFailed
from frontdesk.ledger.models import LedgerEvent
from frontdesk.ledger.proof import ProofPending, event_proof
from frontdesk.ledger.services import event_append

from .accounting import ACCOUNTING_EVENT
from .models import AccountingEntry

PROOF_TOKEN_SALT = "frontdesk.disclosures.accounting-proof"  # noqa: S105 (a signing namespace, not a secret)
PROOF_TOKEN_TTL = dt.timedelta(minutes=15)

PROOF_LINK_EXPIRED = "This download link has expired. Look up your accounting again to get a new one."
PROOF_NOT_FOUND = "There is no proof for that link."
PROOF_PENDING = (
    "This disclosure is recorded, but the public log has not yet published a witnessed checkpoint that "
    "includes it. Look up your accounting again in a few minutes to download its proof."
)


def proof_token(entry: AccountingEntry) -> str:
    """A short-lived token that downloads this entry's proof; given only in an answer that followed
    the person's proof of identity."""
    return signing.dumps({"entry": str(entry.public_id)}, salt=PROOF_TOKEN_SALT, compress=False)


def with_proof_tokens(entries: list[AccountingEntry]) -> list[AccountingEntry]:
    """Set `proof_token` on each entry the person may see (the only ones they are ever given)."""
    for entry in entries:
        entry.proof_token = proof_token(entry) if entry.subject_may_see else ""  # type: ignore[attr-defined]
    return entries


@dataclass(frozen=True)
class AccountingProof:
    entry: AccountingEntry
    bundle: dict[str, Any]

    @property
    def filename(self) -> str:
        return f"disclosure-proof-{self.entry.disclosed_at:%Y-%m-%d}-{str(self.entry.public_id)[:8]}.json"


def entry_event(entry: AccountingEntry) -> LedgerEvent:
    """The ledger event a person's proof proves: their own accounting entry's event, which names only them.

    Entries recorded before entries had their own events prove the release's event instead (it also
    shows the releasing staff member and the pseudonyms of others in the packet; ADR 0022)."""
    own = (
        LedgerEvent.objects.filter(type=ACCOUNTING_EVENT, event__refs__entry=str(entry.public_id))
        .order_by("id")
        .first()
    )
    return own or entry.release.ledger_event


def accounting_proof(*, token: str) -> AccountingProof:
    """The proof bundle for the entry a download token names (a recorded read by the person).

    Refuses an expired token (422 proof_link_expired), a forged or unknown one and a withheld entry
    alike (404 proof_not_found), and an entry not yet in a witnessed checkpoint (409 proof_pending).
    """
    try:
        data = signing.loads(token, salt=PROOF_TOKEN_SALT, max_age=PROOF_TOKEN_TTL)
    except signing.SignatureExpired as error:
        raise ValidationFailed(PROOF_LINK_EXPIRED, code="proof_link_expired", field="token") from error
    except signing.BadSignature as error:
        raise NotFound(PROOF_NOT_FOUND, code="proof_not_found") from error
    try:
        key = uuid.UUID(str(data.get("entry"))) if isinstance(data, dict) else None
    except ValueError:
        key = None
    entry = (
        AccountingEntry.objects.select_related("release__ledger_event")
        .filter(public_id=key, subject_may_see=True)
        .first()
        if key
        else None
    )
    if entry is None:
        raise NotFound(PROOF_NOT_FOUND, code="proof_not_found")
    about = {
        "accounting_entry": str(entry.public_id),
        "disclosed_at": entry.disclosed_at.isoformat(),
        "release": str(entry.release.public_id),
    }
    bundle = event_proof(entry_event(entry), about=about)
    if isinstance(bundle, ProofPending):
        raise Conflict(PROOF_PENDING, code="proof_pending")
    with transaction.atomic():
        event_append(
            type="records.accounting_proof.viewed",
            actor=None,
            purpose="self_service",
            subjects=[entry.subject],
            refs={"entry": str(entry.public_id), "leaf_index": bundle["leaf_index"], "tree_size": bundle["tree_size"]},
        )
    return AccountingProof(entry, bundle)
