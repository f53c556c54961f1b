"""The ledger over HTTP: the public C2SP tlog-tiles endpoints and the auditor's JSON endpoints.

Public (no sign-in, no personal data, cacheable): /ledger/checkpoint, /ledger/key,
/ledger/tile/<L>/<N>[.p/<W>] and /ledger/tile/entries/<N>[.p/<W>]. Tiles and entry bundles never change
once they exist (a partial tile of width W is a prefix of every later version), so they are immutable.
Auditors (signed in, group "auditor"): /ledger/audit/events/<index>, /ledger/audit/proofs/inclusion and
/ledger/audit/proofs/consistency. Errors are JSON {"code", "message"} with a 4xx status.
"""

import base64
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from frontdesk.core.errors import DomainError
from frontdesk.core.replicas import reads_from_replica
from frontdesk.ledger import event_reads, merkle, selectors, signing
from frontdesk.ledger.policies import can_read_ledger_events

IMMUTABLE = "public, max-age=31536000, immutable"
TILE_PATH = re.compile(r"^(?P<index>(?:x\d{3}/)*\d{3})(?:\.p/(?P<width>\d{1,3}))?$")
MAX_INDEX = 2**62


class BadParameter(DomainError):
    status = 400
    code = "invalid_parameter"


def _error(status: int, code: str, message: str) -> JsonResponse:
    response = JsonResponse({"code": code, "message": message}, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _not_found(message: str = "Not found.") -> JsonResponse:
    return _error(404, "not_found", message)


def _parse_tile_path(path: str) -> tuple[int, int] | None:
    match = TILE_PATH.match(path)
    if match is None:
        return None
    try:
        index = merkle.decode_tile_index(match["index"])
    except ValueError:
        return None
    width_text = match["width"]
    if width_text is None:
        return index, merkle.TILE_WIDTH
    width = int(width_text)
    if str(width) != width_text or not 1 <= width < merkle.TILE_WIDTH:
        return None
    return index, width


def _binary(data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Cache-Control"] = IMMUTABLE
    response["Access-Control-Allow-Origin"] = "*"
    return response


@csrf_exempt  # read-only: any other method is a 405, never a CSRF refusal
@require_GET
@reads_from_replica
def checkpoint(request: HttpRequest) -> HttpResponse:
    """The published checkpoint: the newest witnessed one with its cosignatures (selectors.checkpoint_published)."""
    try:
        published = selectors.checkpoint_published()
    except ImproperlyConfigured:
        return _error(503, "witnesses_misconfigured", "The log's witness configuration is invalid.")
    if published is None:
        return _not_found("No checkpoint has been signed yet.")
    response = HttpResponse(published.note, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "public, max-age=5"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@csrf_exempt  # read-only: any other method is a 405, never a CSRF refusal
@require_GET
def verifier_key(request: HttpRequest) -> HttpResponse:
    try:
        text = signing.load_verifier().text()
    except ImproperlyConfigured:
        return _not_found("The log has no signing key yet.")
    response = HttpResponse(text + "\n", content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@csrf_exempt  # read-only: any other method is a 405, never a CSRF refusal
@require_GET
@reads_from_replica
def hash_tile(request: HttpRequest, level: str, path: str) -> HttpResponse:
    parsed = _parse_tile_path(path)
    if parsed is None or level not in {"0", "1", "2", "3", "4", "5"}:
        return _not_found("Not a tile path: tile/<L>/<N>[.p/<W>], N in 3-digit groups.")
    data = selectors.tile_read(int(level), *parsed)
    return _not_found("No such tile yet.") if data is None else _binary(data)


@csrf_exempt  # read-only: any other method is a 405, never a CSRF refusal
@require_GET
@reads_from_replica
def entry_bundle(request: HttpRequest, path: str) -> HttpResponse:
    parsed = _parse_tile_path(path)
    if parsed is None:
        return _not_found("Not an entry bundle path: tile/entries/<N>[.p/<W>].")
    data = selectors.entries_read(*parsed)
    return _not_found("No such entry bundle yet.") if data is None else _binary(data)


# --- Auditors --------------------------------------------------------------------------------


def auditor_json(view: Callable[..., dict[str, Any]]) -> Callable[..., HttpResponse]:
    """Sign-in and auditor role required; domain errors become JSON 4xx; nothing is cached."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method != "GET":
            response = _error(405, "method_not_allowed", "Use GET.")
            response["Allow"] = "GET"
            return response
        if not request.user.is_authenticated:
            return _error(401, "not_authenticated", "Sign in as an auditor to read ledger events.")
        if not can_read_ledger_events(request.user):
            return _error(403, "forbidden", "Only auditors read ledger events and proofs.")
        try:
            body = view(request, *args, **kwargs)
        except DomainError as error:
            return _error(error.status, error.code, error.message)
        response = JsonResponse(body)
        response["Cache-Control"] = "no-store"
        return response

    return csrf_exempt(wrapper)  # read-only, as above


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _int_param(request: HttpRequest, name: str, default: int | None = None) -> int:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        if default is None:
            raise BadParameter(f"The query parameter {name!r} is required.", code="missing_parameter")
        return default
    if not raw.isdigit() or not raw.isascii() or int(raw) > MAX_INDEX:
        raise BadParameter(f"{name!r} must be a whole number of at least 0.")
    return int(raw)


@auditor_json
def audit_event(request: HttpRequest, index: str) -> dict[str, Any]:
    """The event behind a leaf index with its salt; the read and its stated purpose go on the ledger."""
    if not index.isdigit() or int(index) > MAX_INDEX:
        raise BadParameter("The index must be a whole number.")
    event = event_reads.event_read(actor=request.user, index=int(index), purpose=request.GET.get("purpose"))
    return {
        "index": event.index,
        "event": event.event,
        "canonical": event.canonical,
        "salt": _b64(bytes(event.salt)),
        "entry": _b64(bytes(event.commitment)),
        "leaf_hash": _b64(merkle.leaf_hash(bytes(event.commitment))),
    }


@auditor_json
def audit_inclusion(request: HttpRequest) -> dict[str, Any]:
    proof = selectors.inclusion_proof_get(
        actor=request.user,
        index=_int_param(request, "index"),
        tree_size=_int_param(request, "tree_size", selectors.default_tree_size()),
    )
    return {
        "index": proof.index,
        "tree_size": proof.tree_size,
        "leaf_hash": _b64(proof.leaf_hash),
        "proof": [_b64(h) for h in proof.proof],
        "root": _b64(proof.root),
    }


@auditor_json
def audit_consistency(request: HttpRequest) -> dict[str, Any]:
    proof = selectors.consistency_proof_get(
        actor=request.user,
        first=_int_param(request, "first"),
        second=_int_param(request, "second", selectors.default_tree_size()),
    )
    return {
        "first": proof.first,
        "second": proof.second,
        "proof": [_b64(h) for h in proof.proof],
        "first_root": _b64(proof.first_root),
        "second_root": _b64(proof.second_root),
    }
