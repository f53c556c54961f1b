"""The auditor's pages: ledger status, the events, and verification against the signed checkpoints."""

from django.core.exceptions import ImproperlyConfigured
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from frontdesk.jobs.selectors import job_status_list
from frontdesk.ledger import notes, selectors, verify
from frontdesk.ledger.models import LedgerCheckpoint, LedgerEvent
from frontdesk.ledger.services import checkpoint_latest

PAGE = 50


@require_GET
def audit(request: HttpRequest) -> HttpResponse:
    latest = checkpoint_latest()
    # The witnesses' side (docs/adr/0020-witnessed-checkpoints.md): each one's last cosignature and the
    # quorum policy's answer for the latest and the published checkpoint, shown as the selectors give it.
    witness_problem = ""
    witnesses, latest_quorum, published = [], None, None
    try:
        witnesses = selectors.witness_status_list()
        latest_quorum = selectors.checkpoint_quorum(latest) if latest else None
        published = selectors.checkpoint_published()
    except ImproperlyConfigured as error:
        witness_problem = str(error)
    context = {
        "witnesses": witnesses,
        "latest_quorum": latest_quorum,
        "published": published,
        "witness_problem": witness_problem,
        "tree_size": selectors.tree_size(),
        "latest": latest,
        "checkpoints": LedgerCheckpoint.objects.count(),
        "unsequenced": selectors.pending_count(),
        "recent": LedgerCheckpoint.objects.order_by("-id")[:5],
        "jobs": job_status_list(),
    }
    return render(request, "console/audit.html", context)


@require_GET
def audit_events(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("type", "").strip()[:100]
    # The ledger's own listing: sequenced events, newest first, for auditors only (it refuses anyone else).
    events = selectors.event_list(actor=request.user, type_prefix=kind)
    page = Paginator(events.only("type", "time", "event"), PAGE).get_page(request.GET.get("page"))
    types = LedgerEvent.objects.values_list("type", flat=True).distinct().order_by("type")
    context = {"page": page, "kind": kind, "types": list(types)}
    return render(request, "console/audit_events.html", context)


@require_http_methods(["GET", "POST"])
def audit_verify(request: HttpRequest) -> HttpResponse:
    report = None
    failure = ""
    if request.method == "POST":
        try:
            # In this process: a web worker does not fork verify's worker processes (docs/adr/0043).
            report = verify.database_report(sequence=True, workers=1)
        except (ImproperlyConfigured, notes.NoteError, ValueError) as error:
            failure = f"Verification could not run: {error}"
    problems = sorted(report.problems, key=verify._order) if report else []
    return render(request, "console/audit_verify.html", {"report": report, "problems": problems, "failure": failure})
