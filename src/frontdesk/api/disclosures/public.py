"""Public endpoints under /api/v1/disclosures/: a person's own accounting of disclosures (with its
proofs) and the quarterly transparency report. They take no session and no token.
"""

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Schema, Status
from pydantic import Field, StringConstraints

from frontdesk.api.schemas import VerifyIn
from frontdesk.disclosures import selectors
from frontdesk.disclosures.models import (
    AccountingEntry,
)
from frontdesk.disclosures.proofs import accounting_proof
from frontdesk.disclosures.subject_access import (
    CODE_TTL,
    MAX_ATTEMPTS,
    Identity,
    access_code_request,
    access_code_verify,
)
from frontdesk.disclosures.transparency import report_csv, report_html, transparency_report

from .routers import DisclosuresRouter
from .schemas import (
    EARLIEST,
    LATEST,
    LOOKUP_ERRORS,
    PROOF_ERRORS,
    PUBLIC_ERRORS,
    _content,
)

router = DisclosuresRouter(tags=["disclosures"])


class MyAccountingEntryOut(Schema):
    disclosed_on: dt.date
    nature: str
    purpose: str
    recipient_name: str
    recipient_address: str
    authority: str
    proof_token: str = Field(
        description="Send to /accounting/mine/proof within a few minutes to download this entry's proof bundle."
    )


class ProofIn(Schema):
    token: str = Field(min_length=1, max_length=500, description="An entry's proof_token from your accounting")


class ProofBundleOut(Schema):
    """docs/ledger-proof-bundle.md: check it offline with `frontdesk ledger check-proof FILE`."""

    format: Literal["frontdesk-ledger-proof/v1"]
    origin: str = Field(description="The log's name (the checkpoint's first line)")
    log_key: str = Field(description="The log's verifier key: name+key ID+base64(0x01 || Ed25519 key)")
    witness_keys: list[str] = Field(description="Witness keys (cosignature/v1, type 0x04) the log counts")
    witness_quorum: int = Field(description="How many of those witnesses must have cosigned")
    event: str = Field(description="The ledger event's canonical JSON text (RFC 8785), exactly as committed")
    salt: str = Field(description="Base64 of the 32-byte salt")
    commitment: str = Field(description="Base64 of SHA-256(salt || event): the log entry")
    leaf_index: int
    tree_size: int
    inclusion_proof: list[str] = Field(description="Base64 hashes of the RFC 9162 inclusion proof, leaf upward")
    checkpoint: str = Field(description="The signed checkpoint note with the witnesses' cosignature lines")
    about: dict[str, str] = Field(description="What the event is to you (informational, not signed)")


class AccessCodeRequestIn(Schema):
    first_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    last_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    date_of_birth: dt.date = Field(ge=EARLIEST, le=LATEST)
    channel: Literal["email", "sms"] = Field(description="Where the code goes: the email or phone number on file")
    language: Literal["en", "es"] = "en"


class AccessCodeSentOut(Schema):
    challenge: str = Field(description="Send it back with the code")
    message: str
    expires_in_seconds: int


class AccessCodeVerifyIn(Schema):
    challenge: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=12)]


class ReportCell(Schema):
    key: str
    label: str
    count: int | None = Field(description="null when the count is suppressed")
    display: str


class TransparencyOut(Schema):
    year: int
    quarter: int
    period_start: dt.date
    period_end: dt.date
    generated_at: dt.datetime
    threshold: int
    total: ReportCell
    by_agency_type: list[ReportCell]
    by_authority: list[ReportCell]
    by_outcome: list[ReportCell]


class TransparencyQuery(Schema):
    year: int = Field(..., ge=2000, le=2100)
    quarter: int = Field(..., ge=1, le=4)


@router.post(
    "/accounting/mine",
    auth=None,
    response={200: list[MyAccountingEntryOut], **LOOKUP_ERRORS},
    summary="Who we shared your records with",
    description=(
        "Your accounting of disclosures (Privacy Act, 5 U.S.C. 552a(c)(3)), verified by your confirmation "
        "code, last name and date of birth. The law lets us leave out disclosures to law enforcement made "
        "under 552a(b)(7)."
    ),
)
def accounting_mine(request: HttpRequest, payload: VerifyIn) -> list[dict[str, Any]]:
    return [_my_entry(e) for e in selectors.accounting_for_person(**payload.model_dump())]


def _my_entry(e: AccountingEntry) -> dict[str, Any]:
    return {
        "disclosed_on": timezone.localdate(e.disclosed_at),
        "nature": e.nature,
        "purpose": e.purpose,
        "recipient_name": e.recipient_name,
        "recipient_address": e.recipient_address,
        "authority": e.authority_citation,
        "proof_token": getattr(e, "proof_token", ""),
    }


@router.post(
    "/accounting/mine/proof",
    auth=None,
    response={200: ProofBundleOut, **PROOF_ERRORS},
    summary="Download the proof that a disclosure was recorded",
    description=(
        "The proof bundle of one entry of your accounting, for the proof_token it came with (good for a few "
        "minutes): the ledger event, its salt and commitment, the RFC 9162 inclusion proof and the witnessed "
        "checkpoint (docs/ledger-proof-bundle.md). 409 proof_pending while no witnessed checkpoint includes "
        "it yet; 422 proof_link_expired when the token is too old (look up your accounting again)."
    ),
)
def accounting_mine_proof(request: HttpRequest, payload: ProofIn) -> dict[str, Any]:
    return accounting_proof(token=payload.token).bundle


CODE_SENT = "If we hold a record that matches, we sent a code to the contact on file."


@router.post(
    "/accounting/mine/code",
    auth=None,
    response={202: AccessCodeSentOut, **LOOKUP_ERRORS},
    summary="Get a one-time code to see who we shared your records with",
    description=(
        "For anyone without an appointment code of their own (a companion, for example). Give your name, "
        "date of birth and a channel; if a record matches and has a contact on that channel, a 6-digit code "
        "goes there. The answer is the same whether or not anything matched. Then call "
        "/accounting/mine/code/verify with the challenge and the code."
    ),
)
def accounting_mine_code(request: HttpRequest, payload: AccessCodeRequestIn) -> Status[dict[str, Any]]:
    identity = Identity(
        first_name=payload.first_name,
        last_name=payload.last_name,
        date_of_birth=payload.date_of_birth,
        channel=payload.channel,
    )
    challenge = access_code_request(identity=identity, language=payload.language)
    expires = int(CODE_TTL.total_seconds())
    return Status(202, {"challenge": str(challenge), "message": CODE_SENT, "expires_in_seconds": expires})


@router.post(
    "/accounting/mine/code/verify",
    auth=None,
    response={200: list[MyAccountingEntryOut], **LOOKUP_ERRORS},
    summary="Who we shared your records with, by one-time code",
    description=(
        "Your accounting of disclosures (5 U.S.C. 552a(c)(3)) for the code sent to you. A code works once, "
        f"for {CODE_TTL.seconds // 60} minutes and {MAX_ATTEMPTS} tries (422 access_code_wrong, "
        "access_code_expired or access_code_locked). The law lets us leave out disclosures to law enforcement "
        "made under 552a(b)(7)."
    ),
)
def accounting_mine_code_verify(request: HttpRequest, payload: AccessCodeVerifyIn) -> list[dict[str, Any]]:
    return [_my_entry(e) for e in access_code_verify(challenge=payload.challenge, code=payload.code)]


TRANSPARENCY = (
    "Counts of disclosure requests by recipient agency type, authority and outcome for a finished quarter; "
    "counts under 10 read 'fewer than 10'."
)


@router.get(
    "/transparency",
    auth=None,
    response={200: TransparencyOut, **PUBLIC_ERRORS},
    summary="Quarterly transparency report (JSON)",
    description=TRANSPARENCY,
)
def transparency(request: HttpRequest, query: Query[TransparencyQuery]) -> dict[str, Any]:
    return transparency_report(year=query.year, quarter=query.quarter).as_dict()


@router.get(
    "/transparency.csv",
    auth=None,
    response={200: None, **PUBLIC_ERRORS},
    summary="Quarterly transparency report (CSV)",
    description=TRANSPARENCY,
    openapi_extra=_content("text/csv", "The report as CSV: year, quarter, table, key, label, count"),
)
def transparency_csv(request: HttpRequest, query: Query[TransparencyQuery]) -> HttpResponse:
    response = HttpResponse(report_csv(transparency_report(year=query.year, quarter=query.quarter)))
    response["Content-Type"] = "text/csv; charset=utf-8"
    response["Content-Disposition"] = f'attachment; filename="disclosures-{query.year}-q{query.quarter}.csv"'
    return response


@router.get(
    "/transparency.html",
    auth=None,
    response={200: None, **PUBLIC_ERRORS},
    summary="Quarterly transparency report (HTML page)",
    description=TRANSPARENCY,
    openapi_extra=_content("text/html", "The report as an HTML page"),
)
def transparency_html(request: HttpRequest, query: Query[TransparencyQuery]) -> HttpResponse:
    report = transparency_report(year=query.year, quarter=query.quarter)
    return HttpResponse(report_html(report), content_type="text/html; charset=utf-8")
